"""Certificates: records, scanned copies, expiry warnings and those valid for a batch."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage

from trace.policy import authorize
from trace.schemas.quality import (
    CertificationCreateSchema,
    CertificationPageSchema,
    CertificationQueryArgsSchema,
    CertificationSchema,
    CertificationUpdateSchema,
    ExpiringQueryArgsSchema,
    UploadSchema,
)
from trace.services import batches as batch_service
from trace.services import certifications as service
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.uploads import send_stored, upload_arguments, upload_dir

PREFIX = ""
blp = Blueprint("certifications", __name__, description="Certificates")


@blp.get("/certifications")
@blp.arguments(CertificationQueryArgsSchema, location="query")
@blp.response(200, CertificationPageSchema)
def list_certifications(args: dict[str, Any]) -> Any:
    return service.list_certifications(db(), current_actor(), **args)


@blp.post("/certifications")
@blp.arguments(CertificationCreateSchema)
@blp.response(201, CertificationSchema)
def create_certification(data: dict[str, Any]) -> Any:
    session = db()
    certification = service.create_certification(session, current_actor(), **data)
    session.commit()
    return certification


@blp.get("/certifications/expiring")
@blp.arguments(ExpiringQueryArgsSchema, location="query")
@blp.response(200, CertificationSchema(many=True))
def expiring(args: dict[str, Any]) -> Any:
    """Certificates still valid that end within `within_days` (default 30), soonest first."""
    authorize(current_actor(), "record.read")
    return service.expiring_certificates(db(), args["within_days"])


@blp.get("/certifications/<int:certification_id>")
@blp.response(200, CertificationSchema)
def get_certification(certification_id: int) -> Any:
    return service.get_certification(db(), current_actor(), certification_id)


@blp.patch("/certifications/<int:certification_id>")
@blp.arguments(CertificationUpdateSchema(partial=True))
@blp.response(200, CertificationSchema)
def update_certification(changes: dict[str, Any], certification_id: int) -> Any:
    session = db()
    certification = service.update_certification(
        session, current_actor(), certification_id, **changes
    )
    session.commit()
    return certification


@blp.post("/certifications/<int:certification_id>/file")
@blp.arguments(UploadSchema, location="files")
@blp.response(201, CertificationSchema)
def attach_file(files: dict[str, Any], certification_id: int) -> Any:
    """Attach the scanned certificate: PDF, JPEG or PNG, checked by its first bytes."""
    session = db()
    storage: FileStorage = files["file"]
    certification = service.attach_file(
        session,
        current_actor(),
        certification_id,
        **upload_arguments(storage, service.FILE_MAX_BYTES),
    )
    session.commit()
    return certification


@blp.get("/certifications/<int:certification_id>/file")
@blp.response(200, content_type="application/octet-stream")
def download_file(certification_id: int) -> Response:
    """The scanned certificate, for signed-in staff only."""
    certification, path = service.certificate_file(
        db(), current_actor(), certification_id, upload_dir()
    )
    content_type = certification.file_content_type or "application/octet-stream"
    extension = path.suffix
    return send_stored(path, content_type, f"certificate-{certification.id}{extension}")


@blp.get("/batches/<int:batch_id>/certifications")
@blp.response(200, CertificationSchema(many=True))
def batch_certifications(batch_id: int) -> Any:
    """The certificates valid today for the batch: its own, its product's and its producer's."""
    session = db()
    batch = batch_service.get_batch(session, current_actor(), batch_id)
    return service.certificates_for_batch(session, batch)
