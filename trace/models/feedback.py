"""Consumer reports (suspected counterfeits, quality and labelling problems) and their history."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.batches import Batch
from trace.models.events import _refuse_change
from trace.models.labels import PackCode
from trace.models.producers import Producer
from trace.models.users import User


class ReportKind(enum.StrEnum):
    COUNTERFEIT = "counterfeit"  # 疑似假冒
    QUALITY = "quality"  # 质量问题
    LABELLING = "labelling"  # 标签标识问题
    OTHER = "other"


class ReportStatus(enum.StrEnum):
    NEW = "new"  # received, nobody has picked it up
    IN_PROGRESS = "in_progress"  # assigned to someone at the QC centre
    ESCALATED = "escalated"  # referred to the regulator (市场监管)
    ANSWERED = "answered"  # a public answer was given; still open until closed
    CLOSED = "closed"  # final; the outcome says what was found


OPEN_STATUSES = frozenset(
    {ReportStatus.NEW, ReportStatus.IN_PROGRESS, ReportStatus.ESCALATED, ReportStatus.ANSWERED}
)


class ReportOutcome(enum.StrEnum):
    SUBSTANTIATED = "substantiated"  # 情况属实，已处理
    UNFOUNDED = "unfounded"  # 经核查不属实
    INSUFFICIENT = "insufficient"  # 信息不足，无法核实
    DUPLICATE = "duplicate"  # 重复反映
    REFERRED = "referred"  # 移交其他部门


class ReportAction(enum.StrEnum):
    FILED = "filed"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    ESCALATED = "escalated"
    CLOSED = "closed"
    CONTACT_REVEALED = "contact_revealed"  # who looked at the reporter's contact, and when
    RECALL_OPENED = "recall_opened"  # a regulator opened a recall of the lot from this report


class ContactKind(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"


class FeedbackReport(Base):
    __tablename__ = "feedback_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # FK-2025-XXXXXXXX: what the reporter keeps to look up the status; random, never sequential.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[ReportKind] = mapped_column(StrEnumType(ReportKind, 16))
    description: Mapped[str] = mapped_column(String(2000))
    # The code as the reporter gave it; kept even when no pack has it (an unknown code is news).
    code_text: Mapped[str] = mapped_column(String(40), default="")
    pack_code_id: Mapped[int | None] = mapped_column(ForeignKey("pack_codes.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"), index=True)
    status: Mapped[ReportStatus] = mapped_column(
        StrEnumType(ReportStatus, 16), default=ReportStatus.NEW, index=True
    )
    outcome: Mapped[ReportOutcome | None] = mapped_column(StrEnumType(ReportOutcome, 16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_escalated: Mapped[bool] = mapped_column(default=False)
    public_answer: Mapped[str] = mapped_column(String(2000), default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    has_contact: Mapped[bool] = mapped_column(default=False)  # the contact itself is kept apart
    photo_stored_name: Mapped[str | None] = mapped_column(String(40))
    photo_content_type: Mapped[str] = mapped_column(String(20), default="")
    photo_size_bytes: Mapped[int | None] = mapped_column()
    locale: Mapped[str] = mapped_column(String(5), default="zh")
    # Keyed hash of the client address (see trace.web.security.client_key): spots one sender.
    client_key: Mapped[str] = mapped_column(String(32), default="", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    pack_code: Mapped[PackCode | None] = relationship()
    batch: Mapped[Batch | None] = relationship()
    producer: Mapped[Producer | None] = relationship()
    assignee: Mapped[User | None] = relationship()


class FeedbackContact(Base):
    """The reporter's phone or e-mail, in its own table so that audit snapshots of the report
    (readable by admin and regulator) never copy it; staff see it masked unless they reveal it."""

    __tablename__ = "feedback_contacts"

    report_id: Mapped[int] = mapped_column(ForeignKey("feedback_reports.id"), primary_key=True)
    kind: Mapped[ContactKind] = mapped_column(StrEnumType(ContactKind, 10))
    value: Mapped[str] = mapped_column(String(120))


class FeedbackStep(Base):
    """One step in a report's life (filed, assigned, answered...), append-only."""

    __tablename__ = "feedback_report_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("feedback_reports.id"), index=True)
    action: Mapped[ReportAction] = mapped_column(StrEnumType(ReportAction, 20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_status: Mapped[ReportStatus | None] = mapped_column(StrEnumType(ReportStatus, 16))
    to_status: Mapped[ReportStatus] = mapped_column(StrEnumType(ReportStatus, 16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[ReportOutcome | None] = mapped_column(StrEnumType(ReportOutcome, 16))
    note: Mapped[str] = mapped_column(String(2000), default="")  # internal: staff only
    public_text: Mapped[str] = mapped_column(String(2000), default="")  # shown to the reporter

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])


event.listen(FeedbackStep, "before_update", _refuse_change)
event.listen(FeedbackStep, "before_delete", _refuse_change)


class SpentFormStamp(Base):
    """The nonce of a public form's signed stamp, once a form carrying it was accepted: the same
    stamp sent again (a bot replaying one good submission) is refused. Rows older than the
    stamp's own lifetime are useless and are deleted as new ones come in."""

    __tablename__ = "spent_form_stamps"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    spent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
