"""The station's phone page for recording services (issue 19), under /staff/program/services,
and the parcel tally form of facilities without a station: a few taps, defaults filled in
(today, the staff member's station)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from trace.clock import local_today
from trace.models.logistics import FacilityKind
from trace.models.station_activity import ParcelDirection, ServiceKind
from trace.schemas.funding import ParcelCountCreateSchema, ServiceRecordCreateSchema
from trace.services import logistics as logistics_service
from trace.services import station_services as service
from trace.services.logistics import parcels
from trace.web.database import db
from trace.web.forms import Form
from trace.web.names import PARCEL_DIRECTIONS, SERVICE_KINDS, name_of
from trace.web.program.funding import money
from trace.web.program.staff_forms import _actor, _form_page, _posted, bp

SERVICE_FIELDS = ("kind", "station_id", "served_on", "villager", "amount", "parcels", "note")


@bp.route("/services", methods=["GET", "POST"])
def services() -> Any:
    """Record a service: tap its kind, type the amount or the parcels, save. Below: today's."""
    actor = _actor()
    session = db()
    stations = service.stations_for(session, actor)
    default = service.default_station(session, actor) or (stations[0] if stations else None)
    today = local_today()
    if request.method == "POST":
        form = Form(_posted())
        data = form.load(ServiceRecordCreateSchema(), fields=SERVICE_FIELDS)
        if data is not None:
            record = form.attempt(lambda: service.record_service(session, actor, **data))
            if record is not None:
                flash(
                    _("已登记：%(kind)s", kind=name_of(SERVICE_KINDS, record.kind)),
                    "ok",
                )
                return redirect(url_for(".services", kind=record.kind.value), 303)
    else:
        form = Form(
            {
                "kind": request.args.get("kind", ServiceKind.PARCEL_IN.value),
                "station_id": default.id if default else "",
                "served_on": today.isoformat(),
            }
        )
    station_ids = [s.id for s in stations]
    todays = service.list_services(session, actor, per_page=20, served_on=today).items
    return _form_page(
        "staff_program/services.html",
        form,
        kinds=[(k.value, name_of(SERVICE_KINDS, k)) for k in ServiceKind],
        stations=[(str(s.id), s.name) for s in stations],
        has_stations=bool(station_ids),
        todays=todays,
        money=money,
        today=today,
    )


PARCEL_FIELDS = ("facility_id", "counted_on", "direction", "parcels")


@bp.route("/parcels/new", methods=["GET", "POST"])
def new_parcel_count() -> Any:
    """Parcels in or out of the county sorting centre (or another facility with no station)."""
    actor = _actor()
    session = db()
    facilities = [
        f
        for f in logistics_service.list_facilities(session, actor, per_page=200).items
        if f.station_id is None and f.kind in parcels.NETWORK
    ]
    if request.method == "POST":
        form = Form(_posted())
        data = form.load(ParcelCountCreateSchema(), fields=PARCEL_FIELDS)
        if data is not None:
            tally = form.attempt(lambda: parcels.record_parcel_count(session, actor, **data))
            if tally is not None:
                flash(_("已登记 %(n)s 件", n=tally.parcels), "ok")
                return redirect(url_for(".new_parcel_count"), 303)
    else:
        centre = next((f for f in facilities if f.kind is FacilityKind.DISTRIBUTION_CENTRE), None)
        form = Form(
            {
                "facility_id": centre.id if centre else "",
                "counted_on": local_today().isoformat(),
                "direction": ParcelDirection.IN.value,
            }
        )
    return _form_page(
        "staff_program/parcel_form.html",
        form,
        facilities=[(str(f.id), f.name) for f in facilities],
        directions=[(d.value, name_of(PARCEL_DIRECTIONS, d)) for d in ParcelDirection],
    )
