"""Staff forms for the programme's stations, facilities and shipments, under /staff/program."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from trace.db import utcnow
from trace.models.batches import Batch
from trace.models.logistics import FacilityKind, ShipmentStatus
from trace.models.stations import StationService, StationTier
from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.schemas.program import (
    FacilityCreateSchema,
    ShipmentLineCreateSchema,
    StationCreateSchema,
)
from trace.services import logistics as logistics_service
from trace.services import regions
from trace.services import stations as station_service
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.messages import flat
from trace.web.program.logistics import KIND_NAMES, STATUS_NAMES
from trace.web.program.staff_forms import (
    PER_PAGE,
    SHIPMENT_ROWS,
    _actor,
    _facility_choices,
    _form_page,
    _posted,
    bp,
)
from trace.web.program.stations import SERVICE_NAMES, TIER_NAMES

# -- stations ------------------------------------------------------------------------------------


def _station_choices() -> dict[str, Any]:
    return {
        "tiers": [(t.value, str(TIER_NAMES[t])) for t in StationTier],
        "services": [(s.value, str(SERVICE_NAMES[s])) for s in StationService],
        "townships": regions.list_townships(db()),
        "tier_names": TIER_NAMES,
    }


@bp.get("/stations")
def stations() -> Any:
    page = station_service.list_stations(db(), _actor(), per_page=PER_PAGE)
    return render_template("staff_program/stations.html", page=page, **_station_choices())


def _station_form(station_id: int | None) -> Any:
    actor = _actor()
    session = db()
    record = station_service.get_station(session, actor, station_id) if station_id else None
    if request.method == "POST":
        form = Form(_posted(lists=("services",)))
    elif record is not None:
        form = Form(
            {
                "name": record.name,
                "tier": record.tier.value,
                "township_code": record.township_code,
                "village": record.village.name_zh if record.village else "",
                "operator": record.operator,
                "address": record.address,
                "opened_on": record.opened_on.isoformat() if record.opened_on else "",
                "floor_area_m2": record.floor_area_m2 or "",
                "services": [s.value for s in record.services],
                "is_funded": record.is_funded,
            }
        )
    else:
        form = Form({"tier": StationTier.VILLAGE.value, "services": []})
    if request.method == "POST":
        data = form.load(StationCreateSchema())
        if data is not None:
            try:
                if record is None:
                    record = station_service.create_station(session, actor, **data)
                else:
                    station_service.update_station(session, actor, record.id, **data)
            except FORM_ERRORS as exc:
                rollback()
                form.fail(exc)
            else:
                session.commit()
                flash(_("已保存服务站点：%(name)s", name=data["name"]), "ok")
                return redirect(url_for(".stations"), 303)
    return _form_page("staff_program/station_form.html", form, station=record, **_station_choices())


@bp.route("/stations/new", methods=["GET", "POST"])
def new_station() -> Any:
    return _station_form(None)


@bp.route("/stations/<int:station_id>/edit", methods=["GET", "POST"])
def edit_station(station_id: int) -> Any:
    return _station_form(station_id)


# -- facilities ----------------------------------------------------------------------------------


class FacilityFormSchema(FacilityCreateSchema):
    """The API's facility schema, reading the station id from form text."""

    station_id = Integer(load_default=None, allow_none=True)


@bp.get("/facilities")
def facilities() -> Any:
    page = logistics_service.list_facilities(db(), _actor(), per_page=PER_PAGE)
    return render_template(
        "staff_program/facilities.html",
        page=page,
        kind_names=KIND_NAMES,
        townships=regions.list_townships(db()),
    )


@bp.route("/facilities/new", methods=["GET", "POST"])
def new_facility() -> Any:
    actor = _actor()
    form = Form(_posted() if request.method == "POST" else {"kind": "delivery_centre"})
    if request.method == "POST":
        data = form.load(FacilityFormSchema(), fields=_FACILITY_FIELDS)
        if data is not None:
            session = db()
            record = form.attempt(lambda: logistics_service.create_facility(session, actor, **data))
            if record is not None:
                flash(_("已登记场所：%(name)s", name=record.name), "ok")
                return redirect(url_for(".facilities"), 303)
    return _form_page(
        "staff_program/facility_form.html",
        form,
        kinds=[(k.value, str(KIND_NAMES[k])) for k in FacilityKind],
        townships=regions.list_townships(db()),
    )


