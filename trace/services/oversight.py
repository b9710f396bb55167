"""What the regulator's pages read: lot search, scan statistics, suspicious codes, audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Date, case, cast, func, or_, select
from sqlalchemy.orm import Session

from trace.clock import local_today, utcnow, zone
from trace.errors import NotFoundError, problem
from trace.models.audit import AuditEntry
from trace.models.batches import Batch, BatchStatus
from trace.models.certifications import Certification, CertificationType
from trace.models.events import TraceEvent
from trace.models.genealogy import LotOperationLine
from trace.models.inspections import Disposition, Inspection
from trace.models.labels import LabelRun, PackCode
from trace.models.logistics import ShipmentLine
from trace.models.producers import Producer
from trace.models.recalls import Recall, RecallLot
from trace.models.scans import Scan
from trace.policy import Actor, authorize
from trace.services.batches import lot_matches
from trace.services.pages import Page, paginate

# A code is flagged when its public scans look like a copied label rather than one pack:
MANY_CLIENTS = 3  # this many different phones (salted client hashes) scanned it
SPREAD_DAYS = 7  # scanned by two phones or more over more than this many days
FLAGGED_LIMIT = 50


def search_lots(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 20,
    lot: str | None = None,
    product_id: int | None = None,
    producer_id: int | None = None,
    township_code: str | None = None,
    status: str | None = None,
    harvested_from: dt.date | None = None,
    harvested_to: dt.date | None = None,
    cert_type: str | None = None,
    producer: str | None = None,
) -> Page[Batch]:
    """Lots by product, producer (id or part of the name), township, harvest dates, status and a
    certificate type valid today for the lot, its product or its producer. Newest harvests first."""
    authorize(actor, "regulator.view")
    query = select(Batch).order_by(Batch.harvested_on.desc(), Batch.id.desc())
    if lot:
        query = query.where(lot_matches(lot))
    for column, value in (
        (Batch.product_id, product_id),
        (Batch.producer_id, producer_id),
        (Batch.township_code, township_code),
    ):
        if value is not None:
            query = query.where(column == value)
    if producer:
        named = select(Producer.id).where(Producer.name.contains(producer.strip(), autoescape=True))
        query = query.where(Batch.producer_id.in_(named))
    if status:
        query = query.where(Batch.status == BatchStatus(status))
    if harvested_from:
        query = query.where(Batch.harvested_on >= harvested_from)
    if harvested_to:
        query = query.where(Batch.harvested_on <= harvested_to)
    if cert_type:
        today = local_today()
        holds = (
            select(Certification.id)
            .where(
                Certification.cert_type == CertificationType(cert_type),
                Certification.valid_from <= today,
                Certification.valid_to.is_(None) | (Certification.valid_to >= today),
                or_(
                    Certification.batch_id == Batch.id,
                    Certification.product_id == Batch.product_id,
                    Certification.producer_id == Batch.producer_id,
                ),
            )
            .exists()
        )
        query = query.where(holds)
    return paginate(session, query, page, per_page)


# Scan statistics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlaggedCode:
    serial: str
    sequence: int
    scans: int
    clients: int
    first_at: dt.datetime
    last_at: dt.datetime
    reasons: tuple[str, ...]  # many_clients, spread_out, exceeded


@dataclass
class ScanStats:
    codes: int = 0
    scanned_codes: int = 0
    public_scans: int = 0
    staff_scans: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    per_day: list[tuple[dt.date, int]] = field(default_factory=list)
    flagged: list[FlaggedCode] = field(default_factory=list)

    @property
    def repeat(self) -> int:
        return self.verdicts.get("repeat", 0)

    @property
    def exceeded(self) -> int:
        return self.verdicts.get("exceeded", 0)

    @property
    def busiest_day(self) -> int:
        return max((n for _day, n in self.per_day), default=0)


def _local_day(session: Session, column: Any) -> ColumnElement[Any]:
    """The Dayao (UTC+8) date of a UTC timestamp column, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Asia/Shanghai", column), Date)
    return func.date(column, "+8 hours")


