"""What the public may see of a batch: product, origin, producer, timeline, quality, marks.

Built from the records as plain data (the scan page's HTML and JSON both come from it). Personal
data never enters it: farmers' names are masked, ID numbers are never stored, and poverty status
is shown only for legal persons (a 扶贫 enterprise or cooperative), never for a household.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import NotFoundError
from trace.identifiers import mask_person_name
from trace.models.batches import Batch
from trace.models.events import EventType, TraceEvent
from trace.models.producers import Producer, ProducerKind
from trace.models.products import Product
from trace.models.regions import Township
from trace.services.labels import label_marks_for

COUNTY = "云南省楚雄彝族自治州大姚县"
NATURAL_PERSONS = frozenset({ProducerKind.FARMER, ProducerKind.FAMILY_FARM})
# Only these detail keys of an event reach the public page; anything else stays internal.
PUBLIC_DETAIL_KEYS = frozenset(
    {"method", "moisture_pct", "standard", "grade", "packaging", "temperature_c", "quantity",
     "unit", "from", "to", "carrier", "report_no", "passed", "reason"}
)


def _number(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def public_producer(producer: Producer) -> dict[str, Any]:
    is_person = producer.kind in NATURAL_PERSONS
    return {
        "name": mask_person_name(producer.name) if producer.kind is ProducerKind.FARMER
        else producer.name,
        "kind": producer.kind.value,
        # A company's or cooperative's contact details are public; a farmer's are not.
        "credit_code": None if is_person else producer.credit_code,
        "phone": None if is_person else (producer.phone or None),
        "is_poverty_alleviation": (not is_person) and producer.is_poverty_registered,
    }


def public_product(product: Product) -> dict[str, Any]:
    return {
        "name": product.name,
        "gtin": product.gtin,
        "category": product.category.value,
        "variety": product.variety,
        "brand": product.brand,
        "net_content_g": product.net_content_g,
        "shelf_life_days": product.shelf_life_days,
    }


def _timeline(session: Session, batch: Batch) -> list[dict[str, Any]]:
    events = session.scalars(
        select(TraceEvent)
        .where(TraceEvent.batch_id == batch.id)
        .order_by(TraceEvent.occurred_at, TraceEvent.sequence)
    ).all()
    corrected = {e.corrects_event_id for e in events if e.corrects_event_id is not None}
    return [
        {
            "type": e.event_type.value,
            "occurred_at": e.occurred_at.isoformat(),
            "location": e.location,
            "details": {k: v for k, v in e.details.items() if k in PUBLIC_DETAIL_KEYS},
            "is_corrected": e.id in corrected,
            "is_correction": e.event_type is EventType.CORRECTING,
            "lot": batch.lot,
        }
        for e in events
    ]


def public_batch_record(session: Session, batch_id: int) -> dict[str, Any]:
    """The batch's public record as JSON-ready data. Raises NotFoundError."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(f"no batch {batch_id}")
    township = session.get(Township, batch.township_code)
    marks = label_marks_for(session, batch)
    return {
        "lot": batch.lot,
        "status": batch.status.value,
        "grade": batch.grade,
        "harvested_on": batch.harvested_on.isoformat(),
        "quantity": _number(batch.quantity),
        "unit": batch.unit.value,
        "product": public_product(batch.product),
        "producer": public_producer(batch.producer),
        "origin": {
            "county": COUNTY,
            "township": township.name_zh if township else "",
            "township_en": township.name_pinyin if township else "",
            "village": batch.village,
            "plot": batch.plot,
            "latitude": _number(batch.latitude),
            "longitude": _number(batch.longitude),
            "altitude_m": batch.altitude_m,
        },
        "marks": {"brand": marks.brand_mark, "gi": marks.gi_mark},
        "timeline": _timeline(session, batch),
        "inspections": [],
        "certificates": [],
        "recall": None,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(),
    }
