"""Inspection limits, lab inspections of batches with their report PDFs, and QC dispositions."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage

from trace.schemas.quality import (
    DispositionCreateSchema,
    DispositionSchema,
    InspectionCreateSchema,
    InspectionLimitCreateSchema,
    InspectionLimitPageSchema,
    InspectionLimitQueryArgsSchema,
    InspectionLimitSchema,
    InspectionLimitUpdateSchema,
    InspectionReportSchema,
    InspectionSchema,
    ReleaseCheckSchema,
    UploadSchema,
)
from trace.services import batches as batch_service
from trace.services import inspections as service
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.messages import text as worded
from trace.web.uploads import send_stored, upload_arguments, upload_dir

PREFIX = ""
blp = Blueprint("inspections", __name__, description="Inspections, limits and dispositions")


@blp.get("/inspection-limits")
@blp.arguments(InspectionLimitQueryArgsSchema, location="query")
@blp.response(200, InspectionLimitPageSchema)
def list_limits(args: dict[str, Any]) -> Any:
    return service.list_limits(db(), current_actor(), **args)


@blp.post("/inspection-limits")
@blp.arguments(InspectionLimitCreateSchema)
@blp.response(201, InspectionLimitSchema)
def create_limit(data: dict[str, Any]) -> Any:
    session = db()
    limit = service.create_limit(session, current_actor(), **data)
    session.commit()
    return limit


@blp.get("/inspection-limits/<int:limit_id>")
@blp.response(200, InspectionLimitSchema)
def get_limit(limit_id: int) -> Any:
    return service.get_limit(db(), current_actor(), limit_id)


@blp.patch("/inspection-limits/<int:limit_id>")
@blp.arguments(InspectionLimitUpdateSchema)
@blp.response(200, InspectionLimitSchema)
def update_limit(changes: dict[str, Any], limit_id: int) -> Any:
    session = db()
    limit = service.update_limit(session, current_actor(), limit_id, **changes)
    session.commit()
    return limit


@blp.post("/batches/<int:batch_id>/inspections")
@blp.arguments(InspectionCreateSchema)
@blp.response(201, InspectionSchema)
def record_inspection(data: dict[str, Any], batch_id: int) -> Any:
    """Record a lab report; a failure puts the batch on hold until qc records a disposition."""
    session = db()
    inspection = service.record_inspection(session, current_actor(), batch_id, **data)
    session.commit()
    return inspection


@blp.get("/batches/<int:batch_id>/inspections")
@blp.response(200, InspectionSchema(many=True))
def list_inspections(batch_id: int) -> Any:
    return service.list_inspections(db(), current_actor(), batch_id)


@blp.get("/batches/<int:batch_id>/inspections/<int:inspection_id>")
@blp.response(200, InspectionSchema)
def get_inspection(batch_id: int, inspection_id: int) -> Any:
    return service.get_inspection(db(), current_actor(), batch_id, inspection_id)


@blp.post("/batches/<int:batch_id>/inspections/<int:inspection_id>/report")
@blp.arguments(UploadSchema, location="files")
@blp.response(201, InspectionReportSchema)
def attach_report(files: dict[str, Any], batch_id: int, inspection_id: int) -> Any:
    """Attach the lab's report: a PDF (checked by its first bytes), once per inspection."""
    session = db()
    storage: FileStorage = files["file"]
    report = service.attach_report(
        session,
        current_actor(),
        batch_id,
        inspection_id,
        **upload_arguments(storage, service.REPORT_MAX_BYTES),
    )
    session.commit()
    return report


@blp.get("/batches/<int:batch_id>/inspections/<int:inspection_id>/report")
@blp.response(200, content_type="application/pdf")
def download_report(batch_id: int, inspection_id: int) -> Response:
    """The report PDF, for signed-in staff only."""
    report, path = service.report_file(db(), current_actor(), batch_id, inspection_id, upload_dir())
    name = report.original_filename or f"inspection-{inspection_id}.pdf"
    return send_stored(path, report.content_type, name)


@blp.post("/batches/<int:batch_id>/dispositions")
@blp.arguments(DispositionCreateSchema)
@blp.response(201, DispositionSchema)
def record_disposition(data: dict[str, Any], batch_id: int) -> Any:
    """qc decides about a held batch: re_test, downgrade, destroy, or release after a passing
    re-test."""
    session = db()
    disposition = service.record_disposition(session, current_actor(), batch_id, **data)
    session.commit()
    return disposition


@blp.get("/batches/<int:batch_id>/dispositions")
@blp.response(200, DispositionSchema(many=True))
def list_dispositions(batch_id: int) -> Any:
    return service.list_dispositions(db(), current_actor(), batch_id)


@blp.get("/batches/<int:batch_id>/release-check")
@blp.response(200, ReleaseCheckSchema)
def release_check(batch_id: int) -> Any:
    """Whether the batch may get labels and be shipped now, and if not, why."""
    session = db()
    batch = batch_service.get_batch(session, current_actor(), batch_id)
    problem = service.release_problem(session, batch)
    return {
        "batch_id": batch.id,
        "status": batch.status.value,
        "releasable": problem is None,
        "reason": worded(problem[1]) if problem else None,
        "reason_code": problem[1].as_json() if problem else None,
    }