def scan_statistics(
    session: Session, actor: Actor | None, batch_id: int, days: int = 30
) -> ScanStats:
    """Scans of the lot's pack codes: per day over `days`, verdict counts, suspicious codes."""
    authorize(actor, "record.read")
    if session.get(Batch, batch_id) is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    stats = ScanStats()
    stats.codes, stats.scanned_codes = session.execute(
        select(
            func.count(PackCode.id),
            func.count(PackCode.first_scanned_at),
        ).where(PackCode.batch_id == batch_id)
    ).one()
    for is_public, verdict, count in session.execute(
        select(Scan.is_public, Scan.verdict, func.count(Scan.id))
        .where(Scan.batch_id == batch_id)
        .group_by(Scan.is_public, Scan.verdict)
    ):
        if is_public:
            stats.public_scans += count
            stats.verdicts[verdict] = stats.verdicts.get(verdict, 0) + count
        else:
            stats.staff_scans += count
    since = utcnow() - dt.timedelta(days=days)
    day = _local_day(session, Scan.scanned_at).label("day")
    per_day = session.execute(
        select(day, func.count(Scan.id))
        .where(Scan.batch_id == batch_id, Scan.is_public.is_(True), Scan.scanned_at >= since)
        .group_by(day)
        .order_by(day)
    ).all()
    stats.per_day = [(_as_date(d), n) for d, n in per_day]
    stats.flagged = _flagged(session, batch_id)
    return stats


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _flagged(session: Session, batch_id: int) -> list[FlaggedCode]:
    exceeded = func.sum(case((Scan.verdict == "exceeded", 1), else_=0))
    rows = session.execute(
        select(
            PackCode.serial,
            PackCode.sequence,
            func.count(Scan.id),
            func.count(func.distinct(Scan.client_hash)),
            func.min(Scan.scanned_at),
            func.max(Scan.scanned_at),
            exceeded,
        )
        .join(Scan, Scan.pack_code_id == PackCode.id)
        .where(Scan.batch_id == batch_id, Scan.is_public.is_(True))
        .group_by(PackCode.id, PackCode.serial, PackCode.sequence)
        .having(func.count(Scan.id) > 1)
        .order_by(func.count(func.distinct(Scan.client_hash)).desc(), func.count(Scan.id).desc())
        .limit(FLAGGED_LIMIT * 4)
    )
    flagged: list[FlaggedCode] = []
    for serial, sequence, scans, clients, first, last, over in rows:
        first_at, last_at = _aware(first), _aware(last)
        reasons = []
        if clients >= MANY_CLIENTS:
            reasons.append("many_clients")
        if clients >= 2 and last_at - first_at > dt.timedelta(days=SPREAD_DAYS):
            reasons.append("spread_out")
        if over:
            reasons.append("exceeded")
        if reasons:
            flagged.append(
                FlaggedCode(serial, sequence, scans, clients, first_at, last_at, tuple(reasons))
            )
    return flagged[:FLAGGED_LIMIT]


def _aware(value: Any) -> dt.datetime:
    """MIN/MAX of a UTC column come back without the column type on SQLite: restore it."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# Audit trail ------------------------------------------------------------------------------------


def lot_audit_trail(
    session: Session, actor: Actor | None, batch_id: int, limit: int = 200
) -> list[AuditEntry]:
    """Who changed what about this lot: the lot itself and the records that hang from it (events,
    label runs, inspections, dispositions, certificates, operations, shipments, recalls)."""
    authorize(actor, "audit.read")
    if session.get(Batch, batch_id) is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    related: list[tuple[str, Any]] = [
        ("batches", select(Batch.id).where(Batch.id == batch_id)),
        ("trace_events", select(TraceEvent.id).where(TraceEvent.batch_id == batch_id)),
        ("label_runs", select(LabelRun.id).where(LabelRun.batch_id == batch_id)),
        ("inspections", select(Inspection.id).where(Inspection.batch_id == batch_id)),
        ("dispositions", select(Disposition.id).where(Disposition.batch_id == batch_id)),
        ("certifications", select(Certification.id).where(Certification.batch_id == batch_id)),
        (
            "lot_operations",
            select(LotOperationLine.operation_id).where(LotOperationLine.batch_id == batch_id),
        ),
        ("shipments", select(ShipmentLine.shipment_id).where(ShipmentLine.batch_id == batch_id)),
        ("recalls", select(RecallLot.recall_id).where(RecallLot.batch_id == batch_id)),
    ]
    # The related ids first (a lot has few), then the entries by entity: with the ids as values
    # the (entity_type, entity_id) index answers in every month of the partitioned log; compared
    # with subqueries, the planner walked the whole log newest first looking for them.
    # Entity ids are stored as text.
    matches = []
    for table, ids in related:
        found = [str(i) for i in session.scalars(ids.distinct())]
        if found:
            matches.append((AuditEntry.entity_type == table) & AuditEntry.entity_id.in_(found))
    query = (
        select(AuditEntry)
        .where(or_(*matches))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def recalls_of(session: Session, batch_id: int) -> list[Recall]:
    """Recalls covering the lot, newest first."""
    return list(
        session.scalars(
            select(Recall)
            .join(RecallLot, RecallLot.recall_id == Recall.id)
            .where(RecallLot.batch_id == batch_id)
            .order_by(Recall.opened_at.desc())
        )
    )


def local_time(value: dt.datetime) -> dt.datetime:
    return value.astimezone(zone())


def code_counts(session: Session, batch_id: int) -> dict[str, int]:
    """The lot's pack codes by status: live codes apart from voided ones."""
    rows = session.execute(
        select(PackCode.status, func.count(PackCode.id))
        .where(PackCode.batch_id == batch_id)
        .group_by(PackCode.status)
    )
    counts = {"active": 0, "void": 0}
    for status, count in rows:
        counts[status.value] = count
    return counts
