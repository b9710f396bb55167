"""Staff triage steps on a report: assign, answer, escalate, close, reveal the contact."""

from __future__ import annotations

from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import InvalidTransitionError, NotFoundError, ValidationError
from trace.models.feedback import (
    FeedbackContact,
    FeedbackReport,
    FeedbackStep,
    ReportAction,
    ReportOutcome,
    ReportStatus,
)
from trace.models.users import User
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.feedback.reports import TRIAGE_ROLES, get_report


def _open_report(session: Session, actor: Actor | None, report_id: int) -> FeedbackReport:
    authorize(actor, "report.triage")
    report = get_report(session, actor, report_id)
    if report.status is ReportStatus.CLOSED:
        raise InvalidTransitionError("report.closed", {"status": ["report.closed"]})
    return report


def _required(value: str, field_name: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError.for_field(field_name, message)
    return text


def _step(
    session: Session,
    actor: Actor | None,
    report: FeedbackReport,
    action: ReportAction,
    from_status: ReportStatus,
    **details: object,
) -> FeedbackStep:
    step = FeedbackStep(
        report_id=report.id,
        action=action,
        actor_id=actor.id if actor is not None else None,
        from_status=from_status,
        to_status=report.status,
        **details,
    )
    session.add(step)
    return step


def assign_report(
    session: Session, actor: Actor | None, report_id: int, assignee_id: int, note: str = ""
) -> FeedbackReport:
    """Give the report to a QC (or admin) user; a new report becomes in progress.

    Raises NotFoundError, ValidationError (assignee_id), InvalidTransitionError (closed).
    """
    report = _open_report(session, actor, report_id)
    assignee = session.get(User, assignee_id)
    if assignee is None or not assignee.is_active or assignee.role not in TRIAGE_ROLES:
        raise ValidationError.for_field("assignee_id", "report.no_such_assignee")
    before = snapshot(report)
    previous = report.status
    report.assignee_id = assignee.id
    if report.status is ReportStatus.NEW:
        report.status = ReportStatus.IN_PROGRESS
    _step(
        session,
        actor,
        report,
        ReportAction.ASSIGNED,
        previous,
        assignee_id=assignee.id,
        note=note.strip()[:2000],
    )
    record_change(session, actor, "report.assign", report, before, note=note)
    return report


def answer_report(
    session: Session, actor: Actor | None, report_id: int, public_answer: str, note: str = ""
) -> FeedbackReport:
    """Answer the reporter; the answer is public under the reference number, the note is not.

    Raises NotFoundError, ValidationError (public_answer), InvalidTransitionError (closed).
    """
    report = _open_report(session, actor, report_id)
    text = _required(public_answer, "public_answer", "report.answer_required")
    before = snapshot(report)
    previous = report.status
    report.public_answer = text[:2000]
    report.answered_at = utcnow()
    report.status = ReportStatus.ANSWERED
    if report.assignee_id is None and actor is not None:
        report.assignee_id = actor.id  # whoever answers an unassigned report has taken it
    _step(
        session,
        actor,
        report,
        ReportAction.ANSWERED,
        previous,
        public_text=text[:2000],
        note=note.strip()[:2000],
    )
    record_change(session, actor, "report.answer", report, before, note=note)
    return report


def escalate_report(
    session: Session, actor: Actor | None, report_id: int, reason: str
) -> FeedbackReport:
    """Refer the report to the regulator. Raises NotFoundError, ValidationError (reason),
    InvalidTransitionError (closed, or escalated already)."""
    report = _open_report(session, actor, report_id)
    text = _required(reason, "reason", "report.escalation_reason_required")
    if report.status is ReportStatus.ESCALATED:
        raise InvalidTransitionError(
            "report.escalated_already", {"status": ["report.escalated_already"]}
        )
    before = snapshot(report)
    previous = report.status
    report.status = ReportStatus.ESCALATED
    report.is_escalated = True
    _step(session, actor, report, ReportAction.ESCALATED, previous, note=text[:2000])
    record_change(session, actor, "report.escalate", report, before, note=text)
    return report


def close_report(
    session: Session, actor: Actor | None, report_id: int, outcome: str, reason: str
) -> FeedbackReport:
    """Close the report with an outcome and a reason (kept internal).

    Raises NotFoundError, ValidationError (outcome, reason), InvalidTransitionError (closed).
    """
    report = _open_report(session, actor, report_id)
    try:
        result = ReportOutcome(outcome)
    except ValueError:
        raise ValidationError.for_field("outcome", "report.outcome_unknown") from None
    text = _required(reason, "reason", "report.close_reason_required")
    before = snapshot(report)
    previous = report.status
    report.status = ReportStatus.CLOSED
    report.outcome = result
    report.closed_at = utcnow()
    _step(session, actor, report, ReportAction.CLOSED, previous, outcome=result, note=text[:2000])
    record_change(session, actor, "report.close", report, before, note=text)
    return report


def reveal_contact(session: Session, actor: Actor | None, report_id: int) -> FeedbackContact:
    """The reporter's contact in full; who looked, and when, is recorded in the report's history
    and the audit trail. Raises NotFoundError (no contact), PermissionDeniedError."""
    authorize(actor, "report.contact")
    report = get_report(session, actor, report_id)
    contact = session.get(FeedbackContact, report.id)
    if contact is None:
        raise NotFoundError("report.no_contact")
    _step(session, actor, report, ReportAction.CONTACT_REVEALED, report.status)
    record_change(session, actor, "report.reveal_contact", report, note="contact revealed")
    return contact


def note_recall(
    session: Session, actor: Actor | None, report: FeedbackReport, recall_id: int
) -> FeedbackStep:
    """Record in the report's history that a recall was opened from it (by the recall's opener)."""
    step = _step(
        session,
        actor,
        report,
        ReportAction.RECALL_OPENED,
        report.status,
        note=f"recall {recall_id}",
    )
    record_change(session, actor, "report.recall", report, note=f"recall {recall_id}")
    return step
