"""Grading and packaging designs: list and register."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields

from trace.printing.templates import list_templates
from trace.schemas import validate
from trace.schemas.common import Integer
from trace.schemas.quality import (
    PackagingSpecCreateSchema,
)
from trace.services import packaging as packaging_service
from trace.services import products as product_service
from trace.web import names
from trace.web.database import db
from trace.web.forms import Form
from trace.web.quality.pages.common import (
    _actor,
    _filled,
    _form_page,
    _load,
    bp,
)

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
        label_templates=[(t.name, t.title) for t in list_templates()],
    )
