"""Consumer reports for staff: list, detail with the pack's scan log, triage steps, clusters and
monthly statistics. Reports are filed by consumers through the /report form, not this API."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from trace.errors import ValidationError
from trace.schemas.feedback import (
    ClusterSchema,
    ContactSchema,
    MonthStatsSchema,
    RecallOpenedSchema,
    ReportAnswerSchema,
    ReportAssignSchema,
    ReportCloseSchema,
    ReportDetailSchema,
    ReportEscalateSchema,
    ReportPageSchema,
    ReportQueryArgsSchema,
    ReportRecallSchema,
    ReportSchema,
)
from trace.services import feedback as service
from trace.services.recalls import open_recall
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.feedback.common import photo_dir
from trace.web.uploads import send_stored

PREFIX = "/reports"
blp = Blueprint("reports", __name__, description="Consumer reports (投诉反馈) and their triage")


@blp.get("")
@blp.arguments(ReportQueryArgsSchema, location="query")
@blp.response(200, ReportPageSchema)
def list_reports(args: dict[str, Any]) -> Any:
    """Newest first; `status=open` lists every report not yet closed."""
    return service.list_reports(db(), current_actor(), **args)


@blp.get("/clusters")
@blp.response(200, ClusterSchema(many=True))
def list_clusters() -> Any:
    """Reports grouped by lot and producer; those that stand out (two or more counterfeit
    reports on a lot, or a reported pack whose scans exceeded the limit or hit a void) first."""
    return service.clusters(db(), current_actor())


@blp.get("/statistics")
@blp.response(200, MonthStatsSchema(many=True))
def statistics() -> Any:
    """Reports per month of the last twelve (county time), by kind and outcome: the same counts
    as the public disclosure page."""
    return service.report_statistics(db(), current_actor())


@blp.get("/<int:report_id>")
@blp.response(200, ReportDetailSchema)
def get_report(report_id: int) -> Any:
    """The report with its pack, lot, producer, the pack's scan log, related reports and the
    report's history; the contact only masked."""
    return service.report_context(db(), current_actor(), report_id)


@blp.post("/<int:report_id>/assign")
@blp.arguments(ReportAssignSchema)
@blp.response(200, ReportSchema)
def assign_report(data: dict[str, Any], report_id: int) -> Any:
    session = db()
    report = service.assign_report(session, current_actor(), report_id, **data)
    session.commit()
    return report


@blp.post("/<int:report_id>/answer")
@blp.arguments(ReportAnswerSchema)
@blp.response(200, ReportSchema)
def answer_report(data: dict[str, Any], report_id: int) -> Any:
    """`public_answer` is shown to the reporter under the reference number; `note` is not."""
    session = db()
    report = service.answer_report(session, current_actor(), report_id, **data)
    session.commit()
    return report


@blp.post("/<int:report_id>/escalate")
@blp.arguments(ReportEscalateSchema)
@blp.response(200, ReportSchema)
def escalate_report(data: dict[str, Any], report_id: int) -> Any:
    session = db()
    report = service.escalate_report(session, current_actor(), report_id, **data)
    session.commit()
    return report


@blp.post("/<int:report_id>/close")
@blp.arguments(ReportCloseSchema)
@blp.response(200, ReportSchema)
def close_report(data: dict[str, Any], report_id: int) -> Any:
    session = db()
    report = service.close_report(session, current_actor(), report_id, **data)
    session.commit()
    return report


@blp.post("/<int:report_id>/contact")
@blp.response(200, ContactSchema)
def reveal_contact(report_id: int) -> Any:
    """The reporter's contact in full (qc and regulator); each look is recorded."""
    session = db()
    contact = service.reveal_contact(session, current_actor(), report_id)
    session.commit()
    return contact


@blp.post("/<int:report_id>/recall")
@blp.arguments(ReportRecallSchema)
@blp.response(201, RecallOpenedSchema)
def recall_from_report(data: dict[str, Any], report_id: int) -> Any:
    """Open a recall of the report's lot (regulator or admin), through the recall module; the
    report's history notes it."""
    session = db()
    actor = current_actor()
    report = service.get_report(session, actor, report_id)
    if report.batch_id is None:
        raise ValidationError.for_field("report_id", "report.no_lot")
    # The recall service escalates the report and links the two (its history says so).
    recall = open_recall(session, actor, report.batch_id, report_id=report.id, **data)
    session.commit()
    return {"recall_id": recall.id, "report_id": report.id, "batch_id": report.batch_id}


@blp.get("/<int:report_id>/photo")
@blp.response(200, content_type="image/jpeg")
def report_photo(report_id: int) -> Response:
    """The reporter's photo, re-encoded without metadata (JPEG or PNG)."""
    report, path = service.photo_file(db(), current_actor(), report_id, photo_dir())
    return send_stored(path, report.photo_content_type, report.reference)
