"""Filing a consumer's report without signing in, and its public status by reference."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import NotFoundError, ValidationError
from trace.models.batches import Batch
from trace.models.feedback import (
    FeedbackContact,
    FeedbackReport,
    FeedbackStep,
    ReportAction,
    ReportKind,
    ReportOutcome,
    ReportStatus,
)
from trace.services.audit import record_change
from trace.services.feedback.photos import PreparedPhoto, discard_photo, store_photo
from trace.services.feedback.references import (
    find_pack,
    new_reference,
    normalize_reference,
    parse_contact,
    serial_from,
)


@dataclass(frozen=True)
class PackInfo:
    """What the report form may show about the pack being reported (all of it public)."""

    serial: str
    sequence: int
    lot: str
    product_name: str


def describe_code(session: Session, code: str) -> PackInfo | None:
    pack = find_pack(session, code)
    if pack is None:
        return None
    batch = session.get(Batch, pack.batch_id)
    assert batch is not None  # a foreign key
    return PackInfo(pack.serial, pack.sequence, batch.lot, batch.product.name)


def file_report(
    session: Session,
    *,
    kind: str,
    description: str,
    code: str = "",
    contact: str = "",
    photo: PreparedPhoto | None = None,
    photo_dir: Path | None = None,
    client_key: str = "",
    locale: str = "zh",
) -> FeedbackReport:
    """File a consumer's report (no sign-in). The caller commits, and on failure calls
    discard_photo(photo_dir, report.photo_stored_name).

    Raises ValidationError naming the field (kind, description, contact, photo).
    """
    try:
        report_kind = ReportKind(kind)
    except ValueError:
        raise ValidationError.for_field("kind", "report.kind_unknown") from None
    text = description.strip()
    if not text:
        raise ValidationError.for_field("description", "report.description_required")
    contact_kind, contact_value = parse_contact(contact) if contact.strip() else (None, "")
    serial = serial_from(code)
    pack = find_pack(session, serial) if serial else None
    batch = session.get(Batch, pack.batch_id) if pack is not None else None
    report = FeedbackReport(
        reference=_unused_reference(session),
        kind=report_kind,
        description=text[:2000],
        code_text=pack.serial if pack is not None else serial,
        pack_code_id=pack.id if pack is not None else None,
        batch_id=batch.id if batch is not None else None,
        producer_id=batch.producer_id if batch is not None else None,
        has_contact=bool(contact_value),
        locale=locale if locale in {"zh", "en"} else "zh",
        client_key=client_key[:32],
        status=ReportStatus.NEW,
    )
    if photo is not None:
        if photo_dir is None:
            raise ValueError("photo_dir is needed to store a photo")
        stored = store_photo(photo_dir, photo)
        report.photo_stored_name = stored.stored_name
        report.photo_content_type = stored.content_type
        report.photo_size_bytes = stored.size_bytes
    try:
        session.add(report)
        session.flush()
        if contact_kind is not None:
            session.add(
                FeedbackContact(report_id=report.id, kind=contact_kind, value=contact_value)
            )
        session.add(
            FeedbackStep(report_id=report.id, action=ReportAction.FILED, to_status=report.status)
        )
        record_change(session, None, "report.create", report)
    except Exception:
        if photo_dir is not None:
            discard_photo(photo_dir, report.photo_stored_name)
        raise
    return report


def _unused_reference(session: Session) -> str:
    for _ in range(5):
        reference = new_reference()
        taken = session.scalar(
            select(FeedbackReport.id).where(FeedbackReport.reference == reference)
        )
        if taken is None:
            return reference
    raise RuntimeError("could not draw an unused reference number")  # 40 random bits: never


@dataclass(frozen=True)
class PublicAnswer:
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class PublicStatus:
    """All a reference number reveals: where the report stands and what the county answered."""

    reference: str
    kind: ReportKind
    status: ReportStatus
    outcome: ReportOutcome | None
    filed_at: dt.datetime
    closed_at: dt.datetime | None
    answers: list[PublicAnswer]


def report_status(session: Session, reference: str) -> PublicStatus:
    """The public status of the report with this reference. Raises NotFoundError."""
    canonical = normalize_reference(reference)
    report = (
        session.scalar(select(FeedbackReport).where(FeedbackReport.reference == canonical))
        if canonical
        else None
    )
    if report is None:
        raise NotFoundError("report.reference_unknown")
    answers = session.execute(
        select(FeedbackStep.at, FeedbackStep.public_text)
        .where(FeedbackStep.report_id == report.id, FeedbackStep.public_text != "")
        .order_by(FeedbackStep.id)
    ).all()
    return PublicStatus(
        reference=report.reference,
        kind=report.kind,
        status=report.status,
        outcome=report.outcome,
        filed_at=report.created_at,
        closed_at=report.closed_at,
        answers=[PublicAnswer(at, text) for at, text in answers],
    )
