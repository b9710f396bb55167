"""Cold-chain forms: a temperature reading (raising an alert when out of limits), open alerts."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields

from trace.clock import local_now, zone
from trace.models.products import ProductCategory
from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.schemas.program import TemperatureReadingCreateSchema
from trace.services import logistics as service
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.program.logistics import CATEGORY_NAMES
from trace.web.program.staff_forms import (
    PER_PAGE,
    _actor,
    _facility_choices,
    _form_page,
    _posted,
    bp,
)


class ReadingFormSchema(TemperatureReadingCreateSchema):
    """The API's reading schema, with the form's local time and facility id from text."""

    facility_id = Integer(load_default=None, allow_none=True)
    shipment_id = Integer(load_default=None, allow_none=True)
    measured_at = fields.NaiveDateTime(required=True, format="%Y-%m-%dT%H:%M")  # type: ignore[assignment]


class AcknowledgeFormSchema(StrictSchema):
    note = trimmed(200, load_default="")


@bp.route("/temperatures/new", methods=["GET", "POST"])
def new_reading() -> Any:
    now = local_now().replace(second=0, microsecond=0, tzinfo=None)
    defaults = {
        "product_category": "walnut_kernel",
        "measured_at": now.isoformat(timespec="minutes"),
    }
    form = Form(_posted() if request.method == "POST" else defaults)
    if request.method == "POST":
        data = form.load(ReadingFormSchema(), fields=_READING_FIELDS)
        if data is not None:
            data["measured_at"] = data["measured_at"].replace(tzinfo=zone())
            session = db()
            try:
                _reading, alert = service.record_reading(session, _actor(), **data)
            except FORM_ERRORS as exc:
                rollback()
                form.fail(exc)
            else:
                session.commit()
                if alert is not None:
                    flash(_("温度超出范围，已发出警报。"), "error")
                    return redirect(url_for(".alerts"), 303)
                flash(_("已记录温度。"), "ok")
                return redirect(url_for(".new_reading"), 303)
    return _form_page(
        "staff_program/reading_form.html",
        form,
        facilities=_facility_choices(),
        categories=[(c.value, str(CATEGORY_NAMES[c])) for c in ProductCategory],
    )


_READING_FIELDS = ("facility_id", "vehicle", "product_category", "measured_at", "temperature_c")


@bp.get("/alerts")
def alerts() -> Any:
    page = service.list_alerts(db(), _actor(), per_page=PER_PAGE, is_open=True)
    return render_template(
        "staff_program/alerts.html", page=page, category_names=CATEGORY_NAMES, zone=zone()
    )


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge_alert(alert_id: int) -> Any:
    form = Form(_posted())
    data = form.load(AcknowledgeFormSchema())
    if data is not None:
        session = db()
        form.attempt(lambda: service.acknowledge_alert(session, _actor(), alert_id, **data))
        if form.is_valid:
            flash(_("已处理警报。"), "ok")
    if not form.is_valid:
        flash("；".join(m for ms in form.errors.values() for m in ms), "error")
    return redirect(url_for(".alerts"), 303)
