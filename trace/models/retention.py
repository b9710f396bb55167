"""Retention periods as data (with their legal source) and the archives of what was removed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, UTCDateTime, utcnow
from trace.models.events import _refuse_change


class RetentionRule(Base):
    """How long one kind of record is kept, counted from when, and whether it may then go."""

    __tablename__ = "retention_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(40), unique=True)  # trace.services.retention
    period_days: Mapped[int] = mapped_column()
    counted_from: Mapped[str] = mapped_column(String(40))  # e.g. scanned_at, closed_at
    # False: kept beyond the legal minimum (the period is shown, nothing is ever removed).
    is_removable: Mapped[bool] = mapped_column(default=False)
    legal_source: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(1000), default="")  # why this period, why kept
    # A log partitioned by month (PostgreSQL: trace.services.partitions): how many whole months,
    # the current one included, stay attached; older partitions are detached and archived.
    # NULL keeps every month attached.
    attached_months: Mapped[int | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RetentionArchive(Base):
    """One run's export of records past their period, verified before they were removed."""

    __tablename__ = "retention_archives"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cutoff_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # older than this was due
    records: Mapped[int] = mapped_column()
    archive_name: Mapped[str] = mapped_column(String(200))  # under the instance's archives/
    sha256: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


event.listen(RetentionArchive, "before_update", _refuse_change)
event.listen(RetentionArchive, "before_delete", _refuse_change)
