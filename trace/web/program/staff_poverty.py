"""Poverty relief for the plan's figures: model enterprises and the registered households they
lift, and staff counts of stations and logistics facilities (how many staff are poor)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields, validate

from trace.errors import NotFoundError
from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.services import poverty_relief as service
from trace.services import stations as station_service
from trace.web.database import db
from trace.web.forms import Form
from trace.web.program.staff_forms import _actor, _facility_choices, _form_page, _posted, bp

PEOPLE = validate.Range(min=0, max=100_000)


class EnterpriseFormSchema(StrictSchema):
    producer_id = Integer(required=True)
    designated_on = fields.Date(required=True)
    document = trimmed(200, load_default="")


class HouseholdFormSchema(StrictSchema):
    producer_id = Integer(required=True)
    linked_on = fields.Date(required=True)
    how = trimmed(200, load_default="")


class StaffCountFormSchema(StrictSchema):
    place = fields.String(required=True, validate=validate.Regexp(r"^(station|facility):\d{1,9}$"))
    counted_on = fields.Date(required=True)
    employees = Integer(required=True, validate=PEOPLE)
    poor_employees = Integer(required=True, validate=PEOPLE)


@bp.get("/poverty-relief")
def poverty_relief() -> Any:
    session, actor = db(), _actor()
    enterprises = service.list_enterprises(session, actor)
    return render_template(
        "staff_program/poverty_relief.html",
        enterprises=[(e, service.households_of(session, e.id)) for e in enterprises],
        counts=service.latest_staff_counts(session, actor),
    )


@bp.route("/poverty-relief/enterprises/new", methods=["GET", "POST"])
def new_model_enterprise() -> Any:
    session, actor = db(), _actor()
    form = Form(_posted() if request.method == "POST" else {})
    if request.method == "POST":
        data = form.load(EnterpriseFormSchema())
        if data is not None:
            form.attempt(lambda: service.designate_enterprise(session, actor, **data))
            if form.is_valid:
                flash(_("已登记电商扶贫示范企业"), "ok")
                return redirect(url_for(".poverty_relief"), 303)
    producers = [(str(p.id), p.name) for p in service.enterprise_candidates(session, actor)]
    return _form_page("staff_program/enterprise_form.html", form, producers=producers)


@bp.route("/poverty-relief/enterprises/<int:enterprise_id>/households", methods=["GET", "POST"])
def new_lifted_household(enterprise_id: int) -> Any:
    session, actor = db(), _actor()
    enterprise = next(
        (e for e in service.list_enterprises(session, actor) if e.id == enterprise_id), None
    )
    if enterprise is None:
        raise NotFoundError(f"no model enterprise {enterprise_id}")
    form = Form(_posted() if request.method == "POST" else {})
    if request.method == "POST":
        data = form.load(HouseholdFormSchema())
        if data is not None:
            form.attempt(lambda: service.link_household(session, actor, enterprise.id, **data))
            if form.is_valid:
                flash(_("已登记带动户"), "ok")
                return redirect(url_for(".poverty_relief"), 303)
    households = [
        (str(p.id), f"{p.name}（{p.village or p.township_code}）")
        for p in service.registered_households(session, actor)
    ]
    return _form_page(
        "staff_program/household_form.html", form, enterprise=enterprise, households=households
    )


@bp.route("/poverty-relief/staff-counts/new", methods=["GET", "POST"])
def new_staff_count() -> Any:
    session, actor = db(), _actor()
    form = Form(_posted() if request.method == "POST" else {})
    if request.method == "POST":
        data = form.load(StaffCountFormSchema())
        if data is not None:
            kind, _sep, number = data.pop("place").partition(":")
            data[f"{kind}_id"] = int(number)
            form.attempt(lambda: service.count_staff(session, actor, **data))
            if form.is_valid:
                flash(_("已记录从业人员"), "ok")
                return redirect(url_for(".poverty_relief"), 303)
    stations = station_service.list_stations(session, actor, per_page=500).items
    places = [(f"station:{s.id}", s.name) for s in stations] + [
        (f"facility:{value}", name) for value, name in _facility_choices()
    ]
    return _form_page("staff_program/staff_count_form.html", form, places=places)