_FACILITY_FIELDS = (
    "name",
    "kind",
    "township_code",
    "operator",
    "address",
    "floor_area_m2",
    "volume_m3",
)


# -- shipments -----------------------------------------------------------------------------------


class ShipmentFormSchema(StrictSchema):
    """The shipment's two ends and carrier; its lines are read row by row (lot code, quantity)."""

    origin_facility_id = Integer(load_default=None, allow_none=True)
    origin_name = trimmed(100, load_default="")
    destination_facility_id = Integer(load_default=None, allow_none=True)
    destination_name = trimmed(100, load_default="")
    carrier = trimmed(100, load_default="")
    vehicle = trimmed(20, load_default="")


def _shipment_lines(form: Form) -> list[dict[str, Any]]:
    """The filled rows as service lines; a half-filled or unknown row gets its error beside it."""
    lines: list[dict[str, Any]] = []
    quantity_field = ShipmentLineCreateSchema().fields["quantity"]
    for row in range(SHIPMENT_ROWS):
        lot = str(form.value(f"lot_{row}")).strip().upper()
        quantity = str(form.value(f"quantity_{row}")).strip()
        if not lot and not quantity:
            continue
        if not lot:
            form.add(f"lot_{row}", "field.required")
        if not quantity:
            form.add(f"quantity_{row}", "field.required")
            continue
        try:
            amount = quantity_field.deserialize(quantity)
        except SchemaError as exc:
            for found in flat(exc.messages).get("_schema", []):
                form.add(f"quantity_{row}", found)
            continue
        if lot:
            batch_id = db().scalar(select(Batch.id).where(Batch.lot == lot))
            if batch_id is None:
                form.add(f"lot_{row}", "lot.no_such")
                continue
            lines.append({"batch_id": batch_id, "quantity": amount})
    if not lines and form.is_valid:
        form.add("lines", "shipment.line_required")
    return lines


@bp.get("/shipments")
def shipments() -> Any:
    page = logistics_service.list_shipments(db(), _actor(), per_page=PER_PAGE)
    return render_template(
        "staff_program/shipments.html", page=page, status_names=STATUS_NAMES, status=ShipmentStatus
    )


@bp.route("/shipments/new", methods=["GET", "POST"])
def new_shipment() -> Any:
    actor = _actor()
    form = Form(_posted() if request.method == "POST" else {})
    if request.method == "POST":
        data = form.load(ShipmentFormSchema())
        lines = _shipment_lines(form)
        if data is not None and form.is_valid:
            session = db()
            record = form.attempt(
                lambda: logistics_service.create_shipment(session, actor, lines=lines, **data)
            )
            if record is not None:
                flash(_("已登记发运单 %(ref)s", ref=record.reference), "ok")
                return redirect(url_for(".shipments"), 303)
    return _form_page(
        "staff_program/shipment_form.html",
        form,
        facilities=_facility_choices(),
        rows=range(SHIPMENT_ROWS),
    )


def _move(shipment_id: int, arrive: bool) -> Any:
    session = db()
    try:
        if arrive:
            record = logistics_service.arrive_shipment(session, _actor(), shipment_id, utcnow())
        else:
            record = logistics_service.depart_shipment(session, _actor(), shipment_id, utcnow())
    except FORM_ERRORS as exc:
        rollback()
        refused = Form()
        refused.fail(exc)
        flash("；".join(m for ms in refused.errors.values() for m in ms), "error")
    else:
        session.commit()
        if arrive:
            flash(_("已到货：%(ref)s", ref=record.reference), "ok")
        else:
            flash(_("已发运：%(ref)s", ref=record.reference), "ok")
    return redirect(url_for(".shipments"), 303)


@bp.post("/shipments/<int:shipment_id>/depart")
def depart_shipment(shipment_id: int) -> Any:
    return _move(shipment_id, arrive=False)


@bp.post("/shipments/<int:shipment_id>/arrive")
def arrive_shipment(shipment_id: int) -> Any:
    return _move(shipment_id, arrive=True)
