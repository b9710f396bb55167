"""QC's label runs: issue pack codes for a batch, then print the run's PDF sheets."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields
from werkzeug.exceptions import NotFound

from trace.models.labels import MAX_RUN
from trace.printing.errors import TemplateError
from trace.printing.templates import DEFAULT_TEMPLATE, list_templates, load_template
from trace.schemas import validate
from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.services import batches as batch_service
from trace.services import compliance
from trace.services import jobs as job_service
from trace.services import labels as label_service
from trace.web.auth import current_actor
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.jobs import launch

bp = Blueprint("labels", __name__, template_folder="templates")

# The API's view renders and streams the sheets; the staff route reuses it with the session.
API_PDF_ENDPOINT = "labels.label_run_pdf"


class LabelRunFormSchema(StrictSchema):
    count = Integer(required=True, validate=validate.Range(min=1, max=MAX_RUN))
    template = fields.String(load_default=DEFAULT_TEMPLATE)
    # Drawn when the form is shown: pressing "issue" twice gives one run, not two.
    idempotency_key = fields.String(required=True, validate=validate.Length(min=8, max=100))
    pack_date = fields.Date(load_default=None)


class ReasonFormSchema(StrictSchema):
    reason = trimmed(200, 1, required=True)


class VoidCodeFormSchema(StrictSchema):
    code = trimmed(40, 1, required=True)  # the printed 防伪码 (spaces allowed) or No. number
    reason = trimmed(200, 1, required=True)


class CertificateFormSchema(StrictSchema):
    quantity = fields.Decimal(
        load_default=None, places=3, validate=validate.Range(min=0, min_inclusive=False)
    )
    contact = trimmed(40, load_default=None)


def _today() -> str:
    return dt.datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date().isoformat()


def pack_templates() -> list[Any]:
    return [t for t in list_templates() if t.kind == "pack"]


@bp.route("/batches/<int:batch_id>/label-runs/new", methods=["GET", "POST"])
def new_run(batch_id: int) -> Any:
    session = db()
    actor = current_actor()
    batch = batch_service.get_batch(session, actor, batch_id)
    defaults = {
        "template": DEFAULT_TEMPLATE,
        "idempotency_key": uuid.uuid4().hex,
        "pack_date": _today(),
    }
    form = Form(request.form if request.method == "POST" else defaults)
    if request.method == "POST":
        data = form.load(LabelRunFormSchema())
        if data is not None:
            try:
                answer = _issue(session, actor, batch.id, data)
            except FORM_ERRORS as exc:
                rollback()
                form.fail(exc)
            else:
                return answer
    return render_template(
        "staff/label_run_form.html",
        form=form,
        batch=batch,
        templates=pack_templates(),
        max_run=MAX_RUN,
        background_from=current_app.config["LABEL_ISSUE_DIRECT_MAX"],
    ), (200 if form.is_valid else 422)


def _issue(session: Any, actor: Any, batch_id: int, data: dict[str, Any]) -> Any:
    """Issue the run now, or (a large one) start a background job with a progress page."""
    if data["count"] > current_app.config["LABEL_ISSUE_DIRECT_MAX"]:
        job = job_service.start_label_issue(session, actor, batch_id, **data)
        session.commit()
        return launch(job)
    run = label_service.issue_label_run(session, actor, batch_id, **data)
    session.commit()
    flash(_("已生成 %(n)s 个追溯码。", n=run.count), "ok")
    return redirect(url_for(".run", run_id=run.id), 303)


@bp.get("/label-runs/<int:run_id>")
def run(run_id: int) -> Any:
    return _run_page(run_id)


def _run_page(run_id: int, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    session = db()
    record = label_service.get_label_run(session, current_actor(), run_id)
    try:
        template = load_template(record.template)
        sheets = math.ceil(record.count / template.labels_per_page)
    except TemplateError:
        template, sheets = None, None
    return render_template(
        "staff/label_run.html",
        run=record,
        template=template,
        sheets=sheets,
        in_background=record.count > current_app.config["LABEL_PDF_DIRECT_MAX"],
        codes=label_service.run_codes(session, record.id, limit=CODES_SHOWN),
        codes_shown=CODES_SHOWN,
        forms=forms or {},
        dummy_form=Form(),
    ), status


# Codes listed on a run's page (a sheet or two); the rest are found by number or code.
CODES_SHOWN = 48


@bp.post("/label-runs/<int:run_id>/void-codes")
def void_code(run_id: int) -> Any:
    """Void one pack's code (a torn or misprinted label), found by its 防伪码 or No."""
    session = db()
    actor = current_actor()
    record = label_service.get_label_run(session, actor, run_id)
    form = Form(request.form)
    data = form.load(VoidCodeFormSchema())
    if data is not None:
        done = form.attempt(
            lambda: label_service.void_run_code(
                session, actor, record, data["code"], data["reason"]
            )
        )
        if form.is_valid and done is not None:
            flash(_("已作废防伪码 %(code)s。", code=done.serial), "ok")
            return redirect(url_for(".run", run_id=run_id), 303)
    return _run_page(run_id, {"void_code": form}, 422)


