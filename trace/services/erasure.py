"""Lawful erasure of a natural person's data (个人信息保护法 art. 47) that keeps every chain
verifiable.

Personal fields (a farmer's name and phone) live in the producers table, outside every hashed
event payload: events carry places, quantities and a staff user's id, never a producer's name.
Erasing them therefore changes no chain. The audit trail's snapshots of the producer do hold
the old values; those two fields are redacted in place, through the one lawful path past the
append-only trigger (this transaction only, the audit_entries table only), and the erasure is
itself audited with its reason and the entries it redacted, but not the erased values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from trace.errors import NotFoundError, ValidationError, problem
from trace.models.audit import AuditEntry
from trace.models.producers import Producer, ProducerKind
from trace.policy import Actor, authorize
from trace.services.audit import record_change

PERSONAL_FIELDS = ("name", "phone")
NATURAL_PERSONS = frozenset({ProducerKind.FARMER, ProducerKind.FAMILY_FARM})
ERASED = "（已依法删除）"


def _redacted(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {k: (ERASED if k in PERSONAL_FIELDS and v else v) for k, v in snapshot.items()}


def erase_producer(
    session: Session, actor: Actor | None, producer_id: int, reason: str, *, system: bool = False
) -> int:
    """Erase a natural-person producer's name and phone, here and in audit snapshots; returns
    how many audit entries were redacted (flushes, never commits).

    Raises NotFoundError, ValidationError (no reason, or a legal person: its name is public
    business information), PermissionDeniedError."""
    if not system:
        authorize(actor, "user.manage")
    if not reason.strip():
        raise ValidationError.for_field("reason", "erasure.reason_required")
    producer = session.get(Producer, producer_id)
    if producer is None:
        raise NotFoundError(problem("producer.not_found", id=producer_id))
    if producer.kind not in NATURAL_PERSONS:
        raise ValidationError.for_field("producer", "erasure.person_only")
    entries = list(
        session.execute(
            select(AuditEntry.id, AuditEntry.before, AuditEntry.after).where(
                AuditEntry.entity_type == Producer.__tablename__,
                AuditEntry.entity_id == str(producer_id),
            )
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('trace.lawful_rewrite', 'audit_entries', true)"))
    for entry_id, before, after in entries:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry_id)
            .values(before=_redacted(before), after=_redacted(after))
            .execution_options(synchronize_session=False)
        )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('trace.lawful_rewrite', '', true)"))
    producer.name = ERASED
    producer.phone = ""
    session.flush()
    record_change(
        session,
        actor,
        "personal_data.erase",
        producer,
        note=f"{reason.strip()} (audit entries redacted: {len(entries)})",
    )
    return len(entries)
