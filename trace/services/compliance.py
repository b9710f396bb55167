"""承诺达标合格证 (MARA Order 2025 No. 4, in force 2026-02-01): issue, list, find, re-issue.

A certificate is issued per production batch by the QC centre or the producer's township
station, with 产品名称, 数量, 产地, 开具时间, 承诺主体, 联系方式 and the promise. Each one is kept
as an append-only record (the order asks issuers to keep them at least six months; we never
delete them), numbered, reachable from the lot and from its own public page (its QR code).
A lot that is held, recalled, closed or failed its latest inspection gets none. A merge, split
or repack (transform) makes new lots; each new lot gets a new certificate automatically when
any lot it was made from had one, as the order asks of whoever mixes or repacks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trace.clock import local_date
from trace.db import utcnow
from trace.errors import InvalidTransitionError, NotFoundError, Problem, ValidationError, problem
from trace.models.batches import Batch
from trace.models.compliance import PROMISES, CertificateSource, ComplianceRecord
from trace.models.genealogy import LotOperation
from trace.models.regions import Township
from trace.policy import Actor, authorize
from trace.services.audit import record_change
from trace.services.inspections import release_problem

COUNTY = "云南省楚雄彝族自治州大姚县"
# Refusals for a certificate: a lot not yet inspected may still be promised (the certificate is
# the producer's own promise); one that is held, recalled, closed or failed may not.
_NOT_YET_INSPECTED = "batch.not_inspected"


def certificate_problem(session: Session, batch: Batch) -> tuple[str, Problem] | None:
    """Why no 合格证 may be issued for the batch, as (field, problem), or None."""
    found = release_problem(session, batch)
    return None if found is not None and found[1].code == _NOT_YET_INSPECTED else found


def assert_certifiable(session: Session, batch: Batch) -> None:
    """Raise InvalidTransitionError (409) with the reason when no 合格证 may be issued."""
    found = certificate_problem(session, batch)
    if found is not None:
        field, reason = found
        raise InvalidTransitionError(
            problem("compliance.not_certifiable", lot=batch.lot, reason=reason.code),
            {field: [reason]},
        )


def origin_of(session: Session, batch: Batch) -> str:
    place = session.get(Township, batch.township_code)
    return COUNTY + (place.name_zh if place else "") + batch.village


def _number(session: Session, batch: Batch, at: dt.datetime) -> str:
    """HG + local date + batch id + the batch's running count; unique under the batch's lock."""
    issued = session.scalar(
        select(func.count(ComplianceRecord.id)).where(ComplianceRecord.batch_id == batch.id)
    )
    day = local_date(at)
    return f"HG{day:%Y%m%d}-{batch.id:05d}-{(issued or 0) + 1:02d}"


def issue_certificate(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    quantity: Decimal | None = None,
    contact: str | None = None,
) -> ComplianceRecord:
    """Issue a 合格证 for (part of) a batch: `quantity` in the batch's unit, default all of it;
    `contact` defaults to the producer's phone.

    Raises NotFoundError, InvalidTransitionError (held, recalled, closed or failed: 409 with the
    reason), ValidationError (quantity, contact), PermissionDeniedError (a station outside its
    township, a regulator).
    """
    authorize(actor, "compliance.issue")
    batch = session.scalar(select(Batch).where(Batch.id == batch_id).with_for_update(of=Batch))
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    authorize(actor, "compliance.issue", batch.township_code)
    return _issue(session, actor, batch, quantity, contact, CertificateSource.ISSUED, None)


def _issue(
    session: Session,
    actor: Actor | None,
    batch: Batch,
    quantity: Decimal | None,
    contact: str | None,
    source: CertificateSource,
    operation: LotOperation | None,
) -> ComplianceRecord:
    assert_certifiable(session, batch)
    amount = batch.quantity if quantity is None else quantity
    if not 0 < amount <= batch.quantity:
        raise ValidationError.for_field(
            "quantity",
            "compliance.quantity_range",
            max=f"{batch.quantity.normalize():f}",
        )
    phone = (contact if contact is not None else batch.producer.phone).strip()
    if not phone:
        raise ValidationError.for_field("contact", "compliance.contact_required")
    if len(phone) > 40:
        raise ValidationError.for_field("contact", "field.too_long", max=40)
    now = utcnow()
    record = ComplianceRecord(
        number=_number(session, batch, now),
        batch_id=batch.id,
        product_name=batch.product.name,
        quantity=amount,
        unit=batch.unit,
        origin=origin_of(session, batch),
        promiser=batch.producer.name,
        contact=phone,
        promise="；".join(PROMISES),
        source=source,
        operation_id=operation.id if operation is not None else None,
        issued_at=now,
        issued_by_id=getattr(actor, "id", None),
    )
    session.add(record)
    session.flush()
    record_change(session, actor, "compliance_certificate.issue", record, note=record.number)
    return record


def reissue_for_operation(
    session: Session,
    actor: Actor | None,
    operation: LotOperation,
    parents: list[Batch],
    children: list[Batch],
) -> list[ComplianceRecord]:
    """New certificates for the lots a merge, split or transform made, when any parent had one
    (the mixer or repacker issues anew). The contact is the new lot's producer's phone, else the
    parent certificate's. A child that may not be certified gets none (nothing is refused)."""
    parent_ids = [p.id for p in parents]
    latest = session.scalar(
        select(ComplianceRecord)
        .where(ComplianceRecord.batch_id.in_(parent_ids))
        .order_by(ComplianceRecord.id.desc())
        .limit(1)
    )
    if latest is None:
        return []
    issued = []
    for child in children:
        if certificate_problem(session, child) is not None:
            continue
        contact = child.producer.phone or latest.contact
        issued.append(
            _issue(session, actor, child, None, contact, CertificateSource.REISSUED, operation)
        )
    return issued


