"""Recalls (食品召回管理办法): open one on a lot, recall everything made from it, follow progress.

Opening a recall marks the lot and every downstream lot `recalled` in the caller's one
transaction, appends a `recalling` event to each, and so turns every pack code of those lots
into a `recalled` verdict on the scan page at once (the verdict reads the lot's status).
Deadlines follow the level: start within 24/48/72 hours, finish within 10/20/30 working days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_date
from trace.db import utcnow
from trace.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
    problem,
)
from trace.models.batches import Batch, BatchStatus, Unit
from trace.models.events import EventType
from trace.models.feedback import FeedbackReport, FeedbackStep, ReportAction, ReportStatus
from trace.models.labels import CodeStatus, PackCode
from trace.models.logistics import Shipment, ShipmentLine, ShipmentStatus
from trace.models.recalls import (
    Recall,
    RecallAction,
    RecallActionKind,
    RecallLot,
    RecallStatus,
)
from trace.policy import Actor, authorize
from trace.quantities import is_mass
from trace.services.audit import record_change, snapshot
from trace.services.events import append_event
from trace.services.genealogy import UnitMismatchError, convert
from trace.services.pages import Page, paginate
from trace.services.trace_query import Direction, lineage_ids

# level -> (hours to start, working days to finish), 食品召回管理办法 第十九条.
DEADLINES = {1: (24, 10), 2: (48, 20), 3: (72, 30)}


def add_working_days(
    start: dt.date, days: int, holidays: Collection[dt.date] = frozenset()
) -> dt.date:
    """The `days`-th working day after `start`: Saturdays, Sundays and `holidays` do not count.

    China's public holidays and the weekend days worked in exchange (调休) change every year and
    are not modelled: pass them as `holidays` once that calendar is kept as data.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            counted += 1
    return day


def deadlines(level: int, opened_at: dt.datetime) -> tuple[dt.datetime, dt.date]:
    """(start by, finish by) for a recall of `level` opened at `opened_at`."""
    hours, working_days = DEADLINES[level]
    local_day = local_date(opened_at)
    return opened_at + dt.timedelta(hours=hours), add_working_days(local_day, working_days)


# Opening and closing ----------------------------------------------------------------------------


def open_recall(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    level: int,
    reason: str,
    instructions: str,
    public_reason: str = "",
    report_id: int | None = None,
) -> Recall:
    """Recall the lot and every lot made from it, in the caller's transaction.

    `reason` is the record's (it may name internal files); `public_reason` is what the public
    notice says (default: `reason`). With `report_id` the recall answers that consumer report:
    the report is escalated, its history says so, and each links to the other. The public texts
    may not quote the report's reference (the reporter's own key).

    Raises ValidationError (unknown lot or report, level, empty reason, a public text quoting the
    report), ConflictError (the lot is already under an open recall), PermissionDeniedError
    (only regulators and admins open recalls).
    """
    authorize(actor, "recall.open")
    report = _answering_report(session, report_id, public_reason, instructions)
    if level not in DEADLINES:
        raise ValidationError.for_field("level", "recall.level")
    if not reason.strip():
        raise ValidationError.for_field("reason", "recall.reason_required")
    if not instructions.strip():
        raise ValidationError.for_field("instructions", "recall.instructions_required")
    if session.get(Batch, batch_id) is None:
        raise ValidationError.for_field("batch_id", "batch.not_found", id=batch_id)
    depths = lineage_ids(session, batch_id, Direction.DOWN)
    # Lock the lot and every lot made from it first, in id order (two recalls over overlapping
    # lots then wait for each other instead of deadlocking), and read them afresh: a recall
    # committed meanwhile must be seen by the check below, not the status loaded before the lock.
    lots = list(
        session.scalars(
            select(Batch)
            .where(Batch.id.in_(list(depths)))
            .order_by(Batch.id)
            .with_for_update(of=Batch)
            .execution_options(populate_existing=True)
        )
    )
    root = next(batch for batch in lots if batch.id == batch_id)
    existing = session.scalar(
        select(Recall.id)
        .join(RecallLot, RecallLot.recall_id == Recall.id)
        .where(RecallLot.batch_id == root.id, Recall.status == RecallStatus.OPEN)
        .order_by(Recall.id)
        .limit(1)
    )
    if existing is not None or root.status is BatchStatus.RECALLED:
        refused = (
            problem("recall.lot_in_recall", lot=root.lot, recall=existing)
            if existing
            else problem("recall.lot_recalled", lot=root.lot)
        )
        raise ConflictError(refused, {"batch_id": [refused]})

    opened_at = utcnow()
    start_due, finish_due = deadlines(level, opened_at)
    recall = Recall(
        batch_id=root.id,
        level=level,
        reason=reason.strip(),
        instructions=instructions.strip(),
        public_reason=public_reason.strip(),
        report_id=report.id if report is not None else None,
        opened_at=opened_at,
        opened_by_id=getattr(actor, "id", None),
        start_due_at=start_due,
        finish_due_on=finish_due,
    )
    session.add(recall)
    session.flush()
    # Events are public (the timeline): they carry the public wording, never an internal note.
    details = {"recall": recall.id, "level": level, "reason": recall.public_reason or recall.reason}
    for batch in sorted(lots, key=lambda b: (depths[b.id], b.lot)):
        session.add(
            RecallLot(
                recall_id=recall.id,
                batch_id=batch.id,
                depth=depths[batch.id],
                previous_status=batch.status,
            )
        )
        if batch.status is BatchStatus.RECALLED:
            continue  # already recalled by an earlier recall: it stays so, listed here too
        before = snapshot(batch)
        batch.status = BatchStatus.RECALLED
        record_change(session, actor, "batch.recall", batch, before, note=f"recall {recall.id}")
        event_details = dict(details)
        if batch.id != root.id:
            event_details["from_lot"] = root.lot
        # A recall is the regulator's act on any township's lot: the permission was checked above.
        append_event(
            session,
            actor,
            batch,
            EventType.RECALLING,
            occurred_at=opened_at,
            details=event_details,
            system=True,
        )
    record_change(session, actor, "recall.open", recall)
    if report is not None:
        _escalate_report(session, actor, report, recall)
    return recall


