"""Public monthly statistics of reports: counts by kind and outcome, never who or what."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.clock import local_date, local_datetime, local_today
from trace.models.feedback import (
    FeedbackReport,
    ReportKind,
    ReportOutcome,
    ReportStatus,
)
from trace.policy import Actor, authorize


@dataclass
class MonthStats:
    """Reports filed in one month (county time): counts only, never who or what they said."""

    month: dt.date
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)  # "open" while not closed


def report_statistics(session: Session, actor: Actor | None, months: int = 12) -> list[MonthStats]:
    """monthly_statistics for staff through the API. Raises PermissionDeniedError."""
    authorize(actor, "report.read")
    return monthly_statistics(session, months)


def monthly_statistics(
    session: Session, months: int = 12, today: dt.date | None = None
) -> list[MonthStats]:
    """The last `months` months, newest first, each with counts by kind and by outcome."""
    today = today or local_today()
    first = today.replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        previous = starts[-1] - dt.timedelta(days=1)
        starts.append(previous.replace(day=1))
    since = local_datetime(starts[-1])
    stats = {
        start: MonthStats(
            start,
            by_kind={k.value: 0 for k in ReportKind},
            by_outcome={"open": 0, **{o.value: 0 for o in ReportOutcome}},
        )
        for start in starts
    }
    rows = session.execute(
        select(
            FeedbackReport.created_at,
            FeedbackReport.kind,
            FeedbackReport.status,
            FeedbackReport.outcome,
        ).where(FeedbackReport.created_at >= since)
    )
    for created_at, kind, status, outcome in rows:
        bucket = stats.get(local_date(created_at).replace(day=1))
        if bucket is None:
            continue  # filed after `today` (a clock skew): not this table's business
        bucket.total += 1
        bucket.by_kind[ReportKind(kind).value] += 1
        closed = ReportStatus(status) is ReportStatus.CLOSED and outcome is not None
        bucket.by_outcome[ReportOutcome(outcome).value if closed else "open"] += 1
    return [stats[start] for start in starts]
