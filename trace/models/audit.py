"""Audit entries: who changed what, when, with the record before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, UTCDateTime, utcnow
from trace.models.events import JSONType, _refuse_change


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    # A record's own trail (a lot page's audit section, the regulator's audit search) is found by
    # entity, not by scanning every month of the log.
    __table_args__ = (Index("ix_audit_entries_entity_type_entity_id", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50))  # e.g. "producer.create"
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(50))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    note: Mapped[str] = mapped_column(String(500), default="")  # why: a void or reprint reason
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
