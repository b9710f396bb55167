"""QC's label runs: issue pack codes for a batch, then print the run's PDF sheets."""

from __future__ import annotations

import math
import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields, validate
from werkzeug.exceptions import NotFound

from trace.models.labels import MAX_RUN
from trace.printing.errors import TemplateError
from trace.printing.templates import DEFAULT_TEMPLATE, list_templates, load_template
from trace.schemas.common import Integer, StrictSchema
from trace.services import batches as batch_service
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


def pack_templates() -> list[Any]:
    return [t for t in list_templates() if t.kind == "pack"]


@bp.route("/batches/<int:batch_id>/label-runs/new", methods=["GET", "POST"])
def new_run(batch_id: int) -> Any:
    session = db()
    actor = current_actor()
    batch = batch_service.get_batch(session, actor, batch_id)
    defaults = {"template": DEFAULT_TEMPLATE, "idempotency_key": uuid.uuid4().hex}
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
    record = label_service.get_label_run(db(), current_actor(), run_id)
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
    )


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
