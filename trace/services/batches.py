"""Registering harvest batches (lots) and assigning their lot codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_datetime
from trace.errors import NotFoundError, ValidationError, problem
from trace.models.batches import Batch, BatchStatus, Unit
from trace.models.events import EventType
from trace.models.producers import Producer
from trace.models.products import Product, ProductCategory
from trace.policy import Actor, authorize
from trace.services.audit import record_change
from trace.services.events import append_event
from trace.services.pages import Page, paginate
from trace.services.printable import BATCH_FIELDS, check_printable, printed_fields
from trace.services.regions import require_township

# Two letters per category in the lot code, from the pinyin of the product: 核桃, 核仁, 蜂蜜, 粉丝.
CATEGORY_LOT_CODES = {
    ProductCategory.WALNUT_IN_SHELL: "HT",
    ProductCategory.WALNUT_KERNEL: "HR",
    ProductCategory.HONEY: "FM",
    ProductCategory.VERMICELLI: "FS",
    ProductCategory.OTHER: "QT",
}
MAX_LOTS_PER_DAY = 999


def lot_prefix(township_code: str, category: ProductCategory, harvested_on: dt.date) -> str:
    """`DY208HT250915-`: county, township, product, harvest date; a 3-digit sequence follows."""
    return f"DY{township_code[-3:]}{CATEGORY_LOT_CODES[category]}{harvested_on:%y%m%d}-"


def _next_lot(session: Session, prefix: str) -> str:
    existing = session.scalars(select(Batch.lot).where(Batch.lot.startswith(prefix))).all()
    numbers = [int(lot[len(prefix) :]) for lot in existing if lot[len(prefix) :].isdigit()]
    sequence = max(numbers, default=0) + 1
    if sequence > MAX_LOTS_PER_DAY:
        raise ValidationError.for_field("harvested_on", "batch.too_many_lots")
    return f"{prefix}{sequence:03d}"


def add_batch_with_lot(session: Session, category: ProductCategory, **data: Any) -> Batch:
    """Add a batch made of `data` under the next free lot for its township, category and date.

    For lots made from other lots (trace.services.genealogy); the same clash-retry as
    create_batch. Raises ValidationError (too many lots that day).
    """
    prefix = lot_prefix(data["township_code"], category, data["harvested_on"])
    for _attempt in range(5):
        batch = Batch(lot=_next_lot(session, prefix), **data)
        try:
            with session.begin_nested():
                session.add(batch)
                session.flush()
            return batch
        except IntegrityError as exc:
            if "lot" not in str(exc).lower():
                raise
    raise ValidationError.for_field("lot", "batch.lot_not_unique")


def create_batch(session: Session, actor: Actor | None, **data: Any) -> Batch:
    """Register a harvest batch, assign its lot and record the harvest (commissioning) event.

    Raises ValidationError (unknown product/producer/township, future date, quantity),
    PermissionDeniedError.
    """
    authorize(actor, "batch.write", data.get("township_code"))
    product = session.get(Product, data["product_id"])
    if product is None:
        raise ValidationError.for_field("product_id", "product.no_such")
    producer = session.get(Producer, data["producer_id"])
    if producer is None:
        raise ValidationError.for_field("producer_id", "producer.no_such")
    # The public lot page shows the producer (its credit code, the GI mark): a station files lots
    # only of its own township's producers.
    authorize(actor, "batch.write", producer.township_code, field="producer_id")
    township = require_township(session, data["township_code"])
    harvested_on: dt.date = data["harvested_on"]
    check_not_future(harvested_on, "harvested_on")
    if data["quantity"] <= 0:
        raise ValidationError.for_field("quantity", "quantity.not_positive")
    check_printable(printed_fields(data, BATCH_FIELDS))
    data["unit"] = Unit(data["unit"])

    # The lot's sequence is read then written: a concurrent writer can take the same number, so
    # retry in a savepoint (the unique constraint decides) instead of failing the request.
    prefix = lot_prefix(township.code, product.category, harvested_on)
    for _attempt in range(5):
        batch = Batch(
            lot=_next_lot(session, prefix), created_by_id=getattr(actor, "id", None), **data
        )
        try:
            with session.begin_nested():
                session.add(batch)
                session.flush()
            break
        except IntegrityError as exc:
            if "lot" not in str(exc).lower():
                raise
    else:  # pragma: no cover - five clashes in a row means something else is wrong
        raise ValidationError.for_field("lot", "batch.lot_not_unique")
    record_change(session, actor, "batch.create", batch)
    append_event(
        session,
        actor,
        batch,
        EventType.COMMISSIONING,
        occurred_at=local_datetime(harvested_on, dt.time(12)),
        location=" ".join(p for p in (township.name_zh, batch.village, batch.plot) if p),
        details={"quantity": str(batch.quantity), "unit": batch.unit.value},
        by_owner=True,
    )
    return batch


def get_batch(session: Session, actor: Actor | None, batch_id: int) -> Batch:
    authorize(actor, "record.read")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    return batch


def lot_matches(text: str) -> ColumnElement[bool]:
    """The one lot search of the staff, regulator and report lists: any part of a lot, in any
    case ("250912-001" or "dy208ht" finds DY208HT250912-001); % and _ match only themselves."""
    return Batch.lot.contains(text.strip().upper(), autoescape=True)


def list_batches(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    product_id: int | None = None,
    producer_id: int | None = None,
    township_code: str | None = None,
    status: str | None = None,
    lot: str | None = None,
    harvested_from: dt.date | None = None,
    harvested_to: dt.date | None = None,
    newest_first: bool = False,
) -> Page[Batch]:
    """Batches in the order registered, or the newest first (the staff pages' cards)."""
    authorize(actor, "record.read")
    query = select(Batch).order_by(Batch.id.desc() if newest_first else Batch.id)
    filters = {
        Batch.product_id: product_id,
        Batch.producer_id: producer_id,
        Batch.township_code: township_code,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    if lot:
        query = query.where(lot_matches(lot))
    if status:
        query = query.where(Batch.status == BatchStatus(status))
    if harvested_from:
        query = query.where(Batch.harvested_on >= harvested_from)
    if harvested_to:
        query = query.where(Batch.harvested_on <= harvested_to)
    return paginate(session, query, page, per_page)
