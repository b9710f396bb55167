"""Appending trace events to a lot's hash chain, and reading it back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.clock import check_not_future
from trace.db import utcnow
from trace.errors import NotFoundError, ValidationError, problem
from trace.measurements import check_measurements
from trace.models.batches import GENESIS_HASH, Batch
from trace.models.events import EventType, TraceEvent
from trace.policy import Actor, authorize
from trace.services.audit import record_change

# One encoder for every digest: json.dumps with arguments builds a new one per call.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))

__all__ = [
    "GENESIS_HASH",
    "OWNED_EVENT_TYPES",
    "TYPED_EVENT_TYPES",
    "append_event",
    "digest_of",
    "event_digest",
    "list_events",
]
# Events that claim a quality fact or a lot's status are written only by the service owning the
# record behind them, never typed in: a station typing `inspecting` with `passed: true` would
# otherwise show 质量检测 合格 on the public page with no lab report at all.
OWNED_EVENT_TYPES: dict[EventType, str] = {
    EventType.INSPECTING: "an inspection (POST /batches/{id}/inspections)",
    EventType.HOLDING: "a failed inspection or a disposition",
    EventType.RECALLING: "a recall",
    EventType.COMMISSIONING: "registering the batch",
    EventType.TRANSFORMING: "a lot operation (split, merge, transform)",
}
TYPED_EVENT_TYPES = tuple(t.value for t in EventType if t not in OWNED_EVENT_TYPES)


def event_digest(event: TraceEvent, lot: str) -> str:
    """SHA-256 over the event's content and its predecessor's hash, in a canonical JSON form."""
    return digest_of(
        lot,
        event.sequence,
        EventType(event.event_type).value,
        event.occurred_at,
        event.recorded_at,
        event.location,
        event.actor_id,
        event.details,
        event.corrects_event_id,
        event.prev_hash,
    )


def digest_of(
    lot: str,
    sequence: int,
    event_type: str,
    occurred_at: dt.datetime,
    recorded_at: dt.datetime,
    location: str,
    actor_id: int | None,
    details: dict[str, Any],
    corrects_event_id: int | None,
    prev_hash: str,
) -> str:
    """event_digest on plain values: verify checks a million rows without building objects."""
    if occurred_at.tzinfo is not dt.UTC:
        occurred_at = occurred_at.astimezone(dt.UTC)
    if recorded_at.tzinfo is not dt.UTC:
        recorded_at = recorded_at.astimezone(dt.UTC)
    # The bytes json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # gives for {lot, sequence, event_type, occurred_at, recorded_at, location, actor_id, details,
    # corrects_event_id, prev_hash}, written out in key order: a third faster than building and
    # sorting the dict per event (tests/records/test_digest.py holds them equal).
    canonical = _TEMPLATE % (
        "null" if actor_id is None else int(actor_id),
        "null" if corrects_event_id is None else int(corrects_event_id),
        _CANONICAL.encode(details),
        _string(event_type),
        _string(location),
        _string(lot),
        _string(occurred_at.isoformat()),
        _string(prev_hash),
        _string(recorded_at.isoformat()),
        int(sequence),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_TEMPLATE = (
    '{"actor_id":%s,"corrects_event_id":%s,"details":%s,"event_type":%s,"location":%s,'
    '"lot":%s,"occurred_at":%s,"prev_hash":%s,"recorded_at":%s,"sequence":%d}'
)
# json's own string encoder (its C version when present), as json.dumps uses with
# ensure_ascii=False.
_string = json.encoder.encode_basestring


def append_event(
    session: Session,
    actor: Actor | None,
    batch: Batch,
    event_type: EventType | str,
    occurred_at: dt.datetime,
    location: str = "",
    details: dict[str, Any] | None = None,
    corrects_event_id: int | None = None,
    *,
    system: bool = False,
    by_owner: bool = False,
) -> TraceEvent:
    """Append an event to `batch`'s chain. Corrections point at the event they correct.

    `by_owner`: the caller is the service owning the record an OWNED_EVENT_TYPES event stands
    for; anything else may only append the other types. `system`: the permission was checked by
    the caller (it implies `by_owner`).
    Measured values in `details` (trace.measurements: drying's moisture_pct...) are checked and
    written as exact decimal text.
    Raises ValidationError (an owned type typed in, future time, bad correction target, a
    measured value out of range), PermissionDeniedError.
    """
    if not system:
        authorize(actor, "event.write", batch.township_code)
    owner = OWNED_EVENT_TYPES.get(EventType(event_type))
    if owner is not None and not (system or by_owner):
        raise ValidationError.for_field("event_type", "event.recorded_by", owner=owner)
    check_not_future(occurred_at, "occurred_at")
    # Measured values (drying's moisture...) are checked and written before they are hashed.
    details = check_measurements(event_type, details or {})
    if corrects_event_id is not None:
        target = session.get(TraceEvent, corrects_event_id)
        if target is None or target.batch_id != batch.id:
            raise ValidationError.for_field("corrects_event_id", "event.corrects_unknown")
    # Lock the batch row so two writers cannot take the same place in the chain (PostgreSQL);
    # the (batch_id, sequence) unique constraint is the backstop on every backend.
    session.execute(select(Batch.id).where(Batch.id == batch.id).with_for_update())
    last = session.execute(
        select(TraceEvent.sequence, TraceEvent.hash)
        .where(TraceEvent.batch_id == batch.id)
        .order_by(TraceEvent.sequence.desc())
        .limit(1)
    ).first()
    event = TraceEvent(
        batch_id=batch.id,
        sequence=(last.sequence + 1) if last else 1,
        event_type=EventType(event_type),
        occurred_at=occurred_at,
        recorded_at=utcnow().replace(microsecond=0),
        location=location,
        actor_id=actor.id if actor is not None else None,
        details=details or {},
        corrects_event_id=corrects_event_id,
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = event_digest(event, batch.lot)
    session.add(event)
    # Under the row lock taken above: the counters plain `verify` compares the chain with.
    batch.event_count = event.sequence
    batch.last_event_hash = event.hash
    record_change(session, actor, "event.append", event)
    return event


def list_events(session: Session, actor: Actor | None, batch_id: int) -> list[TraceEvent]:
    """A batch's events in chain order. Raises NotFoundError."""
    authorize(actor, "record.read")
    if session.get(Batch, batch_id) is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    query = select(TraceEvent).where(TraceEvent.batch_id == batch_id).order_by(TraceEvent.sequence)
    return list(session.scalars(query))
