"""Reports that belong together: flags beside a report, clusters on one lot or producer."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.models.batches import Batch
from trace.models.feedback import (
    OPEN_STATUSES,
    FeedbackReport,
    ReportKind,
    ReportStatus,
)
from trace.models.producers import Producer
from trace.models.scans import Scan
from trace.policy import Actor, authorize

# A cluster stands out with this many counterfeit reports on one lot, or any flagged pack.
COUNTERFEIT_CLUSTER_SIZE = 2


CLUSTER_WINDOW_DAYS = 90  # closed reports older than this no longer count towards a cluster


# Scan-log verdicts that mean a pack's code is probably copied or should not be on sale.
FLAGGED_VERDICTS = ("exceeded", "void")


def flagged_packs(session: Session, pack_code_ids: set[int]) -> set[int]:
    """The packs among these whose scan log has a flagged verdict (query limit exceeded, void)."""
    if not pack_code_ids:
        return set()
    return set(
        session.scalars(
            select(Scan.pack_code_id)
            .where(Scan.pack_code_id.in_(pack_code_ids), Scan.verdict.in_(FLAGGED_VERDICTS))
            .distinct()
        )
    )


@dataclass
class ReportFlags:
    """Why a report deserves a second look, shown beside it in lists."""

    pack_flagged: bool = False  # its pack's scans exceeded the query limit or hit a void label
    code_unknown: bool = False  # the reporter gave a code that no pack has
    lot_reports: int = 0  # reports on the same lot within the cluster window
    lot_counterfeit: int = 0

    @property
    def stands_out(self) -> bool:
        return (
            self.pack_flagged
            or self.code_unknown
            or self.lot_counterfeit >= COUNTERFEIT_CLUSTER_SIZE
        )


def report_flags(session: Session, reports: list[FeedbackReport]) -> dict[int, ReportFlags]:
    """Flags for each report (keyed by id): flagged pack, unknown code, reports on its lot."""
    flagged = flagged_packs(session, {r.pack_code_id for r in reports if r.pack_code_id})
    batch_ids = {r.batch_id for r in reports if r.batch_id}
    per_lot: dict[int, Counter[str]] = defaultdict(Counter)
    if batch_ids:
        for batch_id, kind in session.execute(
            select(FeedbackReport.batch_id, FeedbackReport.kind).where(
                FeedbackReport.batch_id.in_(batch_ids), _in_window()
            )
        ):
            per_lot[batch_id]["all"] += 1
            per_lot[batch_id][ReportKind(kind).value] += 1
    return {
        r.id: ReportFlags(
            pack_flagged=r.pack_code_id in flagged,
            code_unknown=bool(r.code_text) and r.pack_code_id is None,
            lot_reports=per_lot[r.batch_id]["all"] if r.batch_id else 0,
            lot_counterfeit=per_lot[r.batch_id][ReportKind.COUNTERFEIT.value] if r.batch_id else 0,
        )
        for r in reports
    }


def _in_window(now: dt.datetime | None = None) -> ColumnElement[bool]:
    since = (now or utcnow()) - dt.timedelta(days=CLUSTER_WINDOW_DAYS)
    return (FeedbackReport.status != ReportStatus.CLOSED) | (FeedbackReport.created_at >= since)


@dataclass(frozen=True)
class _Member:
    id: int
    batch_id: int
    producer_id: int
    pack_code_id: int | None
    kind: ReportKind
    status: ReportStatus


@dataclass(frozen=True)
class Cluster:
    """Reports on one lot (scope "batch") or on one producer's several lots (scope "producer")."""

    scope: str
    key_id: int
    label: str
    report_ids: tuple[int, ...]
    open_reports: int
    counterfeit: int
    flagged_packs: int
    lots: int = 1

    @property
    def reports(self) -> int:
        return len(self.report_ids)

    @property
    def stands_out(self) -> bool:
        return self.counterfeit >= COUNTERFEIT_CLUSTER_SIZE or self.flagged_packs > 0


def clusters(
    session: Session, actor: Actor | None, now: dt.datetime | None = None
) -> list[Cluster]:
    """Lots with two or more reports or a flagged pack, and producers with reports on two or more
    lots; those that stand out first. Counts open reports and those of the last 90 days."""
    authorize(actor, "report.read")
    rows = session.execute(
        select(
            FeedbackReport.id,
            FeedbackReport.batch_id,
            FeedbackReport.producer_id,
            FeedbackReport.pack_code_id,
            FeedbackReport.kind,
            FeedbackReport.status,
        ).where(FeedbackReport.batch_id.is_not(None), _in_window(now))
    ).all()
    members = [
        _Member(report_id, batch_id, producer_id, pack_id, ReportKind(kind), ReportStatus(status))
        for report_id, batch_id, producer_id, pack_id, kind, status in rows
    ]
    flagged = flagged_packs(session, {m.pack_code_id for m in members if m.pack_code_id})
    found: list[Cluster] = []
    for scope in ("batch", "producer"):
        groups: dict[int, list[_Member]] = defaultdict(list)
        for member in members:
            groups[member.batch_id if scope == "batch" else member.producer_id].append(member)
        for key_id, group in groups.items():
            cluster = Cluster(
                scope=scope,
                key_id=key_id,
                label="",
                report_ids=tuple(sorted(m.id for m in group)),
                open_reports=sum(1 for m in group if m.status in OPEN_STATUSES),
                counterfeit=sum(1 for m in group if m.kind is ReportKind.COUNTERFEIT),
                flagged_packs=len({m.pack_code_id for m in group if m.pack_code_id in flagged}),
                lots=len({m.batch_id for m in group}),
            )
            wanted = (
                (cluster.reports >= 2 or cluster.stands_out)
                if scope == "batch"
                else cluster.lots >= 2  # one lot only: its lot cluster says it all
            )
            if wanted:
                found.append(cluster)
    labelled = [_labelled(session, c) for c in found]
    return sorted(labelled, key=lambda c: (not c.stands_out, -c.reports, c.scope, c.label))


def _labelled(session: Session, cluster: Cluster) -> Cluster:
    if cluster.scope == "batch":
        batch = session.get(Batch, cluster.key_id)
        label = f"{batch.lot} · {batch.product.name}" if batch is not None else "?"
    else:
        producer = session.get(Producer, cluster.key_id)
        label = producer.name if producer is not None else "?"
    return Cluster(**{**cluster.__dict__, "label": label})
