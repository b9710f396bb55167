"""Registering and updating producers."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, text
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
# PostgreSQL advisory lock taken by every registration (transaction-scoped): two people
# registering the same farmer at once are checked one after the other, so the second is
# warned instead of both being saved. SQLite's writing transactions are serial already.
REGISTRATION_LOCK = 0x7472_6163_6501  # "trace" + 1


class PossibleDuplicateError(ConflictError):
    """A producer with the same name in the same village, or the same phone, is registered
    already; `duplicates` are those records. Registering again with confirm_duplicate=True
    saves anyway (a second 张秀英 in 大箐村 does happen)."""

    code = "possible_duplicate"

    def __init__(self, duplicates: list[Producer]) -> None:
        self.duplicates = duplicates
        found = problem(
            "producer.possible_duplicate",
            count=len(duplicates),
            ids=[p.id for p in duplicates],
        )
        super().__init__(found, {"name": [found]})


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def find_duplicates(
    session: Session,
    name: str,
    township_code: str,
    village: str = "",
    phone: str = "",
    exclude_id: int | None = None,
) -> list[Producer]:
    """Producers that may be the same one: the same name in the same township and village, or
    the same phone number (compared by its digits: 0878-1234567 is 08781234567); oldest first."""
    same_place = (
        (Producer.name == name.strip())
        & (Producer.township_code == township_code)
        & (Producer.village == village.strip())
    )
    conditions: list[ColumnElement[bool]] = [same_place]
    digits = _digits(phone)
    if digits:
        stored = func.replace(func.replace(Producer.phone, "-", ""), " ", "")
        conditions.append(stored == digits)
    query = select(Producer).where(or_(*conditions)).order_by(Producer.id).limit(10)
    if exclude_id is not None:
        query = query.where(Producer.id != exclude_id)
    return list(session.scalars(query))


def _lock_registrations(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTRATION_LOCK})


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


def create_producer(
    session: Session,
    actor: Actor | None,
    *,
    confirm_duplicate: bool | Collection[int] = False,
    **data: Any,
) -> Producer:
    """Register a producer. A person or family farm without a credit code that may be
    registered already (find_duplicates) is refused with PossibleDuplicateError naming those
    records, unless `confirm_duplicate` is True or holds the ids of every one of them (the
    ones the page showed: a different duplicate found since is warned about again).

    Raises ValidationError, ConflictError (a credit code taken; PossibleDuplicateError),
    PermissionDeniedError."""
    authorize(actor, "producer.write", data.get("township_code"))
    data["credit_code"] = (data.get("credit_code") or "").strip().upper() or None
    data["kind"] = ProducerKind(data["kind"])
    _check(session, data)
    _lock_registrations(session)
    # A 统一社会信用代码 tells legal persons apart (it is unique, checked above); people and
    # family farms without one are matched by name and village, or phone.
    if data["credit_code"] is None and confirm_duplicate is not True:
        duplicates = find_duplicates(
            session,
            data["name"],
            data["township_code"],
            data.get("village") or "",
            data.get("phone") or "",
        )
        seen = set() if confirm_duplicate is False else set(confirm_duplicate)
        if any(d.id not in seen for d in duplicates):
            raise PossibleDuplicateError(duplicates)
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
    newest_first: bool = False,
) -> Page[Producer]:
    """Producers in the order registered, or the newest first (the staff pages' cards)."""
    authorize(actor, "record.read")
    query = select(Producer).order_by(Producer.id.desc() if newest_first else Producer.id)
    if township_code:
        query = query.where(Producer.township_code == township_code)
    if kind:
        query = query.where(Producer.kind == ProducerKind(kind))
    if q:
        query = query.where(Producer.name.contains(q, autoescape=True))
    return paginate(session, query, page, per_page)
