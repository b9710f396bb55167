"""The public report form: works without JavaScript in both languages, checks its input, keeps the
contact private, and refuses spam: honeypot, too-fast or forged form, floods, bad photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from tests.feedback.conftest import (
    REFERENCE,
    file_report,
    form_fields,
    jpeg_bytes,
    png_bytes,
    report_count,
)
from tests.staff.helpers import text
from trace.models.feedback import FeedbackContact, FeedbackReport, FeedbackStep
from trace.services.feedback import PHOTO_MAX_BYTES

GOOD = {"kind": "quality", "description": "核桃仁发霉，有哈喇味"}


def _photo(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> dict:
    return {"photo": (io.BytesIO(data), name, content_type)}


def _field_error(html: str, field: str) -> str | None:
    import re

    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


@pytest.fixture()
def limits_on(app, monkeypatch):
    """Rate limits as in production, with fresh counters."""
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    app.extensions["trace.rate_limits"].reset()
    yield
    app.extensions["trace.rate_limits"].reset()


def test_general_form_in_both_languages(client):
    zh = client.get("/report")
    assert zh.status_code == 200 and "反映问题" in text(zh)
    assert zh.headers["Cache-Control"] == "no-store"
    assert "<script" not in text(zh)  # works without JavaScript
    en = text(client.get("/report?lang=en"))
    assert "Report a problem" in en and "反映问题" not in en
    assert 'name="kind" value="counterfeit"' in en


def test_a_general_report_without_a_code(client, db_session):
    filed = file_report(client, GOOD)
    assert filed.status_code == 303
    report = db_session.scalars(select(FeedbackReport)).one()
    assert report.pack_code_id is None and report.code_text == "" and report.status.value == "new"
    assert REFERENCE.fullmatch(report.reference)
    steps = db_session.scalars(select(FeedbackStep)).all()
    assert [s.action.value for s in steps] == ["filed"]


def test_an_unknown_code_is_kept_and_flagged(client, db_session):
    page = text(client.get("/report?code=NOSUCHCODE1"))
    assert "没有登记" in page
    file_report(client, {**GOOD, "kind": "counterfeit", "code": "NOSUCHCODE1"})
    report = db_session.scalars(select(FeedbackReport)).one()
    assert report.code_text == "NOSUCHCODE1" and report.pack_code_id is None


def test_a_pasted_digital_link_finds_its_pack(client, db_session, labelled):
    link = f"https://trace.test/01/{labelled.batch.product.gtin}/10/{labelled.batch.lot}/21/{labelled.serials[1]}"
    file_report(client, {**GOOD, "code": link})
    report = db_session.scalars(select(FeedbackReport)).one()
    assert report.pack_code.serial == labelled.serials[1]


def test_missing_fields_are_named_and_nothing_is_written(client, db_session):
    answer = file_report(client, {"kind": "", "description": " "})
    page = text(answer)
    assert answer.status_code == 422
    assert _field_error(page, "kind") and _field_error(page, "description")
    assert report_count(db_session) == 0


def test_a_bad_contact_is_named_and_a_good_one_kept_apart(client, db_session):
    bad = file_report(client, {**GOOD, "contact": "call me maybe"})
    assert bad.status_code == 422 and _field_error(text(bad), "contact")
    assert report_count(db_session) == 0
    assert file_report(client, {**GOOD, "contact": "Li.Ming@Example.CN"}).status_code == 303
    report = db_session.scalars(select(FeedbackReport)).one()
    contact = db_session.get(FeedbackContact, report.id)
    assert contact.kind.value == "email" and contact.value == "Li.Ming@example.cn"
    assert report.has_contact


def test_form_without_csrf_token_is_refused(client, db_session):
    page = text(client.get("/report"))
    fields = form_fields(page)
    answer = client.post("/report", data={**GOOD, "form_token": fields["form_token"]})
    assert answer.status_code == 400
    assert report_count(db_session) == 0


def test_honeypot_filled_is_refused(client, db_session):
    answer = file_report(client, {**GOOD, "website": "http://spam.example"})
    assert answer.status_code == 422
    assert report_count(db_session) == 0


def test_too_fast_submit_is_refused(client, db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_MIN_SECONDS", 3)
    answer = file_report(client, GOOD)
    assert answer.status_code == 422 and "太快" in text(answer)
    assert report_count(db_session) == 0


def test_forged_or_missing_form_stamp_is_refused(client, db_session):
    for stamp in ("", "not-a-stamp", "InJlcG9ydCI.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"):
        page = text(client.get("/report"))
        fields = {**form_fields(page), "form_token": stamp}
        answer = client.post("/report", data={**fields, **GOOD})
        assert answer.status_code == 422
    assert report_count(db_session) == 0


def test_flood_from_one_address_is_rate_limited(client, db_session, app, limits_on):
    allowed = int(app.config["RATE_LIMIT_REPORT"].split()[0])
    for i in range(allowed):
        assert file_report(client, {**GOOD, "description": f"第{i}次"}).status_code == 303
    flooded = file_report(client, {**GOOD, "description": "再来一次"})
    assert flooded.status_code == 429
    assert int(flooded.headers["Retry-After"]) > 0
    assert report_count(db_session) == allowed
    # Another address is not held back by this one's flood.
    other = file_report(client, GOOD, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 303


def test_status_lookups_are_rate_limited(client, app, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_REPORT_STATUS", "3 per hour")
    codes = [client.get("/report/status?ref=FK-2025-00000000").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_photo_is_re_encoded_without_its_metadata(client, db_session, photo_dir):
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"  # camera maker
    exif[0x8825] = {1: "N", 2: (25.0, 44.0, 0.0)}  # GPS position
    original = jpeg_bytes(exif=exif.tobytes())
    assert b"SecretPhone" in original
    answer = file_report(client, {**GOOD, **_photo(original, "IMG_0001.JPG")})
    assert answer.status_code == 303
    report = db_session.scalars(select(FeedbackReport)).one()
    [stored] = list(photo_dir.iterdir())
    assert stored.name == report.photo_stored_name and "IMG_0001" not in stored.name
    data = stored.read_bytes()
    assert b"SecretPhone" not in data and b"Exif" not in data
    with Image.open(stored) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert "static" not in str(photo_dir)


def test_png_photo_is_accepted(client, db_session):
    assert (
        file_report(client, {**GOOD, **_photo(png_bytes(), "a.png", "image/png")}).status_code
        == 303
    )
    assert db_session.scalars(select(FeedbackReport)).one().photo_content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"%PDF-1.7\n%%EOF\n", "photo.jpg", "image/jpeg"),  # a PDF under a photo's name
        (b"GIF89a" + b"\x00" * 64, "anim.gif", "image/gif"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "broken.jpg", "image/jpeg"),  # JPEG magic, no image
        (b"MZ\x90\x00" + b"\x00" * 64, "virus.png", "image/png"),
    ],
)
def test_wrong_file_types_are_refused_naming_the_field(
    client, db_session, photo_dir, data, name, content_type
):
    answer = file_report(client, {**GOOD, **_photo(data, name, content_type)})
    assert answer.status_code == 422
    assert _field_error(text(answer), "photo")
    assert report_count(db_session) == 0
    assert not photo_dir.exists() or not any(photo_dir.iterdir())


def test_oversized_photo_is_refused_naming_the_field(client, db_session):
    big = jpeg_bytes() + b"\x00" * (PHOTO_MAX_BYTES + 1)
    answer = file_report(client, {**GOOD, **_photo(big)})
    assert answer.status_code == 422
    assert "5 MB" in _field_error(text(answer), "photo")
    assert report_count(db_session) == 0


def test_body_over_the_request_limit_is_refused_with_413(client, db_session, app):
    huge = b"\xff\xd8\xff" + b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    answer = file_report(client, {**GOOD, **_photo(huge)})
    assert answer.status_code == 413
    assert report_count(db_session) == 0


def test_status_lookup_forgives_typing_and_refuses_unknown(client, db_session):
    file_report(client, GOOD)
    reference = db_session.scalars(select(FeedbackReport.reference)).one()
    typed = reference.lower().replace("-", " ").replace("0", "o")
    assert client.get(f"/report/status?ref={typed}").status_code == 200
    missing = client.get("/report/status?ref=FK-2025-ZZZZZZZZ")
    assert missing.status_code == 404 and "没有找到" in text(missing)
    as_json = client.get("/report/status?ref=nonsense", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.get_json()["error_codes"] == {
        "ref": [{"code": "report.reference_unknown", "params": {}}]
    }
