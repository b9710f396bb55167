"""Brand admission: applications and the decisions on them."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from trace.schemas import validate
from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.schemas.quality import (
    ApproveSchema,
    BrandApplicationCreateSchema,
    SuspendSchema,
)
from trace.services import brand as brand_service
from trace.services import producers as producer_service
from trace.services import products as product_service
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.quality.pages.common import (
    PER_PAGE,
    _actor,
    _form_page,
    bp,
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
