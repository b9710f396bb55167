"""Checking and storing uploaded files (lab reports, certificate scans) outside the web root."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from trace.errors import NotFoundError, ValidationError
from trace.services.pdf_check import active_content

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

# The declared type must agree with the first bytes: a renamed executable is not a PDF.
MAGIC: dict[str, tuple[bytes, str]] = {
    PDF: (b"%PDF-", ".pdf"),
    JPEG: (b"\xff\xd8\xff", ".jpg"),
    PNG: (b"\x89PNG\r\n\x1a\n", ".png"),
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_STORED_NAME_RE = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    content_type: str
    size_bytes: int
    sha256: str
    original_filename: str


def sniff(data: bytes) -> str | None:
    """The content type the bytes actually start with, if it is one we accept at all."""
    for content_type, (magic, _ext) in MAGIC.items():
        if data.startswith(magic):
            return content_type
    return None


def check_upload(
    data: bytes,
    declared_type: str,
    allowed: frozenset[str],
    max_bytes: int = DEFAULT_MAX_BYTES,
    field: str = "file",
) -> str:
    """Return the checked content type. Raises ValidationError naming `field`."""
    if not data:
        raise ValidationError.for_field(field, "file.empty")
    if len(data) > max_bytes:
        raise ValidationError.for_field(field, "file.too_large", max=max_bytes)
    declared = (declared_type or "").split(";")[0].strip().lower()
    accepted = ", ".join(sorted(allowed))
    if declared not in allowed:
        raise ValidationError.for_field(
            field, "file.type_not_accepted", type=declared, accepted=accepted
        )
    actual = sniff(data)
    if actual != declared:
        raise ValidationError.for_field(field, "file.content_mismatch", type=declared)
    if actual == PDF:
        active = active_content(data)
        if active:
            raise ValidationError.for_field(
                field,
                "file.pdf_active",
                active=active,
            )
    return actual


def _safe_filename(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[\x00-\x1f\x7f]", "", base)[:200]


def store_upload(
    upload_dir: Path,
    folder: str,
    data: bytes,
    declared_type: str,
    original_filename: str,
    allowed: frozenset[str],
    max_bytes: int = DEFAULT_MAX_BYTES,
    field: str = "file",
) -> StoredFile:
    """Check the upload, then write it under `upload_dir/folder` with a random name.

    Raises ValidationError naming `field`.
    """
    content_type = check_upload(data, declared_type, allowed, max_bytes, field)
    target_dir = upload_dir / folder
    target_dir.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16) + MAGIC[content_type][1]
    # Write beside the target and rename, so a reader never sees half a file.
    partial = target_dir / f".{stored_name}.part"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, target_dir / stored_name)
    return StoredFile(
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_filename=_safe_filename(original_filename),
    )


def discard_upload(upload_dir: Path, folder: str, stored_name: str) -> None:
    """Remove a stored file whose record could not be written."""
    if _STORED_NAME_RE.match(stored_name):
        (upload_dir / folder / stored_name).unlink(missing_ok=True)


def stored_path(upload_dir: Path, folder: str, stored_name: str) -> Path:
    """The path of a stored file. Raises NotFoundError when it is missing."""
    if not _STORED_NAME_RE.match(stored_name):
        raise NotFoundError("file.not_found")
    path = upload_dir / folder / stored_name
    if not path.is_file():
        raise NotFoundError("file.missing")
    return path
