"""Staff triage of consumer reports under /staff/reports: list with clusters, one report with its
pack, lot, producer and scan log, and the steps (assign, answer, escalate, close, reveal contact,
open a recall). Each step is a small form posting to its own address."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaError
from marshmallow import validate

from trace.errors import TraceError
from trace.models.feedback import ReportKind, ReportOutcome, ReportStatus
from trace.models.users import User
from trace.schemas.common import Integer, trimmed
from trace.schemas.feedback import (
    ReportAnswerSchema,
    ReportAssignSchema,
    ReportCloseSchema,
    ReportEscalateSchema,
    ReportQueryArgsSchema,
    ReportRecallSchema,
)
from trace.services import feedback as service
from trace.services.recalls import recalls_for_report
from trace.web.auth import current_actor
from trace.web.database import db, rollback
from trace.web.feedback.common import fail, photo_dir
from trace.web.feedback.names import KINDS, OUTCOMES, STATUSES
from trace.web.forms import Form
from trace.web.uploads import send_stored

bp = Blueprint("feedback_staff", __name__, url_prefix="/staff/reports")


class AssignFormSchema(ReportAssignSchema):
    """The API's schema, reading the id from form text (the API insists on a JSON number)."""

    assignee_id = Integer(required=True)


class RecallFormSchema(ReportRecallSchema):
    level = Integer(required=True, validate=validate.OneOf([1, 2, 3]))
    public_reason = trimmed(500, 1, required=True)


def _actor() -> User:
    actor = current_actor()
    assert actor is not None  # the access hook let only signed-in staff through
    return actor


def recall_service() -> Callable[..., Any] | None:
    """The recall module's open_recall, when that module is installed."""
    try:
        module = importlib.import_module("trace.services.recalls")
    except ModuleNotFoundError:
        return None
    function = getattr(module, "open_recall", None)
    return function if callable(function) else None


PER_PAGE = 20


def _list_args() -> tuple[dict[str, Any], str]:
    """Search arguments from the query string (a bad one is dropped); open reports by default."""
    status = request.args.get("status", "").strip() or "open"
    raw = {
        k: v for k, v in request.args.items() if v.strip() and k not in {"lang", "status", "page"}
    }
    if status != "all":
        raw["status"] = status
    page = request.args.get("page", "1")
    schema = ReportQueryArgsSchema()
    try:
        args: dict[str, Any] = schema.load(raw)
    except SchemaError as exc:
        bad = set(exc.messages) if isinstance(exc.messages, dict) else set()
        args = schema.load({k: v for k, v in raw.items() if k not in bad})
    args["page"] = int(page) if page.isdigit() and int(page) > 0 else 1
    args["per_page"] = PER_PAGE
    return args, status


@bp.get("")
def reports() -> Any:
    args, status = _list_args()
    session = db()
    actor = _actor()
    page = service.list_reports(session, actor, **args)
    return render_template(
        "feedback/staff_reports.html",
        page=page,
        args={**args, "status": status},
        flags=service.report_flags(session, page.items),
        clusters=service.clusters(session, actor),
        statuses=[("open", _("未办结")), ("all", _("全部"))]
        + [(s.value, STATUSES[s.value]) for s in ReportStatus],
        kinds=[(k.value, KINDS[k.value]) for k in ReportKind],
    )


FORMS = ("assign", "answer", "escalate", "close", "recall")


def _detail(
    report_id: int,
    forms: dict[str, Form] | None = None,
    status: int = 200,
    contact: Any = None,
) -> Any:
    session = db()
    actor = _actor()
    context = service.report_context(session, actor, report_id)
    forms = forms or {}
    for key in FORMS:
        forms.setdefault(key, Form())
    if context.report.assignee_id and not forms["assign"].values:
        forms["assign"].values["assignee_id"] = context.report.assignee_id
    return (
        render_template(
            "feedback/staff_report.html",
            ctx=context,
            report=context.report,
            forms=forms,
            assignees=service.assignable_users(session, actor),
            outcomes=[(o.value, OUTCOMES[o.value]) for o in ReportOutcome],
            can_recall=recall_service() is not None and context.batch is not None,
            recalls_opened=recalls_for_report(session, actor, report_id),
            contact=contact,
        ),
        status,
    )