def recalls_for_report(session: Session, actor: Actor | None, report_id: int) -> list[Recall]:
    """The recalls opened from a consumer report (its page links to them)."""
    authorize(actor, "record.read")
    query = select(Recall).where(Recall.report_id == report_id).order_by(Recall.id)
    return list(session.scalars(query))


def _answering_report(
    session: Session, report_id: int | None, public_reason: str, instructions: str
) -> FeedbackReport | None:
    if report_id is None:
        return None
    report = session.get(FeedbackReport, report_id)
    if report is None:
        raise ValidationError.for_field("report_id", "report.not_found", id=report_id)
    if not public_reason.strip():
        raise ValidationError.for_field("public_reason", "recall.public_reason_required")
    for name, text in (("public_reason", public_reason), ("instructions", instructions)):
        if report.reference and report.reference.lower() in text.lower():
            raise ValidationError.for_field(name, "recall.quotes_reference")
    return report


def _escalate_report(
    session: Session, actor: Actor | None, report: FeedbackReport, recall: Recall
) -> None:
    """The report a recall answers: escalated to the regulator, with the step in its history
    and a word for the reporter (the reporter's status page shows public_text)."""
    before = snapshot(report)
    previous = report.status
    if report.status is not ReportStatus.CLOSED:
        report.status = ReportStatus.ESCALATED
    report.is_escalated = True
    session.add(
        FeedbackStep(
            report_id=report.id,
            action=ReportAction.RECALL_OPENED,
            actor_id=getattr(actor, "id", None),
            from_status=previous,
            to_status=report.status,
            note=f"recall #{recall.id}",
            public_text="监管部门已对该批次产品发起召回。",
        )
    )
    record_change(session, actor, "report.recall", report, before, note=f"recall #{recall.id}")


def close_recall(session: Session, actor: Actor | None, recall_id: int, note: str) -> Recall:
    """Close a finished recall; its lots stay recalled. Raises NotFoundError,
    InvalidTransitionError (already closed), ValidationError (no note)."""
    authorize(actor, "recall.open")
    recall = _get(session, recall_id)
    if recall.status is RecallStatus.CLOSED:
        raise InvalidTransitionError("recall.closed_already", {"status": ["recall.closed_already"]})
    if not note.strip():
        raise ValidationError.for_field("note", "recall.outcome_required")
    before = snapshot(recall)
    recall.status = RecallStatus.CLOSED
    recall.closed_at = utcnow()
    recall.closed_by_id = getattr(actor, "id", None)
    recall.closing_note = note.strip()
    record_change(session, actor, "recall.close", recall, before, note=note[:500])
    return recall


