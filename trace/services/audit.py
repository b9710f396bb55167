"""Writes the audit entry that accompanies every change."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from trace.models.audit import AuditEntry
from trace.policy import Actor, authorize

# Columns never copied into the audit trail.
_SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(record: Any) -> dict[str, Any]:
    """The record's column values as JSON-safe data, secrets left out."""
    mapper = inspect(record).mapper
    return {
        column.key: _json_safe(getattr(record, column.key))
        for column in mapper.column_attrs
        if column.key not in _SECRET_COLUMNS
    }


def record_change(
    session: Session,
    actor: Actor | None,
    action: str,
    record: Any,
    before: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """Append an audit entry for `record` after it was created or changed (flushes first)."""
    session.flush()
    after = snapshot(record)
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=type(record).__tablename__,
        entity_id=str(inspect(record).identity[0] if inspect(record).identity else ""),
        before=before,
        after=after,
        note=note[:500],
    )
    session.add(entry)
    session.flush()
    return entry


def list_entries(
    session: Session,
    actor: Actor | None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Newest audit entries first, optionally for one record. Raises PermissionDeniedError."""
    authorize(actor, "audit.read")
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    return list(session.scalars(query))
