"""Quality forms for staff: each calls the same service and schema as the JSON API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaError
from werkzeug.datastructures import FileStorage

from trace.clock import local_today
from trace.models.users import User
from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.schemas.quality import (
    ApproveSchema,
    BrandApplicationCreateSchema,
    CertificationCreateSchema,
    DispositionCreateSchema,
    GradingCreateSchema,
    InspectionCreateSchema,
    PackagingSpecCreateSchema,
    SuspendSchema,
)
from trace.services import batches as batch_service
from trace.services import brand as brand_service
from trace.services import certifications as cert_service
from trace.services import grading as grading_service
from trace.services import inspections as inspection_service
from trace.services import packaging as packaging_service
from trace.services import producers as producer_service
from trace.services import products as product_service
from trace.web.auth import current_actor
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.quality import names
from trace.web.uploads import send_stored, upload_arguments, upload_dir

bp = Blueprint("staff_quality", __name__, url_prefix="/staff", template_folder="templates")


@bp.app_template_global()
def quality_name(table: str, value: Any) -> str:
    """`{{ quality_name('cert_types', c.cert_type) }}`: the localized name of a stored value."""
    key = getattr(value, "value", value)
    return str(names.ALL[table].get(key, key)) if key is not None else ""


# Rows offered on the inspection form; blank ones are ignored, so a short report fits too.
RESULT_ROWS = 6
PER_PAGE = 50


def _actor() -> User:
    actor = current_actor()
    assert actor is not None  # the access hook let only signed-in staff through
    return actor


def _form_page(template: str, form: Form, **context: Any) -> tuple[str, int]:
    return render_template(template, form=form, **context), 200 if form.is_valid else 422


def _load(form: Form, schema: Schema, raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """Validate an already assembled body; errors go to the form under dotted field names."""
    try:
        data: dict[str, Any] = schema.load(raw)
    except SchemaError as exc:
        _add_nested(form, exc.messages, "")
        return None
    return data


def _add_nested(form: Form, messages: Any, prefix: str) -> None:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            _add_nested(form, value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list | tuple):
        for message in messages:
            if isinstance(message, str):
                form.add(prefix or "_form", message)
            else:
                _add_nested(form, message, prefix)
    else:
        form.add(prefix or "_form", str(messages))


def _filled(form: Form, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields that were filled in, trimmed."""
    out = {}
    for name in names:
        value = form.values.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()
    return out


def _uploaded() -> FileStorage | None:
    storage = request.files.get("file")
    return storage if storage is not None and storage.filename else None


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


def _attach_upload(max_bytes: int, attach: Callable[..., Any]) -> str | None:
    """Store the posted file through `attach(data=, content_type=, filename=, upload_dir=)` as the
    request's transaction: None when stored, else what to show beside the upload."""
    storage = _uploaded()
    if storage is None:
        return _("请选择文件")
    form = Form()
    form.attempt(
        lambda: attach(
            **upload_arguments(storage, max_bytes),
        )
    )
    if form.is_valid:
        return None
    return "；".join(m for messages in form.errors.values() for m in messages)


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


# -- certifications ------------------------------------------------------------------------------


class CertificationFormSchema(CertificationCreateSchema):
    """The API's schema with the scope's id read from form text."""

    scope_id = Integer(required=True, validate=validate.Range(min=1))


@bp.get("/certifications")
def certifications() -> Any:
    session = db()
    page = cert_service.list_certifications(session, _actor(), per_page=PER_PAGE)
    return render_template(
        "staff_quality/certifications.html",
        page=page,
        today=local_today(),
        upload_error=None,
    )


@bp.route("/certifications/new", methods=["GET", "POST"])
def new_certification() -> Any:
    actor = _actor()
    form = Form(request.form if request.method == "POST" else {"scope": "producer"})
    if request.method == "POST":
        data = form.load(CertificationFormSchema())
        if data is not None:
            session = db()
            form.attempt(lambda: cert_service.create_certification(session, actor, **data))
            if form.is_valid:
                flash(_("已登记证书。"), "ok")
                return redirect(url_for(".certifications"), 303)
    return _form_page(
        "staff_quality/certification_form.html",
        form,
        types=list(names.CERT_TYPES.items()),
        scopes=list(names.CERT_SCOPES.items()),
    )


@bp.post("/certifications/<int:certification_id>/file")
def upload_certificate(certification_id: int) -> Any:
    error = _attach_upload(
        cert_service.FILE_MAX_BYTES,
        lambda **upload: cert_service.attach_file(db(), _actor(), certification_id, **upload),
    )
    if error is None:
        flash(_("已上传证书扫描件。"), "ok")
        return redirect(url_for(".certifications"), 303)
    page = cert_service.list_certifications(db(), _actor(), per_page=PER_PAGE)
    html = render_template(
        "staff_quality/certifications.html",
        page=page,
        today=local_today(),
        upload_error=(certification_id, error),
    )
    return html, 422


@bp.get("/certifications/<int:certification_id>/file")
def download_certificate(certification_id: int) -> Response:
    """The certificate's scan, for signed-in staff."""
    certification, path = cert_service.certificate_file(
        db(), _actor(), certification_id, upload_dir()
    )
    content_type = certification.file_content_type or "application/octet-stream"
    return send_stored(path, content_type, f"certificate-{certification.id}")


