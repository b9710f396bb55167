"""A batch's quality page and its forms: inspections (with lab reports), dispositions, gradings."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from trace.clock import local_today
from trace.schemas import validate
from trace.schemas.common import Integer
from trace.schemas.quality import (
    DispositionCreateSchema,
    GradingCreateSchema,
    InspectionCreateSchema,
)
from trace.services import batches as batch_service
from trace.services import grading as grading_service
from trace.services import inspections as inspection_service
from trace.web import names
from trace.web.database import db
from trace.web.forms import Form
from trace.web.quality.pages.common import (
    RESULT_ROWS,
    _actor,
    _attach_upload,
    _filled,
    _form_page,
    _load,
    bp,
)
from trace.web.uploads import send_stored, upload_dir

# -- a batch's quality page ----------------------------------------------------------------------


@bp.get("/batches/<int:batch_id>/quality")
def batch_quality(batch_id: int) -> Any:
    return _quality_page(batch_id)


def _quality_page(batch_id: int, upload_error: tuple[int, str] | None = None) -> str:
    session = db()
    actor = _actor()
    return render_template(
        "staff_quality/batch_quality.html",
        batch=batch_service.get_batch(session, actor, batch_id),
        inspections=inspection_service.list_inspections(session, actor, batch_id),
        dispositions=inspection_service.list_dispositions(session, actor, batch_id),
        gradings=grading_service.list_gradings(session, actor, batch_id),
        upload_error=upload_error,
    )


@bp.route("/batches/<int:batch_id>/inspections/new", methods=["GET", "POST"])
def new_inspection(batch_id: int) -> Any:
    session = db()
    actor = _actor()
    record = batch_service.get_batch(session, actor, batch_id)
    form = Form(request.form if request.method == "POST" else {})
    if request.method == "POST":
        raw: dict[str, Any] = _filled(form, ("lab", "report_no", "sampled_on", "tested_on", "note"))
        rows: list[int] = []  # form row of each submitted result, to put errors back on it
        results: list[dict[str, str]] = []
        for row in range(RESULT_ROWS):
            cells = _filled(
                form, tuple(f"results.{row}.{part}" for part in ("item", "value", "unit"))
            )
            if cells:
                rows.append(row)
                results.append({k.rsplit(".", 1)[1]: v for k, v in cells.items()})
        raw["results"] = results
        data = _load(form, InspectionCreateSchema(), raw)
        if data is not None:
            form.attempt(
                lambda: inspection_service.record_inspection(session, actor, batch_id, **data)
            )
            if form.is_valid:
                flash(_("已记录检测报告。"), "ok")
                return redirect(url_for(".batch_quality", batch_id=batch_id), 303)
        _renumber_rows(form, rows)
    limits = inspection_service.list_limits(
        session, actor, product_category=record.product.category.value, per_page=200
    ).items
    return _form_page(
        "staff_quality/inspection_form.html",
        form,
        batch=record,
        limits=limits,
        rows=range(RESULT_ROWS),
    )


def _renumber_rows(form: Form, rows: list[int]) -> None:
    """Errors name results by their place among the filled rows; show them on the form's row."""
    moved: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        parts = name.split(".")
        if parts[0] == "results" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(rows):
                parts[1] = str(rows[index])
            name = ".".join(parts) if len(parts) == 3 else "results.0.item"
        moved.setdefault(name, []).extend(messages)
    form.errors = moved


@bp.post("/batches/<int:batch_id>/inspections/<int:inspection_id>/report")
def upload_report(batch_id: int, inspection_id: int) -> Any:
    error = _attach_upload(
        inspection_service.REPORT_MAX_BYTES,
        lambda **upload: inspection_service.attach_report(
            db(), _actor(), batch_id, inspection_id, **upload
        ),
    )
    if error is None:
        flash(_("已上传检测报告。"), "ok")
        return redirect(url_for(".batch_quality", batch_id=batch_id), 303)
    return _quality_page(batch_id, (inspection_id, error)), 422


@bp.get("/batches/<int:batch_id>/inspections/<int:inspection_id>/report")
def download_report(batch_id: int, inspection_id: int) -> Response:
    """The lab's PDF, for signed-in staff (the API's copy takes bearer tokens only)."""
    report, path = inspection_service.report_file(
        db(), _actor(), batch_id, inspection_id, upload_dir()
    )
    name = report.original_filename or f"inspection-{inspection_id}.pdf"
    return send_stored(path, report.content_type, name)


@bp.route("/batches/<int:batch_id>/dispositions/new", methods=["GET", "POST"])
def new_disposition(batch_id: int) -> Any:
    session = db()
    actor = _actor()
    record = batch_service.get_batch(session, actor, batch_id)
    form = Form(request.form if request.method == "POST" else {"kind": "re_test"})
    if request.method == "POST":
        data = form.load(DispositionCreateSchema())
        if data is not None:
            form.attempt(
                lambda: inspection_service.record_disposition(session, actor, batch_id, **data)
            )
            if form.is_valid:
                flash(_("已记录处置决定。"), "ok")
                return redirect(url_for(".batch_quality", batch_id=batch_id), 303)
    return _form_page(
        "staff_quality/disposition_form.html",
        form,
        batch=record,
        kinds=list(names.DISPOSITION_KINDS.items()),
    )


class GradingFormSchema(GradingCreateSchema):
    """The API's grading schema, reading numbers from form text (the API insists on JSON ones)."""

    standard_id = Integer(load_default=None, allow_none=True)
    sample_size = Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=10**6)
    )


@bp.route("/batches/<int:batch_id>/gradings/new", methods=["GET", "POST"])
def new_grading(batch_id: int) -> Any:
    session = db()
    actor = _actor()
    record = batch_service.get_batch(session, actor, batch_id)
    form = Form(
        request.form if request.method == "POST" else {"graded_on": local_today().isoformat()}
    )
    if request.method == "POST":
        raw: dict[str, Any] = _filled(
            form, ("graded_on", "claimed_grade", "sample_size", "location", "note")
        )
        measured = _filled(form, tuple(f"measurements.{m}" for m in names.MEASURES))
        raw["measurements"] = {name.split(".", 1)[1]: value for name, value in measured.items()}
        data = _load(form, GradingFormSchema(), raw)
        if data is not None:
            grading = form.attempt(
                lambda: grading_service.grade_batch(session, actor, batch_id, **data)
            )
            if grading is not None:
                flash(_("已记录分级：%(grade)s", grade=grading.grade), "ok")
                return redirect(url_for(".batch_quality", batch_id=batch_id), 303)
    return _form_page(
        "staff_quality/grading_form.html", form, batch=record, measures=names.MEASURES
    )
