"""Trace events: the append-only, hash-chained history of what happened to each lot."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, StrEnumType, UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")


class EventType(enum.StrEnum):
    """What happened; each maps to a CBV 2.0 business step when exported as EPCIS."""

    COMMISSIONING = "commissioning"  # harvest: CBV's commissioning covers harvesting
    HULLING = "hulling"  # 脱青皮
    DRYING = "drying"  # 晾晒/烘干
    GRADING = "grading"  # 分级
    SAMPLING = "sampling"
    INSPECTING = "inspecting"
    PACKING = "packing"
    STORING = "storing"
    SHIPPING = "shipping"
    RECEIVING = "receiving"
    TRANSFORMING = "transforming"
    HOLDING = "holding"
    RECALLING = "recalling"
    CORRECTING = "correcting"  # a correction of an earlier event, which stays as it was


class TraceEvent(Base):
    __tablename__ = "trace_events"
    __table_args__ = (UniqueConstraint("batch_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    sequence: Mapped[int] = mapped_column()  # 1, 2, 3... within the batch: the chain order
    event_type: Mapped[EventType] = mapped_column(StrEnumType(EventType, 20))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    location: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    corrects_event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a record that must stay as written."""


def _refuse_change(_mapper: Any, _connection: Any, target: Any) -> None:
    raise AppendOnlyError(f"{type(target).__name__} records are append-only")


event.listen(TraceEvent, "before_update", _refuse_change)
event.listen(TraceEvent, "before_delete", _refuse_change)
