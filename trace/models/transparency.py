"""Signed checkpoints of every lot's chain, and the record of checks made against them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, UTCDateTime, utcnow
from trace.models.events import JSONType, _refuse_change


class Checkpoint(Base):
    """One signed statement: every lot's chain head and event count folded into a Merkle root,
    with the previous checkpoint's hash, so that a published copy pins today's history."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(unique=True)  # 1, 2, 3...: the public number
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lot_count: Mapped[int] = mapped_column()
    event_count: Mapped[int] = mapped_column()
    root: Mapped[str] = mapped_column(String(64))  # RFC 6962 Merkle tree hash, hex
    previous_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))  # Ed25519, base64
    hash: Mapped[str] = mapped_column(String(64), unique=True)  # of the signed statement
    # The leaves as published (JSON [[lot, count, head], ...] in lot order): who keeps a copy can
    # name the lots that changed, and anyone can get one lot's inclusion proof.
    leaves: Mapped[str] = mapped_column(Text)


class ConsistencyCheck(Base):
    """The outcome of checking the database against a checkpoint (the daily job, or by hand)."""

    __tablename__ = "consistency_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    checkpoint_sequence: Mapped[int] = mapped_column()
    lots_checked: Mapped[int] = mapped_column()
    events_checked: Mapped[int] = mapped_column()
    is_consistent: Mapped[bool] = mapped_column()
    # [{"lot", "problem", "detail"}...], at most a few hundred: enough to name what changed.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


for _model in (Checkpoint, ConsistencyCheck):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
