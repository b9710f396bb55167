"""Parcel volumes in and out per facility (the county sorting centre, township delivery centres,
village points) and the shipments through them, by day (issue 19). A point merged with a
station (facility.station_id) counts its station's parcel services; the others are tallied."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_date, local_datetime
from trace.errors import ValidationError
from trace.models.logistics import Facility, FacilityKind, Shipment
from trace.models.station_activity import ParcelCount, ParcelDirection, ServiceKind, ServiceRecord
from trace.policy import Actor, authorize
from trace.services.audit import record_change

MAX_PARCELS = 1_000_000
# The facilities of the parcel network, in the order the dashboard and the export list them.
NETWORK = (
    FacilityKind.DISTRIBUTION_CENTRE,
    FacilityKind.DELIVERY_CENTRE,
    FacilityKind.VILLAGE_POINT,
)


def record_parcel_count(
    session: Session,
    actor: Actor | None,
    *,
    facility_id: int,
    counted_on: dt.date,
    direction: str,
    parcels: int,
) -> ParcelCount:
    """Parcels in or out of a facility on a day (added to that day's earlier tallies).

    Raises ValidationError (facility_id: unknown, or merged with a station whose services
    count; counted_on; parcels), PermissionDeniedError."""
    authorize(actor, "parcels.write")
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise ValidationError.for_field("facility_id", "parcels.no_facility")
    if facility.station_id is not None:
        raise ValidationError.for_field("facility_id", "parcels.station_point")
    check_not_future(counted_on, "counted_on")
    if not 1 <= parcels <= MAX_PARCELS:
        raise ValidationError.for_field("parcels", "field.invalid")
    tally = ParcelCount(
        facility_id=facility.id,
        counted_on=counted_on,
        direction=ParcelDirection(direction),
        parcels=parcels,
        recorded_by_id=actor.id if actor is not None else None,
    )
    session.add(tally)
    record_change(session, actor, "parcel_count.create", tally)
    return tally


@dataclass
class DayFigures:
    """One facility on one day."""

    day: dt.date
    facility: Facility
    shipments_out: int = 0
    shipments_in: int = 0
    parcels_in: int = 0
    parcels_out: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.shipments_out or self.shipments_in or self.parcels_in or self.parcels_out)


def _station_points(session: Session) -> dict[int, Facility]:
    """Station id -> its parcel point (the network facility merged with it; the lowest id)."""
    points: dict[int, Facility] = {}
    query = select(Facility).where(Facility.station_id.is_not(None), Facility.kind.in_(NETWORK))
    for facility in session.scalars(query.order_by(Facility.id)):
        assert facility.station_id is not None
        points.setdefault(facility.station_id, facility)
    return points


def daily_figures(session: Session, start: dt.date, end: dt.date) -> list[DayFigures]:
    """Facility-days from `start` to `end` (both included, local dates) with any shipment or
    parcel, by day then facility id. Shipments count on the local day they left or arrived."""
    cells: dict[tuple[dt.date, int], DayFigures] = {}
    facilities: dict[int, Facility] = {}

    def cell(day: dt.date, facility: Facility) -> DayFigures:
        facilities[facility.id] = facility
        key = (day, facility.id)
        if key not in cells:
            cells[key] = DayFigures(day, facility)
        return cells[key]

    since = local_datetime(start)
    until = local_datetime(end + dt.timedelta(days=1))
    departed = select(Shipment).where(
        Shipment.departed_at >= since,
        Shipment.departed_at < until,
        Shipment.origin_facility_id.is_not(None),
    )
    for shipment in session.scalars(departed):
        assert shipment.departed_at is not None and shipment.origin_facility is not None
        cell(local_date(shipment.departed_at), shipment.origin_facility).shipments_out += 1
    arrived = select(Shipment).where(
        Shipment.arrived_at >= since,
        Shipment.arrived_at < until,
        Shipment.destination_facility_id.is_not(None),
    )
    for shipment in session.scalars(arrived):
        assert shipment.arrived_at is not None and shipment.destination_facility is not None
        cell(local_date(shipment.arrived_at), shipment.destination_facility).shipments_in += 1
    tallies = session.execute(
        select(ParcelCount.counted_on, ParcelCount.facility_id, ParcelCount.direction)
        .add_columns(func.sum(ParcelCount.parcels))
        .where(ParcelCount.counted_on >= start, ParcelCount.counted_on <= end)
        .group_by(ParcelCount.counted_on, ParcelCount.facility_id, ParcelCount.direction)
    )
    for day, facility_id, direction, parcels in tallies:
        facility = facilities.get(facility_id) or session.get(Facility, facility_id)
        assert facility is not None
        item = cell(day, facility)
        if ParcelDirection(direction) is ParcelDirection.IN:
            item.parcels_in += int(parcels)
        else:
            item.parcels_out += int(parcels)
    points = _station_points(session)
    if points:
        services = session.execute(
            select(ServiceRecord.served_on, ServiceRecord.station_id, ServiceRecord.kind)
            .add_columns(func.sum(ServiceRecord.parcels))
            .where(
                ServiceRecord.served_on >= start,
                ServiceRecord.served_on <= end,
                ServiceRecord.station_id.in_(points),
                ServiceRecord.parcels.is_not(None),
            )
            .group_by(ServiceRecord.served_on, ServiceRecord.station_id, ServiceRecord.kind)
        )
        for day, station_id, kind, parcels in services:
            item = cell(day, points[station_id])
            if ServiceKind(kind) is ServiceKind.PARCEL_IN:
                item.parcels_in += int(parcels or 0)
            else:
                item.parcels_out += int(parcels or 0)
    found = [c for c in cells.values() if not c.is_empty]
    return sorted(found, key=lambda c: (c.day, c.facility.id))


@dataclass
class FacilityVolume:
    facility: Facility
    parcels_in: int = 0
    parcels_out: int = 0
    shipments_in: int = 0
    shipments_out: int = 0


def volumes_by_facility(session: Session, start: dt.date, end: dt.date) -> list[FacilityVolume]:
    """Totals per facility over the range: every active facility of the parcel network (with
    zeros), then any other facility that shipped; by kind in NETWORK order, then id."""
    totals: dict[int, FacilityVolume] = {}
    network = select(Facility).where(Facility.kind.in_(NETWORK), Facility.is_active.is_(True))
    for facility in session.scalars(network):
        totals[facility.id] = FacilityVolume(facility)
    for day in daily_figures(session, start, end):
        total = totals.setdefault(day.facility.id, FacilityVolume(day.facility))
        total.parcels_in += day.parcels_in
        total.parcels_out += day.parcels_out
        total.shipments_in += day.shipments_in
        total.shipments_out += day.shipments_out
    order = defaultdict(lambda: len(NETWORK), {kind: i for i, kind in enumerate(NETWORK)})
    return sorted(
        totals.values(), key=lambda v: (order[FacilityKind(v.facility.kind)], v.facility.id)
    )
