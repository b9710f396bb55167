"""Inspection limits as data, lab inspections of batches, holds on failure and QC dispositions."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_today
from trace.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    Problem,
    ValidationError,
    problem,
)
from trace.models.batches import Batch, BatchStatus
from trace.models.events import EventType
from trace.models.inspections import (
    Disposition,
    DispositionKind,
    Inspection,
    InspectionLimit,
    InspectionReport,
    InspectionResult,
)
from trace.models.products import ProductCategory
from trace.policy import Actor, authorize
from trace.services import quality_uploads as uploads
from trace.services.audit import record_change, snapshot
from trace.services.events import append_event
from trace.services.grading import event_time
from trace.services.pages import Page, paginate

ITEM_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
REPORT_FOLDER = "inspections"
REPORT_MAX_BYTES = 5 * 1024 * 1024  # below MAX_CONTENT_LENGTH, so an oversized PDF is named
REPORT_TYPES = frozenset({uploads.PDF})


def canonical_unit(unit: str) -> str:
    """`µg/kg`, `μg/kg`, `ug/kg` and `µg / kg` are one unit; mg/kg is another."""
    folded = unicodedata.normalize("NFKC", unit).replace(" ", "").strip().lower()
    return "μ" + folded[1:] if folded.startswith("ug/") else folded


# --- limits ----------------------------------------------------------------------------------


def _check_limit_values(min_value: Decimal | None, max_value: Decimal | None) -> None:
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ValidationError.for_field("max_value", "limit.below_min")


def create_limit(session: Session, actor: Actor | None, **data: Any) -> InspectionLimit:
    """Add a limit for an item in a product category.

    Raises ValidationError, ConflictError (category and item exist), PermissionDeniedError.
    """
    authorize(actor, "standard.write")
    data["product_category"] = ProductCategory(data["product_category"])
    if not ITEM_RE.match(data["item"]):
        raise ValidationError.for_field("item", "limit.item_code")
    _check_limit_values(data.get("min_value"), data.get("max_value"))
    clash = session.scalar(
        select(InspectionLimit.id).where(
            InspectionLimit.product_category == data["product_category"],
            InspectionLimit.item == data["item"],
        )
    )
    if clash is not None:
        raise ConflictError("limit.exists", {"item": ["limit.exists"]})
    limit = InspectionLimit(**data)
    session.add(limit)
    record_change(session, actor, "inspection_limit.create", limit)
    return limit


def update_limit(
    session: Session, actor: Actor | None, limit_id: int, **changes: Any
) -> InspectionLimit:
    """Correct a limit. Earlier inspections keep the limit they were judged by.

    Raises NotFoundError, ValidationError, PermissionDeniedError.
    """
    authorize(actor, "standard.write")
    limit = get_limit(session, actor, limit_id)
    before = snapshot(limit)
    _check_limit_values(
        changes.get("min_value", limit.min_value), changes.get("max_value", limit.max_value)
    )
    for key, value in changes.items():
        setattr(limit, key, value)
    record_change(session, actor, "inspection_limit.update", limit, before)
    return limit


def get_limit(session: Session, actor: Actor | None, limit_id: int) -> InspectionLimit:
    authorize(actor, "record.read")
    limit = session.get(InspectionLimit, limit_id)
    if limit is None:
        raise NotFoundError(problem("limit.not_found", id=limit_id))
    return limit


def list_limits(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    product_category: str | None = None,
    item: str | None = None,
) -> Page[InspectionLimit]:
    authorize(actor, "record.read")
    query = select(InspectionLimit).order_by(InspectionLimit.product_category, InspectionLimit.id)
    if product_category:
        query = query.where(InspectionLimit.product_category == ProductCategory(product_category))
    if item:
        query = query.where(InspectionLimit.item == item)
    return paginate(session, query, page, per_page)


def _limits_for(session: Session, category: ProductCategory) -> dict[str, InspectionLimit]:
    rows = session.scalars(
        select(InspectionLimit).where(InspectionLimit.product_category == category)
    )
    return {row.item: row for row in rows}


def category_has_limits(session: Session, category: ProductCategory) -> bool:
    """Whether batches of this category must pass an inspection before labels and shipping."""
    return (
        session.scalar(
            select(InspectionLimit.id)
            .where(
                InspectionLimit.product_category == category,
                (InspectionLimit.min_value.is_not(None)) | (InspectionLimit.max_value.is_not(None)),
            )
            .limit(1)
        )
        is not None
    )


# --- inspections -----------------------------------------------------------------------------


def _judge(
    limits: Mapping[str, InspectionLimit], category: ProductCategory, results: Sequence[Any]
) -> list[InspectionResult]:
    if not results:
        raise ValidationError.for_field("results", "inspection.items_required")
    judged: list[InspectionResult] = []
    seen: set[str] = set()
    for index, result in enumerate(results):
        item = result["item"]
        if item in seen:
            raise ValidationError.for_field(
                f"results.{index}.item", "inspection.item_twice", item=item
            )
        seen.add(item)
        limit = limits.get(item)
        if limit is None:
            known = ", ".join(sorted(limits)) or "none"
            raise ValidationError.for_field(
                f"results.{index}.item",
                "inspection.no_limit",
                item=item,
                category=category.value,
                known=known,
            )
        if canonical_unit(result["unit"]) != canonical_unit(limit.unit):
            raise ValidationError.for_field(
                f"results.{index}.unit",
                "inspection.unit_mismatch",
                item=item,
                unit=limit.unit,
                given=result["unit"],
            )
        value: Decimal = result["value"]
        bounded = limit.min_value is not None or limit.max_value is not None
        passed = (
            (limit.min_value is None or value >= limit.min_value)
            and (limit.max_value is None or value <= limit.max_value)
            if bounded
            else None
        )
        judged.append(
            InspectionResult(
                item=item,
                value=value,
                unit=limit.unit,
                method=result.get("method") or limit.method,
                limit_min=limit.min_value,
                limit_max=limit.max_value,
                limit_is_uncertain=limit.is_uncertain,
                passed=passed,
            )
        )
    return judged


def _get_batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    return batch


def _locked_batch(session: Session, batch_id: int) -> Batch:
    """The batch locked for this transaction and read afresh: a status decided from it (hold,
    release) must not overwrite one another request set meanwhile (a recall)."""
    batch = session.scalar(
        select(Batch)
        .where(Batch.id == batch_id)
        .with_for_update(of=Batch)
        .execution_options(populate_existing=True)
    )
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    return batch


def record_inspection(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    *,
    lab: str,
    report_no: str,
    sampled_on: dt.date,
    tested_on: dt.date,
    results: Sequence[Mapping[str, Any]],
    corrects_inspection_id: int | None = None,
    note: str = "",
) -> Inspection:
    """Record a lab report: each item judged against its limit, the whole passed only if every
    bounded item passed. A failure puts an active batch on hold. Both reach the timeline.

    Raises NotFoundError (batch), ValidationError (dates, items, units, correction target),
    ConflictError (the lab's report number exists), PermissionDeniedError.
    """
    authorize(actor, "inspection.write")
    batch = _locked_batch(session, batch_id)
    check_not_future(sampled_on, "sampled_on")
    check_not_future(tested_on, "tested_on")
    if tested_on < sampled_on:
        raise ValidationError.for_field("tested_on", "inspection.before_sampled")
    if sampled_on < batch.harvested_on:
        raise ValidationError.for_field("sampled_on", "date.before_harvest")
    if corrects_inspection_id is not None:
        target = session.get(Inspection, corrects_inspection_id)
        if target is None or target.batch_id != batch.id:
            raise ValidationError.for_field("corrects_inspection_id", "inspection.corrects_unknown")
    category = batch.product.category
    judged = _judge(_limits_for(session, category), category, results)
    clash = session.scalar(
        select(Inspection.id).where(Inspection.lab == lab, Inspection.report_no == report_no)
    )
    if clash is not None:
        raise ConflictError("inspection.report_exists", {"report_no": ["inspection.report_exists"]})

    inspection = Inspection(
        batch_id=batch.id,
        lab=lab,
        report_no=report_no,
        sampled_on=sampled_on,
        tested_on=tested_on,
        passed=all(r.passed is not False for r in judged),
        corrects_inspection_id=corrects_inspection_id,
        note=note,
        recorded_by_id=actor.id if actor is not None else None,
        results=judged,
    )
    session.add(inspection)
    record_change(session, actor, "inspection.create", inspection)
    append_event(
        session,
        actor,
        batch,
        EventType.INSPECTING,
        event_time(tested_on),
        lab,
        {"report_no": report_no, "passed": inspection.passed},
        by_owner=True,
    )
    if not inspection.passed and batch.status is BatchStatus.ACTIVE:
        before = snapshot(batch)
        batch.status = BatchStatus.ON_HOLD
        record_change(session, actor, "batch.hold", batch, before)
        failed = [r.item for r in judged if r.passed is False]
        append_event(
            session,
            actor,
            batch,
            EventType.HOLDING,
            event_time(tested_on),
            lab,
            {"reason": "failed_inspection", "report_no": report_no, "failed_items": failed},
            by_owner=True,
        )
    return inspection


def get_inspection(
    session: Session, actor: Actor | None, batch_id: int, inspection_id: int
) -> Inspection:
    authorize(actor, "record.read")
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.batch_id != batch_id:
        raise NotFoundError(problem("inspection.not_found", id=inspection_id, batch=batch_id))
    return inspection


def list_inspections(session: Session, actor: Actor | None, batch_id: int) -> list[Inspection]:
    """A batch's inspections, latest first. Raises NotFoundError."""
    authorize(actor, "record.read")
    _get_batch(session, batch_id)
    query = (
        select(Inspection)
        .where(Inspection.batch_id == batch_id)
        .order_by(Inspection.tested_on.desc(), Inspection.id.desc())
    )
    return list(session.scalars(query))


def latest_inspection(session: Session, batch_id: int) -> Inspection | None:
    """The batch's most recent inspection by test date (then by when it was recorded)."""
    return session.scalar(
        select(Inspection)
        .where(Inspection.batch_id == batch_id)
        .order_by(Inspection.tested_on.desc(), Inspection.id.desc())
        .limit(1)
    )


def latest_inspection_of(session: Session, batch_ids: Sequence[int]) -> Inspection | None:
    """The most recent inspection among several batches (a producer's lots of one product)."""
    if not batch_ids:
        return None
    return session.scalar(
        select(Inspection)
        .where(Inspection.batch_id.in_(batch_ids))
        .order_by(Inspection.tested_on.desc(), Inspection.id.desc())
        .limit(1)
    )


# --- the report PDF --------------------------------------------------------------------------


def attach_report(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    inspection_id: int,
    *,
    data: bytes,
    content_type: str,
    filename: str,
    upload_dir: Path,
    max_bytes: int = REPORT_MAX_BYTES,
) -> InspectionReport:
    """Store the lab's PDF for an inspection, once; a corrected report is a new inspection.

    Raises NotFoundError, ValidationError (file: type, content, size), ConflictError (a report is
    attached already), PermissionDeniedError.
    """
    authorize(actor, "inspection.write")
    inspection = get_inspection(session, actor, batch_id, inspection_id)
    if inspection.report is not None:
        raise ConflictError(
            "inspection.has_report_correct",
            {"file": ["inspection.has_report"]},
        )
    stored = uploads.store_upload(
        upload_dir, REPORT_FOLDER, data, content_type, filename, REPORT_TYPES, max_bytes
    )
    report = InspectionReport(
        inspection_id=inspection.id,
        original_filename=stored.original_filename,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_by_id=actor.id if actor is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        uploads.discard_upload(upload_dir, REPORT_FOLDER, stored.stored_name)
        raise ConflictError("inspection.has_report", {"file": ["inspection.has_report"]}) from None
    record_change(session, actor, "inspection_report.create", report)
    session.expire(inspection, ["report"])
    return report


def report_file(
    session: Session, actor: Actor | None, batch_id: int, inspection_id: int, upload_dir: Path
) -> tuple[InspectionReport, Path]:
    """The stored report and its path, for signed-in staff. Raises NotFoundError."""
    inspection = get_inspection(session, actor, batch_id, inspection_id)
    if inspection.report is None:
        raise NotFoundError("inspection.no_report")
    report = inspection.report
    return report, uploads.stored_path(upload_dir, REPORT_FOLDER, report.stored_name)


# --- holds, dispositions, releasability -----------------------------------------------------


def _latest_disposition(session: Session, batch_id: int) -> Disposition | None:
    return session.scalar(
        select(Disposition)
        .where(Disposition.batch_id == batch_id)
        .order_by(Disposition.id.desc())
        .limit(1)
    )


def record_disposition(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    *,
    kind: str,
    note: str = "",
    grade: str | None = None,
) -> Disposition:
    """Decide about a held batch (qc only): re-test keeps the hold; downgrade and release end it
    (release only after a passing re-test); destroy closes the batch. Audited and on the timeline.

    Raises NotFoundError, ValidationError (grade), InvalidTransitionError (not on hold, no
    passing re-test), PermissionDeniedError.
    """
    authorize(actor, "disposition.write")
    batch = _locked_batch(session, batch_id)
    disposition_kind = DispositionKind(kind)
    if batch.status is not BatchStatus.ON_HOLD:
        raise InvalidTransitionError(
            problem("disposition.not_on_hold", status=batch.status.value),
            {"kind": [problem("disposition.not_on_hold", status=batch.status.value)]},
        )
    if disposition_kind is DispositionKind.DOWNGRADE:
        if not grade:
            raise ValidationError.for_field("grade", "disposition.grade_required")
    elif grade:
        raise ValidationError.for_field("grade", "disposition.grade_only_downgrade")
    latest = latest_inspection(session, batch.id)
    if disposition_kind is DispositionKind.RELEASE and (latest is None or not latest.passed):
        raise InvalidTransitionError(
            "disposition.needs_retest",
            {"kind": ["disposition.needs_retest"]},
        )

    disposition = Disposition(
        batch_id=batch.id,
        inspection_id=latest.id if latest is not None else None,
        kind=disposition_kind,
        grade=grade or "",
        note=note,
        decided_by_id=actor.id if actor is not None else None,
    )
    session.add(disposition)
    record_change(session, actor, "disposition.create", disposition)
    before = snapshot(batch)
    if disposition_kind in {DispositionKind.RELEASE, DispositionKind.DOWNGRADE}:
        batch.status = BatchStatus.ACTIVE
    elif disposition_kind is DispositionKind.DESTROY:
        batch.status = BatchStatus.CLOSED
    if disposition_kind is DispositionKind.DOWNGRADE and grade:
        batch.grade = grade
    if snapshot(batch) != before:
        record_change(session, actor, f"batch.{disposition_kind.value}", batch, before)
    details: dict[str, Any] = {"disposition": disposition_kind.value, "status": batch.status.value}
    if latest is not None:
        details["report_no"] = latest.report_no
    if grade:
        details["grade"] = grade
    if note:
        details["note"] = note
    append_event(
        session,
        actor,
        batch,
        EventType.HOLDING,
        event_time(local_today()),
        "",
        details,
        by_owner=True,
    )
    return disposition


def list_dispositions(session: Session, actor: Actor | None, batch_id: int) -> list[Disposition]:
    authorize(actor, "record.read")
    _get_batch(session, batch_id)
    query = select(Disposition).where(Disposition.batch_id == batch_id).order_by(Disposition.id)
    return list(session.scalars(query))


def release_problem(session: Session, batch: Batch) -> tuple[str, Problem] | None:
    """Why the batch may not get labels or be shipped, as (field, problem), or None if it may."""
    if batch.status is BatchStatus.RECALLED:
        return "status", problem("batch.recalled", lot=batch.lot)
    if batch.status is BatchStatus.ON_HOLD:
        return "status", problem("batch.on_hold", lot=batch.lot)
    if batch.status is BatchStatus.CLOSED:
        last = _latest_disposition(session, batch.id)
        if last is not None and last.kind is DispositionKind.DESTROY:
            return "status", problem("batch.destroyed", lot=batch.lot)
        return "status", problem("batch.closed", lot=batch.lot)
    if not category_has_limits(session, batch.product.category):
        return None
    latest = latest_inspection(session, batch.id)
    if latest is None:
        return "inspection", problem("batch.not_inspected", lot=batch.lot)
    if latest.passed:
        return None
    # A failed lot that qc accepted at a lower grade or use may go on as that.
    last = _latest_disposition(session, batch.id)
    if (
        last is not None
        and last.kind is DispositionKind.DOWNGRADE
        and last.inspection_id == latest.id
    ):
        return None
    return "inspection", problem("batch.inspection_failed", lot=batch.lot, report=latest.report_no)


def assert_batch_releasable(session: Session, batch: Batch) -> None:
    """Raise InvalidTransitionError with the reason when the batch may not get labels or ship:
    on hold, recalled, closed, or (for categories with inspection limits) no passed inspection."""
    found = release_problem(session, batch)
    if found is not None:
        field, reason = found
        raise InvalidTransitionError(reason, {field: [reason]})
