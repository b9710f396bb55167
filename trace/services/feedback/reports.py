"""Staff reading reports: lists, one report with its context, the dashboard's open reports."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import NotFoundError, problem
from trace.models.batches import Batch
from trace.models.feedback import (
    OPEN_STATUSES,
    FeedbackContact,
    FeedbackReport,
    FeedbackStep,
    ReportKind,
    ReportStatus,
)
from trace.models.labels import PackCode
from trace.models.scans import Scan
from trace.models.users import Role, User
from trace.policy import Actor, authorize
from trace.services.batches import lot_matches
from trace.services.feedback.clusters import ReportFlags, clusters, report_flags
from trace.services.feedback.references import mask_contact, normalize_reference
from trace.services.pages import Page, paginate

TRIAGE_ROLES = frozenset({Role.QC, Role.ADMIN})


def get_report(session: Session, actor: Actor | None, report_id: int) -> FeedbackReport:
    """Raises NotFoundError, PermissionDeniedError."""
    authorize(actor, "report.read")
    report = session.get(FeedbackReport, report_id)
    if report is None:
        raise NotFoundError(problem("report.not_found", id=report_id))
    return report


def list_reports(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    status: str | None = None,
    kind: str | None = None,
    batch_id: int | None = None,
    producer_id: int | None = None,
    lot: str | None = None,
    reference: str | None = None,
    assignee_id: int | None = None,
) -> Page[FeedbackReport]:
    """Newest first; `status="open"` means every status but closed."""
    authorize(actor, "report.read")
    query = select(FeedbackReport).order_by(FeedbackReport.created_at.desc(), FeedbackReport.id)
    if status == "open":
        query = query.where(FeedbackReport.status.in_([s.value for s in OPEN_STATUSES]))
    elif status:
        query = query.where(FeedbackReport.status == ReportStatus(status))
    if kind:
        query = query.where(FeedbackReport.kind == ReportKind(kind))
    if batch_id is not None:
        query = query.where(FeedbackReport.batch_id == batch_id)
    if producer_id is not None:
        query = query.where(FeedbackReport.producer_id == producer_id)
    if assignee_id is not None:
        query = query.where(FeedbackReport.assignee_id == assignee_id)
    if lot:
        query = query.join(Batch, Batch.id == FeedbackReport.batch_id).where(lot_matches(lot))
    if reference:
        canonical = normalize_reference(reference) or reference.strip().upper()
        query = query.where(FeedbackReport.reference == canonical)
    return paginate(session, query, page, per_page)


def pack_scans(
    session: Session, actor: Actor | None, pack_code_id: int, limit: int = 50
) -> list[Scan]:
    """The pack's scan log, newest first (no addresses are kept in it)."""
    authorize(actor, "report.read")
    return list(
        session.scalars(
            select(Scan)
            .where(Scan.pack_code_id == pack_code_id)
            .order_by(Scan.id.desc())
            .limit(limit)
        )
    )


def report_history(session: Session, actor: Actor | None, report_id: int) -> list[FeedbackStep]:
    authorize(actor, "report.read")
    return list(
        session.scalars(
            select(FeedbackStep)
            .where(FeedbackStep.report_id == report_id)
            .order_by(FeedbackStep.id)
        )
    )


@dataclass
class ReportContext:
    """Everything staff look at beside a report: the pack, its lot and producer, the pack's scan
    log, other reports on the same lot or producer, and the report's own history."""

    report: FeedbackReport
    pack: PackCode | None
    batch: Batch | None
    scans: list[Scan]
    flags: ReportFlags
    related: list[FeedbackReport]
    history: list[FeedbackStep]
    contact_masked: str
    open_recall_id: int | None = None


def report_context(session: Session, actor: Actor | None, report_id: int) -> ReportContext:
    """Raises NotFoundError, PermissionDeniedError."""
    report = get_report(session, actor, report_id)
    scans = pack_scans(session, actor, report.pack_code_id) if report.pack_code_id else []
    related_query = select(FeedbackReport).where(FeedbackReport.id != report.id)
    if report.batch_id is not None:
        related_query = related_query.where(
            (FeedbackReport.batch_id == report.batch_id)
            | (FeedbackReport.producer_id == report.producer_id)
        )
    elif report.code_text:
        related_query = related_query.where(FeedbackReport.code_text == report.code_text)
    else:
        related_query = related_query.where(FeedbackReport.id.is_(None))
    related = list(
        session.scalars(related_query.order_by(FeedbackReport.created_at.desc()).limit(20))
    )
    return ReportContext(
        report=report,
        pack=report.pack_code,
        batch=report.batch,
        scans=scans,
        flags=report_flags(session, [report])[report.id],
        related=related,
        history=report_history(session, actor, report.id),
        contact_masked=mask_contact(session.get(FeedbackContact, report.id)),
    )


@dataclass(frozen=True)
class ReportSummary:
    """One line on the staff dashboard (its panel reads number, title, lot and opened_at)."""

    id: int
    number: str
    title: str
    lot: str
    opened_at: dt.datetime


def open_reports(session: Session, actor: Actor | None, limit: int = 10) -> list[ReportSummary]:
    """Open reports for the dashboard, unanswered ones first. Raises PermissionDeniedError."""
    authorize(actor, "report.read")
    unanswered = FeedbackReport.status.in_(
        [ReportStatus.NEW.value, ReportStatus.IN_PROGRESS.value, ReportStatus.ESCALATED.value]
    )
    reports = session.scalars(
        select(FeedbackReport)
        .where(FeedbackReport.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(unanswered.desc(), FeedbackReport.created_at.desc(), FeedbackReport.id.desc())
        .limit(limit)
    )
    return [
        ReportSummary(
            id=r.id,
            number=r.reference,
            title=r.description[:30] + ("…" if len(r.description) > 30 else ""),
            lot=r.batch.lot if r.batch is not None else "",
            opened_at=r.created_at,
        )
        for r in reports
    ]


def open_reports_summary(session: Session, actor: Actor | None) -> dict[str, int]:
    """Counts for a dashboard badge: open reports by status, and clusters that stand out."""
    authorize(actor, "report.read")
    counts = Counter(
        ReportStatus(s).value
        for s in session.scalars(
            select(FeedbackReport.status).where(
                FeedbackReport.status.in_([s.value for s in OPEN_STATUSES])
            )
        )
    )
    summary = {status.value: counts.get(status.value, 0) for status in OPEN_STATUSES}
    summary["open"] = sum(counts.values())
    summary["clusters"] = sum(1 for c in clusters(session, actor) if c.stands_out)
    return summary


def assignable_users(session: Session, actor: Actor | None) -> list[User]:
    """Active QC (and admin) accounts a report may be assigned to."""
    authorize(actor, "report.read")
    return list(
        session.scalars(
            select(User)
            .where(User.is_active.is_(True), User.role.in_([r.value for r in TRIAGE_ROLES]))
            .order_by(User.role, User.name, User.id)
        )
    )
