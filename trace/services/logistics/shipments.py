"""Shipments of lots between facilities; departure and arrival enter each lot's timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_today
from trace.errors import ConflictError, InvalidTransitionError, NotFoundError, ValidationError
from trace.models.batches import Batch, BatchStatus
from trace.models.events import EventType
from trace.models.logistics import (
    Facility,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.events import append_event
from trace.services.logistics.stock import _MOVED, _held
from trace.services.pages import Page, paginate

# Lots in these states may not leave: a held lot awaits QC, a recalled one must come back.
UNSHIPPABLE = {
    BatchStatus.ON_HOLD: "is on hold awaiting a QC disposition",
    BatchStatus.RECALLED: "has been recalled",
    BatchStatus.CLOSED: "is closed (fully sold or used)",
}


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
        check_not_future(departed_at, "departed_at")

    # Same read-then-write as lot codes: retry on a clash with a concurrent writer.
    for _attempt in range(5):
        shipment = Shipment(
            reference=_next_reference(session, local_today()),
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
    check_not_future(departed_at, "departed_at")
    _refuse_unshippable([line.batch for line in shipment.lines])
    _check_quantities(session, shipment)
    before = snapshot(shipment)
    shipment.status = ShipmentStatus.IN_TRANSIT
    shipment.departed_at = departed_at
    record_change(session, actor, "shipment.depart", shipment, before)
    _enter_timelines(session, actor, shipment, EventType.SHIPPING, departed_at)
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
    check_not_future(arrived_at, "arrived_at")
    if shipment.departed_at is not None and arrived_at < shipment.departed_at:
        raise ValidationError.for_field("arrived_at", "is before the departure")
    before = snapshot(shipment)
    shipment.status = ShipmentStatus.DELIVERED
    shipment.arrived_at = arrived_at
    record_change(session, actor, "shipment.arrive", shipment, before)
    _enter_timelines(session, actor, shipment, EventType.RECEIVING, arrived_at)
    return shipment


def _enter_timelines(
    session: Session,
    actor: Actor | None,
    shipment: Shipment,
    event_type: EventType,
    at: dt.datetime,
) -> None:
    """Each lot on the shipment gains the departure or arrival on its timeline. The shipment
    permission was checked by the caller; QC ships lots of every township (hence system=True)."""
    leaving = event_type is EventType.SHIPPING
    for line in shipment.lines:
        append_event(
            session,
            actor,
            line.batch,
            event_type,
            occurred_at=at,
            location=shipment.origin_label if leaving else shipment.destination_label,
            details=_event_details(shipment, line),
            system=True,
        )


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
