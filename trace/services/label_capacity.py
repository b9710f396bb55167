"""How many more pack codes fit a batch: live codes × content per code ≤ the lot's quantity.

A code stands for one trade item: a consumer pack (the product's net content) or a carton
(its packs × the pack's net content). Voided codes give their capacity back. Masses convert
between units (g, 斤, kg, t: trace.quantities.KG_PER, 1 斤 = 0.5 kg exactly); a lot
counted in pieces, boxes or bottles holds that many packs. A product without a declared net
content cannot be measured against a lot weighed in kilograms and is not limited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trace.errors import ValidationError, problem
from trace.models.batches import Batch, Unit
from trace.models.labels import CodeStatus, LabelRun, PackCode
from trace.models.products import Product
from trace.quantities import KG_PER

GRAMS_PER_KG = Decimal(1000)


@dataclass(frozen=True)
class Capacity:
    """What is left of a lot for new codes of one trade item, in the lot's unit."""

    left: Decimal  # the lot's quantity minus what its live codes already stand for
    unit: str
    codes: int  # how many more codes of the item fit


def per_code(batch: Batch, item: Product, pack: Product) -> Decimal | None:
    """What one code of `item` takes from the lot, in the lot's unit; None if unmeasurable."""
    packs = Decimal(item.packs_per_case or 1) if item.pack_product_id else Decimal(1)
    if batch.unit not in KG_PER:
        return packs  # a lot counted in pieces, boxes or bottles: one pack each
    if not pack.net_content_g:
        return None
    grams = packs * pack.net_content_g
    return grams / GRAMS_PER_KG / KG_PER[batch.unit]


def capacity(session: Session, batch: Batch, item: Product) -> Capacity | None:
    """Room for new codes of `item` in `batch`; None when the item's content is not declared."""
    pack = batch.product
    wanted = per_code(batch, item, pack)
    if wanted is None or wanted <= 0:
        return None
    live = session.execute(
        select(LabelRun.product_id, func.count(PackCode.id))
        .join(LabelRun, LabelRun.id == PackCode.label_run_id)
        .where(PackCode.batch_id == batch.id, PackCode.status == CodeStatus.ACTIVE)
        .group_by(LabelRun.product_id)
    ).all()
    taken = Decimal(0)
    for product_id, codes in live:
        printed = session.get(Product, product_id) if product_id else pack
        size = per_code(batch, printed or pack, pack)
        taken += (size or Decimal(0)) * codes
    left = batch.quantity - taken
    fits = max(int(left // wanted), 0) if left > 0 else 0
    return Capacity(left=max(left, Decimal(0)), unit=batch.unit.value, codes=fits)


def check_capacity(session: Session, batch: Batch, item: Product, count: int) -> None:
    """Raise ValidationError naming `count` (with the room left) when the codes do not fit."""
    room = capacity(session, batch, item)
    if room is None or count <= room.codes:
        return
    left = f"{room.left.quantize(Decimal('0.001')).normalize():f}"
    refused = problem(
        "label.capacity", lot=batch.lot, n=room.codes, left=left, unit=Unit(room.unit)
    )
    raise ValidationError(refused, {"count": [refused]})
