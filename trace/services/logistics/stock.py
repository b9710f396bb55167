"""What a facility holds: lots received minus lots shipped on."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trace.models.batches import Batch
from trace.models.logistics import (
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from trace.policy import Actor
from trace.services.logistics.facilities import get_facility


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
