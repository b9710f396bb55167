"""Uploaded files (inspection reports, certificates, photos, notice attachments): where they are
stored, how an upload is read with its size limit, and how a stored file is sent back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app, send_file
from werkzeug.datastructures import FileStorage

from trace import storage


def upload_dir() -> Path:
    """Where uploads live: UPLOAD_DIR, or instance/uploads; never under static/."""
    return storage.upload_dir(current_app.config)


def read_upload(storage: FileStorage, max_bytes: int) -> bytes:
    """Read at most one byte past the limit, so an oversized file is refused without being held."""
    return storage.stream.read(max_bytes + 1)


def upload_arguments(storage: FileStorage, max_bytes: int) -> dict[str, Any]:
    """The keyword arguments every service's attach/store function takes for an uploaded file."""
    return {
        "data": read_upload(storage, max_bytes),
        "content_type": storage.mimetype,
        "filename": storage.filename or "",
        "upload_dir": upload_dir(),
    }


def send_stored(path: Path, content_type: str, download_name: str) -> Response:
    response = send_file(
        path, mimetype=content_type, download_name=download_name, max_age=0, conditional=False
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