@bp.get("/<int:report_id>")
def report(report_id: int) -> Any:
    return _detail(report_id)


def _step(report_id: int, key: str, schema: Any, action: Callable[..., Any], done: str) -> Any:
    """Validate one step's form, run it, commit; on refusal show the page with the form's errors."""
    form = Form(request.form)
    data = form.load(schema)
    if data is not None:
        session = db()
        try:
            action(session, _actor(), report_id, **data)
        except TraceError as exc:
            if exc.code in {"not_found", "forbidden", "unauthenticated"}:
                raise
            rollback()
            fail(form, exc, schema.fields)
        else:
            session.commit()
            flash(done, "ok")
            return redirect(url_for(".report", report_id=report_id), 303)
    return _detail(report_id, {key: form}, 422)


@bp.post("/<int:report_id>/assign")
def assign(report_id: int) -> Any:
    return _step(report_id, "assign", AssignFormSchema(), service.assign_report, _("已分派。"))


@bp.post("/<int:report_id>/answer")
def answer(report_id: int) -> Any:
    return _step(
        report_id,
        "answer",
        ReportAnswerSchema(),
        service.answer_report,
        _("已答复，反映人可凭受理编号查看。"),
    )


@bp.post("/<int:report_id>/escalate")
def escalate(report_id: int) -> Any:
    return _step(
        report_id,
        "escalate",
        ReportEscalateSchema(),
        service.escalate_report,
        _("已上报监管部门。"),
    )


@bp.post("/<int:report_id>/close")
def close(report_id: int) -> Any:
    return _step(report_id, "close", ReportCloseSchema(), service.close_report, _("已办结。"))


@bp.post("/<int:report_id>/contact")
def contact(report_id: int) -> Any:
    """Show the reporter's contact in full, once, on this answer; the look is recorded."""
    session = db()
    shown = service.reveal_contact(session, _actor(), report_id)
    session.commit()
    # The contact goes into this answer only: never into a URL, a flash message or a cache.
    return _detail(report_id, contact=shown)


@bp.post("/<int:report_id>/recall")
def recall(report_id: int) -> Any:
    """Open a recall of the report's lot (regulator or admin, through the recall module)."""
    open_recall = recall_service()
    session = db()
    actor = _actor()
    report_record = service.get_report(session, actor, report_id)
    form = Form(request.form)
    data = form.load(RecallFormSchema())
    if open_recall is None or report_record.batch_id is None:
        form.add("_form", "report.no_recall_lot")
    elif data is not None:
        try:
            # The recall service escalates the report and links the two both ways.
            open_recall(session, actor, report_record.batch_id, report_id=report_record.id, **data)
        except TraceError as exc:
            if exc.code in {"not_found", "forbidden", "unauthenticated"}:
                raise
            rollback()
            fail(form, exc, RecallFormSchema().fields)
        else:
            session.commit()
            flash(
                _(
                    "已对批次 %(lot)s 发起召回。",
                    lot=report_record.batch.lot if report_record.batch else "",
                ),
                "ok",
            )
            return redirect(url_for(".report", report_id=report_id), 303)
    return _detail(report_id, {"recall": form}, 422)


@bp.get("/<int:report_id>/photo")
def photo(report_id: int) -> Any:
    """The reporter's photo (re-encoded, without metadata), for signed-in staff only."""
    record, path = service.photo_file(db(), _actor(), report_id, photo_dir())
    extension = "png" if record.photo_content_type == "image/png" else "jpg"
    return send_stored(path, record.photo_content_type, f"{record.reference}.{extension}")
