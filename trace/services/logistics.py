"""Facilities, shipments of lots (entering each lot's timeline), stock, and cold-chain logs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import ConflictError, InvalidTransitionError, NotFoundError, ValidationError
from trace.models.batches import Batch, BatchStatus
from trace.models.events import EventType
from trace.models.logistics import (
    Facility,
    FacilityKind,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TemperatureAlert,
    TemperatureLimit,
    TemperatureReading,
)
from trace.models.products import ProductCategory
from trace.models.stations import Station
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.events import append_event
from trace.services.pages import Page, paginate
from trace.services.regions import require_township

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A clock a few minutes fast on a phone should not refuse a reading taken just now.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Kinds whose size the plan sets a target for: the size must be recorded.
NEEDS_AREA = frozenset({FacilityKind.DISTRIBUTION_CENTRE, FacilityKind.PUBLIC_WAREHOUSE})
# Lots in these states may not leave: a held lot awaits QC, a recalled one must come back.
UNSHIPPABLE = {
    BatchStatus.ON_HOLD: "is on hold awaiting a QC disposition",
    BatchStatus.RECALLED: "has been recalled",
    BatchStatus.CLOSED: "is closed (fully sold or used)",
}


# Facilities ---------------------------------------------------------------------------------


def _check_facility(session: Session, data: dict[str, Any], facility_id: int | None = None) -> None:
    kind = FacilityKind(data["kind"])
    require_township(session, data["township_code"])
    clash = session.scalar(select(Facility.id).where(Facility.name == data["name"]))
    if clash is not None and clash != facility_id:
        raise ConflictError("another facility has this name", {"name": ["already registered"]})
    if kind is FacilityKind.COLD_STORE and not data.get("volume_m3"):
        raise ValidationError.for_field("volume_m3", "a cold store records its volume in m³")
    if kind in NEEDS_AREA and not data.get("floor_area_m2"):
        raise ValidationError.for_field("floor_area_m2", "record the floor area in m²")
    station_id = data.get("station_id")
    if station_id is not None and session.get(Station, station_id) is None:
        raise ValidationError.for_field("station_id", f"no station {station_id}")


def create_facility(session: Session, actor: Actor | None, **data: Any) -> Facility:
    """Register a facility. Raises ValidationError, ConflictError, PermissionDeniedError."""
    authorize(actor, "facility.manage")
    _check_facility(session, data)
    data["kind"] = FacilityKind(data["kind"])
    facility = Facility(**data)
    session.add(facility)
    record_change(session, actor, "facility.create", facility)
    return facility


def update_facility(
    session: Session, actor: Actor | None, facility_id: int, **changes: Any
) -> Facility:
    """Change a facility. Raises NotFoundError, ValidationError, ConflictError."""
    authorize(actor, "facility.manage")
    facility = get_facility(session, actor, facility_id)
    before = snapshot(facility)
    _check_facility(session, {**before, **changes}, facility.id)
    if "kind" in changes:
        changes["kind"] = FacilityKind(changes["kind"])
    for key, value in changes.items():
        setattr(facility, key, value)
    record_change(session, actor, "facility.update", facility, before)
    session.expire(facility, ["township", "station"])  # follow the changed ids
    return facility


def get_facility(session: Session, actor: Actor | None, facility_id: int) -> Facility:
    authorize(actor, "record.read")
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise NotFoundError(f"no facility {facility_id}")
    return facility


def facility_query(kind: str | None = None, township_code: str | None = None) -> Select[Any]:
    query = select(Facility).order_by(Facility.kind, Facility.township_code, Facility.id)
    if kind:
        query = query.where(Facility.kind == FacilityKind(kind))
    if township_code:
        query = query.where(Facility.township_code == township_code)
    return query


def list_facilities(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    kind: str | None = None,
    township_code: str | None = None,
) -> Page[Facility]:
    authorize(actor, "record.read")
    return paginate(session, facility_query(kind, township_code), page, per_page)


# Stock --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockLine:
    batch_id: int
    lot: str
    product: str
    unit: str
    quantity: Decimal


_MOVED = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED)


def _held(
    session: Session, facility_id: int, batch_ids: list[int] | None = None
) -> dict[int, Decimal]:
    """Quantity of each lot at a facility: received (delivered there) minus shipped (left)."""
    received = (
        select(ShipmentLine.batch_id, func.sum(ShipmentLine.quantity))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(
            Shipment.destination_facility_id == facility_id,
            Shipment.status == ShipmentStatus.DELIVERED,
        )
        .group_by(ShipmentLine.batch_id)
    )
    shipped = (
        select(ShipmentLine.batch_id, func.sum(ShipmentLine.quantity))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Shipment.origin_facility_id == facility_id, Shipment.status.in_(_MOVED))
        .group_by(ShipmentLine.batch_id)
    )
    if batch_ids is not None:
        received = received.where(ShipmentLine.batch_id.in_(batch_ids))
        shipped = shipped.where(ShipmentLine.batch_id.in_(batch_ids))
    held: dict[int, Decimal] = {}
    for batch_id, quantity in session.execute(received):
        held[batch_id] = Decimal(quantity)
    for batch_id, quantity in session.execute(shipped):
        held[batch_id] = held.get(batch_id, Decimal(0)) - Decimal(quantity)
    return held


def facility_stock(session: Session, actor: Actor | None, facility_id: int) -> list[StockLine]:
    """Lots held at a facility now, computed from shipments. Raises NotFoundError."""
    get_facility(session, actor, facility_id)
    held = {k: v for k, v in _held(session, facility_id).items() if v > 0}
    batches = session.scalars(select(Batch).where(Batch.id.in_(held)).order_by(Batch.lot))
    return [
        StockLine(b.id, b.lot, b.product.name, b.unit.value, held[b.id].quantize(Decimal("0.001")))
        for b in batches
    ]


# Shipments ----------------------------------------------------------------------------------


def _not_future(value: dt.datetime, field: str) -> None:
    if value.tzinfo is None:
        raise ValidationError.for_field(field, "needs a time zone")
    if value > utcnow() + CLOCK_SKEW:
        raise ValidationError.for_field(field, "is in the future")


def _end(
    session: Session, facility_id: int | None, name: str, prefix: str
) -> tuple[Facility | None, str]:
    if facility_id is not None:
        facility = session.get(Facility, facility_id)
        if facility is None:
            raise ValidationError.for_field(f"{prefix}_facility_id", f"no facility {facility_id}")
        return facility, ""
    if not name:
        message = f"give the {prefix} as a facility id or as a name (carrier, buyer, producer)"
        raise ValidationError(
            message, {f"{prefix}_facility_id": [message], f"{prefix}_name": [message]}
        )
    return None, name


def _refuse_unshippable(batches: list[Batch]) -> None:
    for batch in batches:
        reason = UNSHIPPABLE.get(batch.status)
        if reason:
            message = f"lot {batch.lot} {reason}; it cannot be shipped"
            raise InvalidTransitionError(message, {"lines": [message]})


def _check_quantities(session: Session, shipment: Shipment) -> None:
    """A facility ships only what it holds; from outside, no more than the lot's size in all."""
    ids = [line.batch_id for line in shipment.lines]
    if shipment.origin_facility_id is not None:
        held = _held(session, shipment.origin_facility_id, ids)
        for line in shipment.lines:
            have = held.get(line.batch_id, Decimal(0))
            if line.quantity > have:
                raise ValidationError.for_field(
                    "lines",
                    f"lot {line.batch.lot}: {shipment.origin_label} holds {have.normalize():f} "
                    f"{line.batch.unit.value}, not {line.quantity.normalize():f}",
                )
        return
    for line in shipment.lines:
        sent = session.scalar(
            select(func.coalesce(func.sum(ShipmentLine.quantity), 0))
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .where(
                ShipmentLine.batch_id == line.batch_id,
                Shipment.origin_facility_id.is_(None),
                Shipment.status.in_(_MOVED),
                Shipment.id != shipment.id,
            )
        )
        if Decimal(sent or 0) + line.quantity > line.batch.quantity:
            raise ValidationError.for_field(
                "lines",
                f"lot {line.batch.lot} has {line.batch.quantity.normalize():f} "
                f"{line.batch.unit.value} in all; {Decimal(sent or 0).normalize():f} already left",
            )


