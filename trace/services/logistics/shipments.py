"""Shipments of lots between facilities; departure and arrival enter each lot's timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_today
from trace.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
    problem,
)
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
    BatchStatus.ON_HOLD: "shipment.lot_on_hold",
    BatchStatus.RECALLED: "shipment.lot_recalled",
    BatchStatus.CLOSED: "shipment.lot_closed",
}


def _end(
    session: Session, facility_id: int | None, name: str, prefix: str
) -> tuple[Facility | None, str]:
    if facility_id is not None:
        facility = session.get(Facility, facility_id)
        if facility is None:
            raise ValidationError.for_field(
                f"{prefix}_facility_id", "facility.not_found", id=facility_id
            )
        return facility, ""
    if not name:
        refused = problem(f"shipment.{prefix}_required")
        raise ValidationError(
            refused, {f"{prefix}_facility_id": [refused], f"{prefix}_name": [refused]}
        )
    return None, name


def _refuse_unshippable(batches: list[Batch]) -> None:
    for batch in batches:
        reason = UNSHIPPABLE.get(batch.status)
        if reason:
            refused = problem(reason, lot=batch.lot)
            raise InvalidTransitionError(refused, {"lines": [refused]})


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
                    "shipment.not_held",
                    lot=line.batch.lot,
                    origin=shipment.origin_label,
                    have=f"{have.normalize():f}",
                    unit=line.batch.unit.value,
                    asked=f"{line.quantity.normalize():f}",
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
                "shipment.more_than_lot",
                lot=line.batch.lot,
                total=f"{line.batch.quantity.normalize():f}",
                unit=line.batch.unit.value,
                sent=f"{Decimal(sent or 0).normalize():f}",
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
        raise ValidationError.for_field("destination_facility_id", "shipment.same_ends")
    if not lines:
        raise ValidationError.for_field("lines", "shipment.lines_required")
    seen: set[int] = set()
    batches: list[Batch] = []
    for number, line in enumerate(lines, start=1):
        batch = session.get(Batch, line["batch_id"])
        if batch is None:
            raise ValidationError.for_field(
                "lines", "shipment.line_no_batch", line=number, id=line["batch_id"]
            )
        if batch.id in seen:
            raise ValidationError.for_field(
                "lines", "shipment.line_lot_twice", line=number, lot=batch.lot
            )
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
        raise ConflictError("shipment.reference_not_unique")
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
            problem("shipment.left_already", reference=shipment.reference),
            {"status": [problem("shipment.left_already", reference=shipment.reference)]},
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
            problem("shipment.not_on_way", reference=shipment.reference),
            {"status": [problem("shipment.not_on_way", reference=shipment.reference)]},
        )
    check_not_future(arrived_at, "arrived_at")
    if shipment.departed_at is not None and arrived_at < shipment.departed_at:
        raise ValidationError.for_field("arrived_at", "shipment.before_departure")
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
        raise NotFoundError(problem("shipment.not_found", id=shipment_id))
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
