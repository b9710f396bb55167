"""A report's photo: checked and re-encoded before it is stored, served to staff only."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from trace.errors import NotFoundError, ValidationError
from trace.models.feedback import (
    FeedbackReport,
)
from trace.policy import Actor
from trace.services import quality_uploads as uploads
from trace.services.feedback.reports import get_report

# Photos: a phone's picture fits easily; anything bigger is refused before Pillow decodes it.
PHOTO_MAX_BYTES = 5 * 1024 * 1024


PHOTO_MAX_PIXELS = 40_000_000  # a decompression bomb is refused before its pixels are read


PHOTO_MAX_SIDE = 2048  # stored photos are scaled down to this: enough to see a label


PHOTO_TYPES = frozenset({uploads.JPEG, uploads.PNG})


_PIL_FORMATS = {"JPEG": uploads.JPEG, "PNG": uploads.PNG}


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo re-encoded from its pixels: no EXIF, GPS position, comments or other metadata."""

    data: bytes
    content_type: str


def prepare_photo(data: bytes, field_name: str = "photo") -> PreparedPhoto:
    """Check a JPEG or PNG by its first bytes and by Pillow decoding it, then re-encode it.

    Raises ValidationError naming `field_name`.
    """
    if not data:
        raise ValidationError.for_field(field_name, "file.empty")
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError.for_field(
            field_name, "photo.too_large", mb=PHOTO_MAX_BYTES // (1024 * 1024)
        )
    sniffed = uploads.sniff(data)
    if sniffed not in PHOTO_TYPES:
        raise ValidationError.for_field(field_name, "photo.type")
    unreadable = ValidationError.for_field(field_name, "photo.unreadable")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if _PIL_FORMATS.get(opened.format or "") != sniffed:
                raise unreadable
            width, height = opened.size
            if width * height > PHOTO_MAX_PIXELS:
                raise ValidationError.for_field(field_name, "photo.too_many_pixels")
            opened.load()
            image = ImageOps.exif_transpose(opened)  # keep it upright once EXIF is gone
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            image.info = {}  # nothing of the original's metadata may be written back
            out = io.BytesIO()
            if sniffed == uploads.JPEG:
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            else:
                if image.mode not in {"RGB", "RGBA", "L", "LA"}:
                    image = image.convert("RGBA")
                image.save(out, "PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise unreadable from None
    return PreparedPhoto(out.getvalue(), sniffed)


def store_photo(photo_dir: Path, photo: PreparedPhoto) -> uploads.StoredFile:
    """Write the re-encoded photo under `photo_dir` with a random name."""
    return uploads.store_upload(
        photo_dir, "", photo.data, photo.content_type, "", PHOTO_TYPES, PHOTO_MAX_BYTES, "photo"
    )


def discard_photo(photo_dir: Path, stored_name: str | None) -> None:
    """Remove a stored photo whose report was not saved after all."""
    if stored_name:
        uploads.discard_upload(photo_dir, "", stored_name)


def photo_file(
    session: Session, actor: Actor | None, report_id: int, photo_dir: Path
) -> tuple[FeedbackReport, Path]:
    """The report's stored photo, for staff. Raises NotFoundError."""
    report = get_report(session, actor, report_id)
    if not report.photo_stored_name:
        raise NotFoundError("photo.none")
    return report, uploads.stored_path(photo_dir, "", report.photo_stored_name)