def _next_reference(session: Session, day: dt.date) -> str:
    prefix = f"YS{day:%y%m%d}-"
    existing = session.scalars(
        select(Shipment.reference).where(Shipment.reference.startswith(prefix))
    ).all()
    numbers = [int(r[len(prefix) :]) for r in existing if r[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def create_shipment(
    session: Session,
    actor: Actor | None,
    lines: list[dict[str, Any]],
    origin_facility_id: int | None = None,
    origin_name: str = "",
    destination_facility_id: int | None = None,
    destination_name: str = "",
    carrier: str = "",
    vehicle: str = "",
    departed_at: dt.datetime | None = None,
) -> Shipment:
    """Plan a shipment of lots; with `departed_at` it leaves at once (see depart_shipment).

    Raises ValidationError (unknown facility or lot, bad quantity), InvalidTransitionError (a lot
    on hold, recalled or closed), PermissionDeniedError.
    """
    authorize(actor, "shipment.write")
    origin, origin_name = _end(session, origin_facility_id, origin_name, "origin")
    destination, destination_name = _end(
        session, destination_facility_id, destination_name, "destination"
    )
    if origin is not None and origin is destination:
        raise ValidationError.for_field("destination_facility_id", "is the origin itself")
    if not lines:
        raise ValidationError.for_field("lines", "a shipment carries at least one lot")
    seen: set[int] = set()
    batches: list[Batch] = []
    for number, line in enumerate(lines, start=1):
        batch = session.get(Batch, line["batch_id"])
        if batch is None:
            raise ValidationError.for_field("lines", f"line {number}: no batch {line['batch_id']}")
        if batch.id in seen:
            raise ValidationError.for_field("lines", f"line {number}: lot {batch.lot} twice")
        seen.add(batch.id)
        batches.append(batch)
    _refuse_unshippable(batches)
    if departed_at is not None:
        _not_future(departed_at, "departed_at")

    # Same read-then-write as lot codes: retry on a clash with a concurrent writer.
    for _attempt in range(5):
        shipment = Shipment(
            reference=_next_reference(session, utcnow().astimezone(SHANGHAI).date()),
            origin_facility_id=origin.id if origin else None,
            origin_name=origin_name,
            destination_facility_id=destination.id if destination else None,
            destination_name=destination_name,
            carrier=carrier,
            vehicle=vehicle,
            created_by_id=getattr(actor, "id", None),
            lines=[
                ShipmentLine(batch=b, quantity=line["quantity"])
                for b, line in zip(batches, lines, strict=True)
            ],
        )
        try:
            with session.begin_nested():
                session.add(shipment)
                session.flush()
            break
        except IntegrityError as exc:
            if "reference" not in str(exc.orig).lower():
                raise
    else:  # pragma: no cover - five clashes in a row means something else is wrong
        raise ConflictError("could not assign a shipment reference; try again")
    record_change(session, actor, "shipment.create", shipment)
    if departed_at is not None:
        depart_shipment(session, actor, shipment.id, departed_at)
    return shipment


def _event_details(shipment: Shipment, line: ShipmentLine) -> dict[str, Any]:
    # What the consumer's timeline shows; the vehicle stays on the shipment record.
    return {
        "from": shipment.origin_label,
        "to": shipment.destination_label,
        "carrier": shipment.carrier,
        "shipment": shipment.reference,
        "quantity": f"{line.quantity.normalize():f}",
        "unit": line.batch.unit.value,
    }


def depart_shipment(
    session: Session, actor: Actor | None, shipment_id: int, departed_at: dt.datetime
) -> Shipment:
    """Record departure: each lot's timeline gains a `shipping` event.

    Raises NotFoundError, InvalidTransitionError (not planned; a lot on hold or recalled),
    ValidationError (time in the future, more than the origin holds).
    """
    authorize(actor, "shipment.write")
    shipment = get_shipment(session, actor, shipment_id)
    if shipment.status is not ShipmentStatus.PLANNED:
        raise InvalidTransitionError(
            f"shipment {shipment.reference} has already left",
            {"status": [f"is {shipment.status.value}, not planned"]},
        )
    _not_future(departed_at, "departed_at")
    _refuse_unshippable([line.batch for line in shipment.lines])
    _check_quantities(session, shipment)
    before = snapshot(shipment)
    shipment.status = ShipmentStatus.IN_TRANSIT
    shipment.departed_at = departed_at
    record_change(session, actor, "shipment.depart", shipment, before)
    for line in shipment.lines:
        # The shipment permission was checked above; QC ships lots of every township.
        append_event(
            session,
            actor,
            line.batch,
            EventType.SHIPPING,
            occurred_at=departed_at,
            location=shipment.origin_label,
            details=_event_details(shipment, line),
            system=True,
        )
    return shipment


def arrive_shipment(
    session: Session, actor: Actor | None, shipment_id: int, arrived_at: dt.datetime
) -> Shipment:
    """Record arrival: each lot's timeline gains a `receiving` event.

    Raises NotFoundError, InvalidTransitionError (not in transit), ValidationError (time).
    """
    authorize(actor, "shipment.write")
    shipment = get_shipment(session, actor, shipment_id)
    if shipment.status is not ShipmentStatus.IN_TRANSIT:
        raise InvalidTransitionError(
            f"shipment {shipment.reference} is not on its way",
            {"status": [f"is {shipment.status.value}, not in_transit"]},
        )
    _not_future(arrived_at, "arrived_at")
    if shipment.departed_at is not None and arrived_at < shipment.departed_at:
        raise ValidationError.for_field("arrived_at", "is before the departure")
    before = snapshot(shipment)
    shipment.status = ShipmentStatus.DELIVERED
    shipment.arrived_at = arrived_at
    record_change(session, actor, "shipment.arrive", shipment, before)
    for line in shipment.lines:
        append_event(
            session,
            actor,
            line.batch,
            EventType.RECEIVING,
            occurred_at=arrived_at,
            location=shipment.destination_label,
            details=_event_details(shipment, line),
            system=True,
        )
    return shipment


def get_shipment(session: Session, actor: Actor | None, shipment_id: int) -> Shipment:
    authorize(actor, "record.read")
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFoundError(f"no shipment {shipment_id}")
    return shipment


def list_shipments(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    status: str | None = None,
    facility_id: int | None = None,
    batch_id: int | None = None,
) -> Page[Shipment]:
    authorize(actor, "record.read")
    query = select(Shipment).order_by(Shipment.id.desc())
    if status:
        query = query.where(Shipment.status == ShipmentStatus(status))
    if facility_id is not None:
        query = query.where(
            (Shipment.origin_facility_id == facility_id)
            | (Shipment.destination_facility_id == facility_id)
        )
    if batch_id is not None:
        query = query.where(
            Shipment.id.in_(
                select(ShipmentLine.shipment_id).where(ShipmentLine.batch_id == batch_id)
            )
        )
    return paginate(session, query, page, per_page)


# Temperatures -------------------------------------------------------------------------------


def list_limits(session: Session, actor: Actor | None) -> list[TemperatureLimit]:
    authorize(actor, "record.read")
    return list(
        session.scalars(select(TemperatureLimit).order_by(TemperatureLimit.product_category))
    )


def set_limit(
    session: Session,
    actor: Actor | None,
    product_category: str,
    min_c: Decimal,
    max_c: Decimal,
    note: str = "",
) -> TemperatureLimit:
    """Create or change a category's range. Raises NotFoundError (category), ValidationError,
    PermissionDeniedError."""
    authorize(actor, "temperature.write")
    if product_category not in {c.value for c in ProductCategory}:
        raise NotFoundError(f"no product category {product_category!r}")
    if min_c >= max_c:
        raise ValidationError.for_field("max_c", "must be above min_c")
    category = ProductCategory(product_category)
    limit = session.get(TemperatureLimit, category)
    before = snapshot(limit) if limit is not None else None
    if limit is None:
        limit = TemperatureLimit(product_category=category)
        session.add(limit)
    limit.min_c, limit.max_c, limit.note = min_c, max_c, note
    record_change(session, actor, "temperature_limit.set", limit, before)
    return limit


def record_reading(
    session: Session,
    actor: Actor | None,
    product_category: str,
    measured_at: dt.datetime,
    temperature_c: Decimal,
    facility_id: int | None = None,
    vehicle: str = "",
    shipment_id: int | None = None,
) -> tuple[TemperatureReading, TemperatureAlert | None]:
    """Append a reading; one outside its category's limits raises an alert.

    Raises ValidationError (no place, unknown facility or shipment, future time).
    """
    authorize(actor, "temperature.write")
    if facility_id is not None and session.get(Facility, facility_id) is None:
        raise ValidationError.for_field("facility_id", f"no facility {facility_id}")
    if shipment_id is not None:
        shipment = session.get(Shipment, shipment_id)
        if shipment is None:
            raise ValidationError.for_field("shipment_id", f"no shipment {shipment_id}")
        vehicle = vehicle or shipment.vehicle
    if facility_id is None and not vehicle:
        message = "say where: a facility (cold store) or a vehicle"
        raise ValidationError(message, {"facility_id": [message], "vehicle": [message]})
    _not_future(measured_at, "measured_at")
    category = ProductCategory(product_category)
    reading = TemperatureReading(
        facility_id=facility_id,
        vehicle=vehicle,
        shipment_id=shipment_id,
        product_category=category,
        measured_at=measured_at,
        temperature_c=temperature_c,
        recorded_by_id=getattr(actor, "id", None),
    )
    session.add(reading)
    record_change(session, actor, "temperature.record", reading)
    alert = None
    limit = session.get(TemperatureLimit, category)
    if limit is not None and not limit.min_c <= temperature_c <= limit.max_c:
        alert = TemperatureAlert(reading_id=reading.id, min_c=limit.min_c, max_c=limit.max_c)
        session.add(alert)
        record_change(session, actor, "temperature_alert.raise", alert)
    return reading, alert


def list_readings(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    facility_id: int | None = None,
    vehicle: str | None = None,
    shipment_id: int | None = None,
    measured_from: dt.datetime | None = None,
    measured_to: dt.datetime | None = None,
) -> Page[TemperatureReading]:
    authorize(actor, "record.read")
    query = select(TemperatureReading).order_by(TemperatureReading.measured_at.desc())
    if facility_id is not None:
        query = query.where(TemperatureReading.facility_id == facility_id)
    if vehicle:
        query = query.where(TemperatureReading.vehicle == vehicle)
    if shipment_id is not None:
        query = query.where(TemperatureReading.shipment_id == shipment_id)
    if measured_from:
        query = query.where(TemperatureReading.measured_at >= measured_from)
    if measured_to:
        query = query.where(TemperatureReading.measured_at <= measured_to)
    return paginate(session, query, page, per_page)


def cold_chain_of_batch(session: Session, batch_id: int) -> list[TemperatureReading]:
    """Readings taken on the shipments that carried a lot, in time order (for its record)."""
    carried = select(ShipmentLine.shipment_id).where(ShipmentLine.batch_id == batch_id)
    query = (
        select(TemperatureReading)
        .where(TemperatureReading.shipment_id.in_(carried))
        .order_by(TemperatureReading.measured_at)
    )
    return list(session.scalars(query))


def alert_query(open_only: bool = False) -> Select[Any]:
    query = select(TemperatureAlert).order_by(TemperatureAlert.id.desc())
    if open_only:
        query = query.where(TemperatureAlert.acknowledged_at.is_(None))
    return query


def list_alerts(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    is_open: bool | None = None,
) -> Page[TemperatureAlert]:
    authorize(actor, "record.read")
    query = alert_query(open_only=bool(is_open))
    if is_open is False:
        query = query.where(TemperatureAlert.acknowledged_at.is_not(None))
    return paginate(session, query, page, per_page)


def open_alerts(session: Session, limit: int = 20) -> list[TemperatureAlert]:
    """Unacknowledged alerts, newest first, for the programme dashboard."""
    return list(session.scalars(alert_query(open_only=True).limit(limit)))


def acknowledge_alert(
    session: Session, actor: Actor | None, alert_id: int, note: str = ""
) -> TemperatureAlert:
    """Close an alert with what was done. Raises NotFoundError, InvalidTransitionError."""
    authorize(actor, "temperature.write")
    alert = session.get(TemperatureAlert, alert_id)
    if alert is None:
        raise NotFoundError(f"no temperature alert {alert_id}")
    if alert.acknowledged_at is not None:
        raise InvalidTransitionError(
            "this alert was acknowledged already", {"acknowledged_at": ["already set"]}
        )
    before = snapshot(alert)
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = getattr(actor, "id", None)
    alert.note = note
    record_change(session, actor, "temperature_alert.acknowledge", alert, before)
    return alert