def list_certificates(
    session: Session, actor: Actor | None, batch_id: int
) -> list[ComplianceRecord]:
    """Every certificate of a lot, newest first."""
    authorize(actor, "record.read")
    query = (
        select(ComplianceRecord)
        .where(ComplianceRecord.batch_id == batch_id)
        .order_by(ComplianceRecord.id.desc())
    )
    return list(session.scalars(query))


def get_certificate(session: Session, actor: Actor | None, certificate_id: int) -> ComplianceRecord:
    """Raises NotFoundError."""
    authorize(actor, "record.read")
    record = session.get(ComplianceRecord, certificate_id)
    if record is None:
        raise NotFoundError(problem("compliance.not_found", id=certificate_id))
    return record


def find_by_number(session: Session, number: str) -> ComplianceRecord | None:
    """The certificate a printed QR code names (public: no actor)."""
    return session.scalar(select(ComplianceRecord).where(ComplianceRecord.number == number))


def latest_or_issue(session: Session, actor: Actor | None, batch_id: int) -> ComplianceRecord:
    """The batch's newest certificate, issuing the first one when there is none (the older
    `GET .../compliance-certificate.pdf` printed one on the fly and recorded nothing).

    Raises as issue_certificate; a batch that may no longer be certified is refused even when
    an older certificate exists (a recalled lot's certificate is not printed again)."""
    authorize(actor, "compliance.issue")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    assert_certifiable(session, batch)
    latest = session.scalar(
        select(ComplianceRecord)
        .where(ComplianceRecord.batch_id == batch_id)
        .order_by(ComplianceRecord.id.desc())
        .limit(1)
    )
    return latest if latest is not None else issue_certificate(session, actor, batch_id)


def printable(session: Session, actor: Actor | None, certificate_id: int) -> ComplianceRecord:
    """A certificate to print again: refused (409) once its lot is held, recalled or closed."""
    record = get_certificate(session, actor, certificate_id)
    assert_certifiable(session, record.batch)
    return record