@bp.post("/label-runs/<int:run_id>/void")
def void_run(run_id: int) -> Any:
    """Void every code of the run (a lost or spoiled print)."""
    session = db()
    actor = current_actor()
    form = Form(request.form)
    data = form.load(ReasonFormSchema())
    if data is not None:
        form.attempt(lambda: label_service.void_label_run(session, actor, run_id, data["reason"]))
        if form.is_valid:
            flash(_("整批标签已作废。"), "ok")
            return redirect(url_for(".run", run_id=run_id), 303)
    return _run_page(run_id, {"void_run": form}, 422)


@bp.post("/label-runs/<int:run_id>/reprint")
def reprint(run_id: int) -> Any:
    """Record that the sheets are printed again (same codes), with the reason; then print."""
    session = db()
    actor = current_actor()
    form = Form(request.form)
    data = form.load(ReasonFormSchema())
    if data is not None:
        form.attempt(lambda: label_service.record_reprint(session, actor, run_id, data["reason"]))
        if form.is_valid:
            flash(_("已记录重印，请下载 PDF 重新打印。"), "ok")
            return redirect(url_for(".run", run_id=run_id), 303)
    return _run_page(run_id, {"reprint": form}, 422)


@bp.post("/batches/<int:batch_id>/compliance-certificates")
def issue_certificate(batch_id: int) -> Any:
    """Issue a 承诺达标合格证 from the batch page; refused with the reason for a bad lot."""
    session = db()
    actor = current_actor()
    form = Form(request.form)
    data = form.load(CertificateFormSchema())
    record = None
    if data is not None:
        record = form.attempt(
            lambda: compliance.issue_certificate(session, actor, batch_id, **data)
        )
    if record is not None:
        flash(_("已开具承诺达标合格证 %(number)s。", number=record.number), "ok")
    else:
        flash(
            _(
                "未能开具合格证：%(reason)s",
                reason="；".join(form.error(name) for name in form.errors),
            ),
            "error",
        )
    return redirect(url_for("staff.records.batch", batch_id=batch_id) + "#compliance", 303)


@bp.get("/compliance-certificates/<int:certificate_id>.pdf")
def certificate_pdf(certificate_id: int) -> Any:
    """The certificate as A6 or sticker PDF (the API's view, with the staff session)."""
    view = current_app.view_functions.get("labels.compliance_certificate_record_pdf")
    if view is None:
        raise NotFound("certificate printing is not installed")
    return view(certificate_id=certificate_id)


@bp.post("/label-runs/<int:run_id>/print")
def print_run(run_id: int) -> Any:
    """A large run's sheets printed by a background job: its progress page, then the file."""
    session = db()
    job = job_service.start_label_pdf(session, current_actor(), run_id)
    session.commit()
    return launch(job)


@bp.get("/label-runs/<int:run_id>/labels.pdf")
def pdf(run_id: int) -> Any:
    view = current_app.view_functions.get(API_PDF_ENDPOINT)
    if view is None:
        raise NotFound("label printing is not installed")
    return view(run_id=run_id)
