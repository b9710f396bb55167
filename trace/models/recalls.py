"""Recalls (食品召回): a lot and everything made from it, taken off the market, and the progress."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.batches import Batch, BatchStatus, Unit
from trace.models.events import _refuse_change


class RecallStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Recall(Base):
    """A recall opened on one lot; `recall_lots` lists it and every downstream lot it covers."""

    __tablename__ = "recalls"
    __table_args__ = (CheckConstraint("level IN (1, 2, 3)", name="level_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    level: Mapped[int] = mapped_column()  # 1 most serious (食品召回管理办法 一级召回)
    reason: Mapped[str] = mapped_column(String(500))
    instructions: Mapped[str] = mapped_column(String(2000))  # what holders and consumers do
    # The reason as the public notice says it; `reason` may name internal records.
    public_reason: Mapped[str] = mapped_column(String(500), default="")
    # The consumer report the recall was opened from, if any (linked both ways on staff pages).
    report_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_reports.id"))
    status: Mapped[RecallStatus] = mapped_column(
        StrEnumType(RecallStatus, 10), default=RecallStatus.OPEN, index=True
    )
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Deadlines fixed when opened: start within 24/48/72 h, finish within 10/20/30 working days.
    start_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finish_due_on: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # first action recorded
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closing_note: Mapped[str] = mapped_column(String(1000), default="")

    batch: Mapped[Batch] = relationship(lazy="joined")

    @property
    def lot(self) -> str:
        return self.batch.lot


class RecallLot(Base):
    """A lot covered by a recall: the recalled lot itself (depth 0) or one made from it."""

    __tablename__ = "recall_lots"
    __table_args__ = (UniqueConstraint("recall_id", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    depth: Mapped[int] = mapped_column()
    previous_status: Mapped[BatchStatus] = mapped_column(StrEnumType(BatchStatus, 16))

    batch: Mapped[Batch] = relationship(lazy="joined")


class RecallActionKind(enum.StrEnum):
    NOTIFIED = "notified"  # a downstream holder (a shipment's destination) was told
    RECOVERED = "recovered"  # a quantity came back or was destroyed
    NOTE = "note"  # anything else worth keeping on the record


class RecallAction(Base):
    """One step of a recall's progress, recorded by staff; append-only."""

    __tablename__ = "recall_actions"
    __table_args__ = (
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id"), index=True)
    kind: Mapped[RecallActionKind] = mapped_column(StrEnumType(RecallActionKind, 10))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    holder: Mapped[str] = mapped_column(String(100), default="")
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    unit: Mapped[Unit | None] = mapped_column(StrEnumType(Unit, 10))
    note: Mapped[str] = mapped_column(String(500), default="")
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


for _model in (RecallLot, RecallAction):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