def record_action(
    session: Session,
    actor: Actor | None,
    recall_id: int,
    kind: str,
    occurred_at: dt.datetime | None = None,
    batch_id: int | None = None,
    shipment_id: int | None = None,
    holder: str = "",
    quantity: Decimal | None = None,
    unit: str | None = None,
    note: str = "",
) -> RecallAction:
    """Record progress: a holder notified, a quantity recovered, or a note.

    Raises NotFoundError (recall), ValidationError (lot or shipment not in this recall, missing
    quantity, incompatible unit), InvalidTransitionError (recall closed).
    """
    authorize(actor, "recall.progress")
    recall = _get(session, recall_id)
    if recall.status is RecallStatus.CLOSED:
        raise InvalidTransitionError("recall.closed", {"status": ["recall.closed"]})
    action_kind = RecallActionKind(kind)
    occurred_at = occurred_at or utcnow()
    check_not_future(occurred_at, "occurred_at")
    covered = set(
        session.scalars(select(RecallLot.batch_id).where(RecallLot.recall_id == recall.id))
    )
    shipment = None
    if shipment_id is not None:
        shipment = session.get(Shipment, shipment_id)
        if shipment is None:
            raise ValidationError.for_field("shipment_id", "shipment.not_found", id=shipment_id)
        if not {line.batch_id for line in shipment.lines} & covered:
            raise ValidationError.for_field("shipment_id", "recall.shipment_no_lot")
        holder = holder or shipment.destination_label
    batch = None
    if batch_id is not None:
        if batch_id not in covered:
            raise ValidationError.for_field("batch_id", "recall.not_a_lot")
        batch = session.get(Batch, batch_id)
    _authorize_progress(session, actor, recall, batch, shipment, covered)
    if action_kind is RecallActionKind.NOTIFIED and not (shipment or holder.strip()):
        raise ValidationError.for_field("holder", "recall.notified_required")
    action_unit: Unit | None = None
    if action_kind is RecallActionKind.RECOVERED:
        if batch is None:
            raise ValidationError.for_field("batch_id", "recall.quantity_lot_required")
        if quantity is None:
            raise ValidationError.for_field("quantity", "recall.quantity_required")
        action_unit = Unit(unit) if unit else batch.unit
        try:
            convert(quantity, action_unit, batch.unit)
        except UnitMismatchError:
            raise ValidationError.for_field(
                "unit", "recall.lot_unit", lot=batch.lot, unit=batch.unit.value
            ) from None
    elif quantity is not None:
        raise ValidationError.for_field("quantity", "recall.quantity_recovery_only")
    action = RecallAction(
        recall_id=recall.id,
        kind=action_kind,
        batch_id=batch.id if batch else None,
        shipment_id=shipment.id if shipment else None,
        holder=holder.strip(),
        quantity=quantity,
        unit=action_unit,
        note=note.strip(),
        occurred_at=occurred_at,
        recorded_by_id=getattr(actor, "id", None),
    )
    session.add(action)
    if recall.started_at is None:
        before = snapshot(recall)
        recall.started_at = occurred_at
        record_change(session, actor, "recall.start", recall, before)
    record_change(session, actor, "recall.action", action)
    return action


def _authorize_progress(
    session: Session,
    actor: Actor | None,
    recall: Recall,
    batch: Batch | None,
    shipment: Shipment | None,
    covered: set[int],
) -> None:
    """Station staff record progress only on what lies in their own township: the lot named, the
    recalled lots a shipment carries, or (for a note naming neither) a recalled lot of theirs."""
    if batch is not None:
        authorize(actor, "recall.progress", batch.township_code, field="batch_id")
    if shipment is not None:
        carried = [line.batch_id for line in shipment.lines if line.batch_id in covered]
        carried_in = session.scalars(select(Batch.township_code).where(Batch.id.in_(carried)))
        authorize(actor, "recall.progress", None, *carried_in, field="shipment_id")
    if batch is None and shipment is None:
        townships = set(session.scalars(select(Batch.township_code).where(Batch.id.in_(covered))))
        own = getattr(actor, "township_code", None)
        authorize(actor, "recall.progress", own if own in townships else "", field="recall_id")