# -- packaging -----------------------------------------------------------------------------------


class PackagingFormSchema(PackagingSpecCreateSchema):
    """The API's schema with numbers and product ids read from form text."""

    net_content_g = Integer(required=True, validate=validate.Range(min=1, max=1_000_000))
    product_ids = fields.List(Integer(validate=validate.Range(min=1)), load_default=list)


_PACKAGING_FIELDS = (
    "design_code",
    "name",
    "package_type",
    "net_content_g",
    "materials",
    "length_mm",
    "width_mm",
    "height_mm",
    "label_template",
    "note",
)


@bp.get("/packaging")
def packaging() -> Any:
    session = db()
    actor = _actor()
    return render_template(
        "staff_quality/packaging.html",
        page=packaging_service.list_specs(session, actor, per_page=200),
        report=packaging_service.packaging_report(session, actor),
    )


@bp.route("/packaging/new", methods=["GET", "POST"])
def new_packaging() -> Any:
    session = db()
    actor = _actor()
    form = Form(
        request.form if request.method == "POST" else {"package_type": "bag", "label_template": ""}
    )
    chosen = request.form.getlist("product_ids") if request.method == "POST" else []
    if request.method == "POST":
        raw: dict[str, Any] = _filled(form, _PACKAGING_FIELDS)
        raw["product_ids"] = [v for v in chosen if v.strip()]
        data = _load(form, PackagingFormSchema(), raw)
        if data is not None:
            spec = form.attempt(lambda: packaging_service.create_spec(session, actor, **data))
            if spec is not None:
                flash(_("已登记包装规格：%(code)s", code=spec.design_code), "ok")
                return redirect(url_for(".packaging"), 303)
        form.errors = {k.split(".")[0]: v for k, v in form.errors.items()}
    return _form_page(
        "staff_quality/packaging_form.html",
        form,
        types=list(names.PACKAGE_TYPES.items()),
        products=product_service.list_products(session, actor, per_page=200).items,
        chosen=set(chosen),
    )


# -- brand admission -----------------------------------------------------------------------------


class ApplicationFormSchema(BrandApplicationCreateSchema):
    """The API's schema with ids read from form text."""

    producer_id = Integer(required=True, validate=validate.Range(min=1))
    product_id = Integer(required=True, validate=validate.Range(min=1))


class RejectFormSchema(StrictSchema):
    """Reasons typed one a line."""

    reasons = trimmed(2000, 1, required=True)


@bp.get("/brand")
def applications() -> Any:
    page = brand_service.list_applications(db(), _actor(), per_page=PER_PAGE)
    return render_template("staff_quality/applications.html", page=page)


@bp.route("/brand/new", methods=["GET", "POST"])
def new_application() -> Any:
    session = db()
    actor = _actor()
    form = Form(request.form if request.method == "POST" else {})
    if request.method == "POST":
        data = form.load(ApplicationFormSchema(), fields=("producer_id", "product_id", "note"))
        if data is not None:
            application = form.attempt(
                lambda: brand_service.apply_for_brand(session, actor, **data)
            )
            if application is not None:
                flash(_("已提交品牌准入申请。"), "ok")
                return redirect(url_for(".application", application_id=application.id), 303)
    return _form_page(
        "staff_quality/application_form.html",
        form,
        producers=producer_service.list_producers(session, actor, per_page=200).items,
        products=product_service.list_products(session, actor, per_page=200).items,
    )


def _application_page(application_id: int, form: Form, action: str = "") -> tuple[str, int]:
    record = brand_service.get_application(db(), _actor(), application_id)
    return _form_page(
        "staff_quality/application.html",
        form,
        application=record,
        action=action,
        blank=Form(),  # the other decision forms start empty
    )


@bp.get("/brand/<int:application_id>")
def application(application_id: int) -> Any:
    return _application_page(application_id, Form())


def _decide(application_id: int, action: str) -> Any:
    session = db()
    actor = _actor()
    form = Form(request.form)
    data: dict[str, Any] | None
    if action == "approve":
        data = form.load(ApproveSchema())
    elif action == "reject":
        loaded = form.load(RejectFormSchema())
        data = None
        if loaded is not None:
            reasons = [line.strip() for line in loaded["reasons"].splitlines() if line.strip()]
            data = {"reasons": reasons}
    else:
        data = form.load(SuspendSchema())
    if data is not None:
        try:
            if action == "approve":
                brand_service.approve_application(session, actor, application_id, **data)
            elif action == "reject":
                brand_service.reject_application(session, actor, application_id, **data)
            else:
                brand_service.suspend_application(session, actor, application_id, **data)
        except FORM_ERRORS as exc:
            rollback()
            form.fail(exc)
        else:
            session.commit()
            flash(_("已保存审核决定。"), "ok")
            return redirect(url_for(".application", application_id=application_id), 303)
    return _application_page(application_id, form, action)


@bp.post("/brand/<int:application_id>/approve")
def approve(application_id: int) -> Any:
    return _decide(application_id, "approve")


@bp.post("/brand/<int:application_id>/reject")
def reject(application_id: int) -> Any:
    return _decide(application_id, "reject")


@bp.post("/brand/<int:application_id>/suspend")
def suspend(application_id: int) -> Any:
    return _decide(application_id, "suspend")
