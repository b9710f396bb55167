"""What the public may see of a batch: product, origin, producer, timeline, quality, marks.

Built from the records as plain data (the scan page's HTML and JSON both come from it). Personal
data never enters it: farmers' names are masked, ID numbers are never stored, and poverty status
is shown only for legal persons (a 扶贫 enterprise or cooperative), never for a household.

The number of queries is fixed (about seven) whatever the length of the lot's history: each kind
of record is read with one query, never one query per row, and the lot's ancestors (the lots it
was made from, through the genealogy links) join in as one recursive CTE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, noload

from trace.clock import utcnow
from trace.errors import NotFoundError, problem
from trace.identifiers import looks_like_person_name, mask_person_name
from trace.models.batches import Batch
from trace.models.certifications import Certification, CertificationType
from trace.models.events import EventType, TraceEvent
from trace.models.genealogy import LotLink, LotOperation
from trace.models.inspections import Inspection, InspectionLimit, InspectionResult
from trace.models.producers import Producer, ProducerKind
from trace.models.products import Product
from trace.models.regions import Township, Village
from trace.services.brand import label_marks
from trace.services.certifications import certificates_for_batch
from trace.services.recalls import public_recall
from trace.services.trace_query import Direction, reached

COUNTY = "云南省楚雄彝族自治州大姚县"
COUNTY_EN = "Dayao County, Chuxiong Yi Autonomous Prefecture, Yunnan"
NATURAL_PERSONS = frozenset({ProducerKind.FARMER, ProducerKind.FAMILY_FARM})
# Only these detail keys of an event reach the public page; anything else stays internal.
PUBLIC_DETAIL_KEYS = frozenset(
    {
        "method",
        "moisture_pct",
        "standard",
        "grade",
        "packaging",
        "temperature_c",
        "humidity_pct",  # trace.measurements: the measured values of drying, grading, storing
        "diameter_mm",
        "mean_nut_weight_g",
        "quantity",
        "unit",
        "from",
        "to",
        "carrier",
        "report_no",
        "reason",
    }
)
# Pass or fail is never taken from an event's details: only from the lab report it stands for.
QUALITY_EVENT = EventType.INSPECTING
# A lot is rarely tested more than a few times; the page shows the latest reports.
MAX_PUBLIC_INSPECTIONS = 5
# Where the public can check a certificate when the record names no page of its own ([V] only).
VERIFY_AT: dict[CertificationType, str] = {CertificationType.ORGANIC: "https://food.cnca.cn"}


def _number(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def public_producer(producer: Producer) -> dict[str, Any]:
    is_person = producer.kind in NATURAL_PERSONS
    return {
        "name": mask_person_name(producer.name)
        if producer.kind is ProducerKind.FARMER
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


def best_before(pack_date: dt.date | None, shelf_life_days: int | None) -> dt.date | None:
    """The last day of the shelf life counted from the pack date, when both are known."""
    if pack_date is None or not shelf_life_days:
        return None
    return pack_date + dt.timedelta(days=shelf_life_days)


def _timeline(session: Session, batch: Batch, lineage: Any) -> list[dict[str, Any]]:
    """What happened to the lot and to the lots it was made from, oldest first: one query.

    An ancestor's events count up to the last operation that led towards this lot, as in
    trace_query.history_filter (what happened to the rest of a parent lot afterwards, say its
    shipping, is not this pack's story); here the cut-off is a join, so the query count stays
    the same however many ancestors there are.
    """
    cutoffs = (
        select(
            LotLink.parent_batch_id.label("batch_id"),
            func.max(LotOperation.occurred_at).label("cutoff"),
        )
        .join(LotOperation, LotOperation.id == LotLink.operation_id)
        .where(LotLink.child_batch_id.in_(select(lineage.c.batch_id)))
        .group_by(LotLink.parent_batch_id)
        .subquery("cutoffs")
    )
    rows = session.execute(
        select(TraceEvent, Batch.lot)
        .join(lineage, lineage.c.batch_id == TraceEvent.batch_id)
        .join(Batch, Batch.id == TraceEvent.batch_id)
        .outerjoin(cutoffs, cutoffs.c.batch_id == TraceEvent.batch_id)
        .where(or_(TraceEvent.batch_id == batch.id, TraceEvent.occurred_at <= cutoffs.c.cutoff))
        .order_by(TraceEvent.occurred_at, TraceEvent.id)
    ).all()
    corrected = {e.corrects_event_id for e, _lot in rows if e.corrects_event_id is not None}
    reports = _reports(session, lineage)
    timeline = []
    for e, lot in rows:
        details = {k: v for k, v in e.details.items() if k in PUBLIC_DETAIL_KEYS}
        if e.event_type is QUALITY_EVENT:
            passed = reports.get((e.batch_id, str(e.details.get("report_no", ""))))
            if passed is None:  # no lab report behind it: not a quality fact the public sees
                continue
            details["passed"] = passed
        timeline.append(
            {
                "type": e.event_type.value,
                "occurred_at": e.occurred_at.isoformat(),
                "location": e.location,
                "details": details,
                "is_corrected": e.id in corrected,
                "is_correction": e.event_type is EventType.CORRECTING,
                "lot": lot,
                "is_ancestor": e.batch_id != batch.id,  # an event of a lot this one was made from
            }
        )
    return timeline


def _reports(session: Session, lineage: Any) -> dict[tuple[int, str], bool]:
    """(lot, report number) -> passed, of the inspection records of the lot and its ancestors."""
    rows = session.execute(
        select(Inspection.batch_id, Inspection.report_no, Inspection.passed).join(
            lineage, lineage.c.batch_id == Inspection.batch_id
        )
    )
    return {(batch_id, report_no): passed for batch_id, report_no, passed in rows}


def _result(result: InspectionResult, name_zh: str | None) -> dict[str, Any]:
    return {
        "item": result.item,
        "name": name_zh or "",
        "value": _number(result.value),
        "unit": result.unit,
        "method": result.method,
        "limit_min": _number(result.limit_min),
        "limit_max": _number(result.limit_max),
        "limit_is_uncertain": result.limit_is_uncertain,
        "passed": result.passed,  # None: recorded for information, no limit applies
    }


def _inspections(session: Session, batch: Batch, lineage: Any) -> list[dict[str, Any]]:
    """The latest lab reports on the lot or the lots it was made from, newest first, each with its
    items and the limits they were judged by."""
    found = session.execute(
        select(Inspection, Batch.lot)
        .join(lineage, lineage.c.batch_id == Inspection.batch_id)
        .join(Batch, Batch.id == Inspection.batch_id)
        # Results come in the one query below, with their names; the PDF is staff-only.
        .options(noload(Inspection.results), noload(Inspection.report))
        .order_by(Inspection.tested_on.desc(), Inspection.id.desc())
        .limit(MAX_PUBLIC_INSPECTIONS)
    ).all()
    inspections: Sequence[Inspection] = [inspection for inspection, _lot in found]
    lots = {inspection.id: lot for inspection, lot in found}
    if not inspections:
        return []
    rows = session.execute(
        select(InspectionResult, InspectionLimit.name_zh)
        .outerjoin(
            InspectionLimit,
            and_(
                InspectionLimit.item == InspectionResult.item,
                InspectionLimit.product_category == batch.product.category,
            ),
        )
        .where(InspectionResult.inspection_id.in_([i.id for i in inspections]))
        .order_by(InspectionResult.id)
    ).all()
    results: dict[int, list[dict[str, Any]]] = {}
    for result, name_zh in rows:
        results.setdefault(result.inspection_id, []).append(_result(result, name_zh))
    corrected = {i.corrects_inspection_id for i in inspections if i.corrects_inspection_id}
    return [
        {
            "lab": i.lab,
            "report_no": i.report_no,
            "sampled_on": i.sampled_on.isoformat(),
            "tested_on": i.tested_on.isoformat(),
            "passed": i.passed,
            "is_corrected": i.id in corrected,
            "lot": lots[i.id],
            "is_ancestor": i.batch_id != batch.id,  # tested before this lot was made from it
            "results": results.get(i.id, []),
        }
        for i in inspections
    ]


def _verify_url(certificate: Certification) -> str | None:
    url = certificate.verify_url or VERIFY_AT.get(certificate.cert_type, "")
    # Typed by staff: only plain web links reach a public href (never javascript: and the like).
    return url if url.startswith(("https://", "http://")) else None


def public_holder(certificate: Certification, batch: Batch) -> str:
    """The certificate's holder as the public may see it: a natural person's name masked (罗*芬)
    whether the certificate belongs to a farmer, names the lot's farmer, or reads as a name."""
    holder = certificate.holder
    farmers = [
        p
        for p in (certificate.producer, batch.producer)
        if p is not None and p.kind is ProducerKind.FARMER
    ]
    is_person = (
        (certificate.producer is not None and certificate.producer.kind is ProducerKind.FARMER)
        or any(holder.strip() == p.name.strip() for p in farmers)
        or looks_like_person_name(holder)
    )
    return mask_person_name(holder.strip()) if is_person else holder


def _certificates(session: Session, batch: Batch) -> list[dict[str, Any]]:
    """Certificates valid today for the batch, its product or its producer; others never show."""
    return [
        {
            "type": c.cert_type.value,
            "number": c.number,
            "holder": public_holder(c, batch),
            "issuer": c.issuer,
            "scope": c.scope.value,
            "valid_from": c.valid_from.isoformat(),
            "valid_to": c.valid_to.isoformat() if c.valid_to else None,
            "verify_url": _verify_url(c),
            "is_legacy": c.is_legacy,
        }
        for c in certificates_for_batch(session, batch)
    ]


def public_batch_record(session: Session, batch_id: int) -> dict[str, Any]:
    """The batch's public record as JSON-ready data. Raises NotFoundError."""
    row = session.execute(
        select(Batch, Township, Village.name_pinyin)
        .outerjoin(Township, Township.code == Batch.township_code)
        .outerjoin(
            Village,
            and_(Village.township_code == Batch.township_code, Village.name_zh == Batch.village),
        )
        .where(Batch.id == batch_id)
    ).first()
    if row is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    batch, township, village_en = row
    brand_mark, gi_mark = label_marks(session, batch.producer, batch.product)
    lineage = reached(batch.id, Direction.UP)  # the lot and its ancestors, as a CTE
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
            "county_en": COUNTY_EN,
            "township": township.name_zh if township else "",
            "township_en": township.name_pinyin if township else "",
            "village": batch.village,
            "village_en": village_en or "",
            "plot": batch.plot,
            "latitude": _number(batch.latitude),
            "longitude": _number(batch.longitude),
            "altitude_m": batch.altitude_m,
        },
        "marks": {"brand": brand_mark, "gi": gi_mark},
        "timeline": _timeline(session, batch, lineage),
        "inspections": _inspections(session, batch, lineage),
        "certificates": _certificates(session, batch),
        # {level, reason, instructions, opened_at, ...} of the recall covering a recalled lot.
        "recall": public_recall(session, batch),
        "generated_at": utcnow().isoformat(),
    }
