"""Registering and updating producers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import ConflictError, NotFoundError, ValidationError, problem
from trace.identifiers import credit_code_problem, is_valid_phone
from trace.models.producers import Producer, ProducerKind
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate
from trace.services.printable import PRODUCER_FIELDS, check_printable, printed_fields
from trace.services.regions import require_township

LEGAL_PERSON_KINDS = frozenset({ProducerKind.COOPERATIVE, ProducerKind.ENTERPRISE})


def _check(session: Session, data: dict[str, Any], producer_id: int | None = None) -> None:
    kind = ProducerKind(data["kind"])
    require_township(session, data["township_code"])
    credit_code = data.get("credit_code") or None
    if kind in LEGAL_PERSON_KINDS and not credit_code:
        raise ValidationError.for_field("credit_code", "producer.credit_code_required")
    if credit_code:
        fault = credit_code_problem(credit_code)
        if fault:
            raise ValidationError.for_field("credit_code", fault)
        clash = session.scalar(select(Producer.id).where(Producer.credit_code == credit_code))
        if clash is not None and clash != producer_id:
            raise ConflictError(
                "producer.credit_code_exists", {"credit_code": ["producer.credit_code_exists"]}
            )
    phone = data.get("phone") or ""
    if phone and not is_valid_phone(phone):
        raise ValidationError.for_field("phone", "phone.invalid")
    check_printable(printed_fields(data, PRODUCER_FIELDS))


def create_producer(session: Session, actor: Actor | None, **data: Any) -> Producer:
    """Register a producer. Raises ValidationError, ConflictError, PermissionDeniedError."""
    authorize(actor, "producer.write", data.get("township_code"))
    data["credit_code"] = (data.get("credit_code") or "").strip().upper() or None
    data["kind"] = ProducerKind(data["kind"])
    _check(session, data)
    producer = Producer(**data)
    session.add(producer)
    record_change(session, actor, "producer.create", producer)
    return producer


def update_producer(
    session: Session, actor: Actor | None, producer_id: int, **changes: Any
) -> Producer:
    """Change a producer's fields. Raises NotFoundError, ValidationError, ConflictError."""
    producer = get_producer(session, actor, producer_id)
    authorize(actor, "producer.write", producer.township_code)
    before = snapshot(producer)
    if "credit_code" in changes:
        changes["credit_code"] = (changes["credit_code"] or "").strip().upper() or None
    merged = {**before, **changes}
    authorize(actor, "producer.write", merged["township_code"])
    _check(session, merged, producer.id)
    if "kind" in changes:
        changes["kind"] = ProducerKind(changes["kind"])
    for key, value in changes.items():
        setattr(producer, key, value)
    record_change(session, actor, "producer.update", producer, before)
    return producer


def get_producer(session: Session, actor: Actor | None, producer_id: int) -> Producer:
    authorize(actor, "record.read")
    producer = session.get(Producer, producer_id)
    if producer is None:
        raise NotFoundError(problem("producer.not_found", id=producer_id))
    return producer


def list_producers(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    township_code: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> Page[Producer]:
    authorize(actor, "record.read")
    query = select(Producer).order_by(Producer.id)
    if township_code:
        query = query.where(Producer.township_code == township_code)
    if kind:
        query = query.where(Producer.kind == ProducerKind(kind))
    if q:
        query = query.where(Producer.name.contains(q, autoescape=True))
    return paginate(session, query, page, per_page)