# Reading ----------------------------------------------------------------------------------------


def _get(session: Session, recall_id: int) -> Recall:
    recall = session.get(Recall, recall_id)
    if recall is None:
        raise NotFoundError(problem("recall.not_found", id=recall_id))
    return recall


def get_recall(session: Session, actor: Actor | None, recall_id: int) -> Recall:
    authorize(actor, "record.read")
    return _get(session, recall_id)


def list_recalls(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    status: str | None = None,
    level: int | None = None,
    batch_id: int | None = None,
) -> Page[Recall]:
    """Recalls newest first; `batch_id` finds those covering that lot."""
    authorize(actor, "record.read")
    query = select(Recall).order_by(Recall.opened_at.desc(), Recall.id.desc())
    if status:
        query = query.where(Recall.status == RecallStatus(status))
    if level is not None:
        query = query.where(Recall.level == level)
    if batch_id is not None:
        query = query.where(
            Recall.id.in_(select(RecallLot.recall_id).where(RecallLot.batch_id == batch_id))
        )
    return paginate(session, query, page, per_page)


def open_recalls(session: Session, actor: Actor | None, limit: int = 10) -> list[Recall]:
    """Open recalls, most serious and oldest first (the staff dashboard's panel)."""
    authorize(actor, "record.read")
    query = (
        select(Recall)
        .where(Recall.status == RecallStatus.OPEN)
        .order_by(Recall.level, Recall.opened_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def public_recall(session: Session, batch: Batch) -> dict[str, Any] | None:
    """The recall notice for the scan page: the open recall covering this lot, or None."""
    if batch.status is not BatchStatus.RECALLED:
        return None
    recall = session.scalar(
        select(Recall)
        .join(RecallLot, RecallLot.recall_id == Recall.id)
        .where(RecallLot.batch_id == batch.id)
        .order_by(Recall.status == RecallStatus.CLOSED, Recall.opened_at.desc())
        .limit(1)
    )
    if recall is None:  # recalled before this module existed, or by hand
        return None
    return {
        "level": recall.level,
        # The public wording only: the record's reason may name internal files or reports.
        "reason": recall.public_reason or recall.reason,
        "instructions": recall.instructions,
        "opened_at": recall.opened_at.isoformat(),
        "deadline_start": recall.start_due_at.isoformat(),
        "deadline_finish": recall.finish_due_on.isoformat(),
        "lot": recall.batch.lot,  # the lot the recall was opened on (maybe a parent of this one)
        "is_closed": recall.status is RecallStatus.CLOSED,
    }


# Progress ---------------------------------------------------------------------------------------


@dataclass
class LotProgress:
    batch: Batch
    depth: int
    pack_codes: int  # live codes (voided ones are no packs on the market)
    recovered: Decimal  # in the lot's unit
    void_codes: int = 0

    @property
    def recovered_pct(self) -> Decimal:
        if not self.batch.quantity:
            return Decimal(0)
        share = min(self.recovered / self.batch.quantity, Decimal(1)) * 100
        return share.quantize(Decimal("0.1"))


@dataclass
class Holder:
    """A downstream holder: the destination of a shipment that carried a recalled lot."""

    shipment_id: int
    reference: str
    name: str
    status: str
    lots: list[str]
    notified_at: dt.datetime | None = None

    @property
    def is_notified(self) -> bool:
        return self.notified_at is not None


@dataclass
class RecallProgress:
    recall: Recall
    lots: list[LotProgress]
    holders: list[Holder]
    actions: list[RecallAction]
    other_notified: list[str] = field(default_factory=list)  # holders named without a shipment
    now: dt.datetime = field(default_factory=utcnow)

    @property
    def holders_notified(self) -> int:
        return sum(1 for h in self.holders if h.is_notified)

    @property
    def pack_codes(self) -> int:
        return sum(lot.pack_codes for lot in self.lots)

    @property
    def void_codes(self) -> int:
        return sum(lot.void_codes for lot in self.lots)

    @property
    def totals(self) -> dict[str, dict[str, Decimal]]:
        """{unit: {quantity, recovered}}: masses in kg, counts in their own unit."""
        sums: dict[str, dict[str, Decimal]] = {}
        for lot in self.lots:
            unit = lot.batch.unit
            key = "kg" if is_mass(unit) else unit.value
            entry = sums.setdefault(key, {"quantity": Decimal(0), "recovered": Decimal(0)})
            entry["quantity"] += (
                convert(lot.batch.quantity, unit, key) if key == "kg" else lot.batch.quantity
            )
            entry["recovered"] += (
                convert(lot.recovered, unit, key) if key == "kg" else lot.recovered
            )
        return sums

    @property
    def is_start_overdue(self) -> bool:
        started = self.recall.started_at
        return (started or self.now) > self.recall.start_due_at

    @property
    def is_finish_overdue(self) -> bool:
        end = self.recall.closed_at or self.now
        return local_date(end) > self.recall.finish_due_on


def recall_progress(session: Session, actor: Actor | None, recall_id: int) -> RecallProgress:
    """Lots covered, downstream holders (from shipments) and who was notified, recoveries.

    Raises NotFoundError."""
    recall = get_recall(session, actor, recall_id)
    rows = (
        session.execute(
            select(RecallLot)
            .where(RecallLot.recall_id == recall.id)
            .order_by(RecallLot.depth, RecallLot.id)
        )
        .scalars()
        .all()
    )
    ids = [row.batch_id for row in rows]
    code_counts = session.execute(
        select(PackCode.batch_id, PackCode.status, func.count(PackCode.id))
        .where(PackCode.batch_id.in_(ids))
        .group_by(PackCode.batch_id, PackCode.status)
    )
    codes: dict[int, int] = {}
    voided: dict[int, int] = {}
    for batch_id, status, count in code_counts:
        into = voided if status is CodeStatus.VOID else codes
        into[batch_id] = into.get(batch_id, 0) + count
    actions = list(
        session.scalars(
            select(RecallAction)
            .where(RecallAction.recall_id == recall.id)
            .order_by(RecallAction.id)
        )
    )
    recovered: dict[int, Decimal] = {}
    by_batch = {row.batch_id: row.batch for row in rows}
    for action in actions:
        if action.kind is RecallActionKind.RECOVERED and action.batch_id in by_batch:
            lot_unit = by_batch[action.batch_id].unit
            amount = convert(action.quantity or Decimal(0), action.unit or lot_unit, lot_unit)
            recovered[action.batch_id] = recovered.get(action.batch_id, Decimal(0)) + amount
    lots = [
        LotProgress(
            row.batch,
            row.depth,
            codes.get(row.batch_id, 0),
            recovered.get(row.batch_id, Decimal(0)),
            voided.get(row.batch_id, 0),
        )
        for row in rows
    ]
    holders = _holders(session, ids)
    notified: dict[int, dt.datetime] = {}
    other: list[str] = []
    for action in actions:
        if action.kind is not RecallActionKind.NOTIFIED:
            continue
        if action.shipment_id is not None:
            notified.setdefault(action.shipment_id, action.occurred_at)
        else:
            other.append(action.holder)
    for holder in holders:
        holder.notified_at = notified.get(holder.shipment_id)
    return RecallProgress(recall, lots, holders, actions, other)


def _holders(session: Session, batch_ids: list[int]) -> list[Holder]:
    holders: dict[int, Holder] = {}
    query = (
        select(Shipment, Batch.lot)
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .join(Batch, Batch.id == ShipmentLine.batch_id)
        .where(
            ShipmentLine.batch_id.in_(batch_ids),
            Shipment.status.in_((ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED)),
        )
        .order_by(Shipment.id, Batch.lot)
    )
    for shipment, lot in session.execute(query).unique():
        holder = holders.get(shipment.id)
        if holder is None:
            holder = Holder(
                shipment_id=shipment.id,
                reference=shipment.reference,
                name=shipment.destination_label,
                status=shipment.status.value,
                lots=[],
            )
            holders[shipment.id] = holder
        holder.lots.append(lot)
    return list(holders.values())
