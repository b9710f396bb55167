"""Pure pieces of the feedback service: reference numbers, codes, contacts, photo cleaning."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, PngImagePlugin

from tests.feedback.conftest import jpeg_bytes
from trace.errors import ValidationError
from trace.models.feedback import ContactKind, FeedbackContact
from trace.services import feedback as service


def test_reference_numbers_are_random_and_read_back_forgivingly():
    drawn = {service.new_reference() for _ in range(200)}
    assert len(drawn) == 200
    for reference in drawn:
        assert re.fullmatch(r"FK-\d{4}-[0-9A-HJKMNP-TV-Z]{8}", reference)
    assert service.normalize_reference("fk-2025-7kq2m9xd") == "FK-2025-7KQ2M9XD"
    assert service.normalize_reference(" FK 2025 7KQ2M9XD ") == "FK-2025-7KQ2M9XD"
    assert service.normalize_reference("FK2025OIL2M9XD") == "FK-2025-0112M9XD"
    assert service.normalize_reference("FK–2025—7KQ2M9XD") == "FK-2025-7KQ2M9XD"
    for wrong in ("", "FK-2025-7KQ2M9X", "XX-2025-7KQ2M9XD", "FK-2025-7KQ2M9XU", "FK-25-7KQ2M9XD"):
        assert service.normalize_reference(wrong) is None


@pytest.mark.parametrize(
    ("typed", "serial"),
    [
        ("7KQ2M9XD3A", "7KQ2M9XD3A"),
        (" 7KQ2 M9XD3A ", "7KQ2M9XD3A"),
        ("https://trace.dayao.example.cn/01/06901234567892/10/DY208/21/7KQ2M9XD3A", "7KQ2M9XD3A"),
        ("https://trace.dayao.example.cn/scan/7KQ2M9XD3A?x=1", "7KQ2M9XD3A"),
        ("", ""),
    ],
)
def test_serials_in_what_people_type_or_paste(typed, serial):
    assert service.serial_from(typed) == serial


def test_contacts_are_validated_normalised_and_masked():
    assert service.parse_contact("+86 139 8780 0001") == (ContactKind.PHONE, "13987800001")
    assert service.parse_contact("0878-6221001") == (ContactKind.PHONE, "0878-6221001")
    assert service.parse_contact("Li@Example.CN") == (ContactKind.EMAIL, "Li@example.cn")
    for wrong in ("12345", "li@", "not a contact", "@example.cn"):
        with pytest.raises(ValidationError) as caught:
            service.parse_contact(wrong)
        assert "contact" in caught.value.errors
    phone = FeedbackContact(kind=ContactKind.PHONE, value="13987800001")
    assert service.mask_contact(phone) == "139****0001"
    email = FeedbackContact(kind=ContactKind.EMAIL, value="liming@example.cn")
    assert service.mask_contact(email) == "l***@example.cn"
    assert service.mask_contact(None) == ""


def test_photos_lose_text_chunks_and_huge_ones_are_scaled_down():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 金碧镇")
    source = io.BytesIO()
    Image.new("RGB", (3000, 1000), (1, 2, 3)).save(source, "PNG", pnginfo=info)
    photo = service.prepare_photo(source.getvalue())
    assert photo.content_type == "image/png" and "金碧镇".encode() not in photo.data
    with Image.open(io.BytesIO(photo.data)) as image:
        assert max(image.size) == service.PHOTO_MAX_SIDE and not image.text


def test_a_decompression_bomb_is_refused_before_decoding():
    header = io.BytesIO()
    Image.new("L", (1, 1)).save(header, "PNG")
    data = bytearray(header.getvalue())
    # Claim 20000 x 20000 pixels in the IHDR chunk (the CRC no longer matches, which Pillow
    # checks only when it decodes: the size check must refuse it first).
    data[16:24] = (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big")
    with pytest.raises(ValidationError) as caught:
        service.prepare_photo(bytes(data))
    assert "photo" in caught.value.errors


def test_exif_orientation_is_applied_before_it_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    photo = service.prepare_photo(jpeg_bytes(size=(64, 32), exif=exif.tobytes()))
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.size == (32, 64) and not image.getexif()
