"""Certificates: numbers checked by type, scope, scanned copies, and validity derived from dates."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from trace.clock import local_today
from trace.db import utcnow
from trace.errors import ConflictError, NotFoundError, ValidationError, problem
from trace.models.batches import Batch
from trace.models.certifications import (
    EXPIRY_WARNING_DAYS,
    Certification,
    CertificationScope,
    CertificationStatus,
    CertificationType,
)
from trace.models.producers import Producer
from trace.models.products import Product
from trace.policy import Actor, authorize
from trace.services import quality_uploads as uploads
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate

FILE_FOLDER = "certifications"
FILE_TYPES = frozenset({uploads.PDF, uploads.JPEG, uploads.PNG})
FILE_MAX_BYTES = 5 * 1024 * 1024

# Number formats known for a type (DOMAIN.md, [V]); other types take the number as printed.
NUMBER_FORMATS: dict[CertificationType, tuple[re.Pattern[str], str]] = {
    CertificationType.ORGANIC: (re.compile(r"^\d{17}$"), "certification.organic_code"),
    CertificationType.GREEN_FOOD: (
        re.compile(r"^GF\d{6}\d{2}\d{4}$"),
        "certification.green_food_code",
    ),
}
# Types whose number may be unknown (the GI trademark's registration number is not on record).
NUMBER_OPTIONAL = frozenset({CertificationType.GI_PRODUCT, CertificationType.GI_TRADEMARK})
# Types that do not expire by themselves (GI protection); the others need an end date.
OPEN_ENDED = frozenset({CertificationType.GI_PRODUCT, CertificationType.GI_TRADEMARK})
ORGANIC_MAX_DAYS = 366  # an organic certificate is valid for one year (GB/T 19630-2019)

SCOPE_MODELS: dict[CertificationScope, tuple[type[Any], str]] = {
    CertificationScope.PRODUCER: (Producer, "producer_id"),
    CertificationScope.PRODUCT: (Product, "product_id"),
    CertificationScope.BATCH: (Batch, "batch_id"),
}


def normalise_number(raw: str | None) -> str | None:
    if raw is None:
        return None
    number = re.sub(r"\s+", "", raw).upper()
    return number or None


def number_problem(cert_type: CertificationType, number: str | None) -> str | None:
    """Why `number` is not a valid number for the type, as a message code, or None when it is."""
    if number is None:
        return None if cert_type in NUMBER_OPTIONAL else "certification.number_required"
    known = NUMBER_FORMATS.get(cert_type)
    if known is not None and not known[0].match(number):
        return known[1]
    return None


def _validate(session: Session, data: dict[str, Any], cert_id: int | None = None) -> None:
    cert_type = CertificationType(data["cert_type"])
    fault = number_problem(cert_type, data["number"])
    if fault:
        raise ValidationError.for_field("number", fault)
    valid_from: dt.date = data["valid_from"]
    valid_to: dt.date | None = data.get("valid_to")
    if valid_to is None and cert_type not in OPEN_ENDED:
        raise ValidationError.for_field("valid_to", "certification.valid_to_required")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError.for_field("valid_to", "certification.valid_to_before_from")
    if (
        cert_type is CertificationType.ORGANIC
        and valid_to is not None
        and (valid_to - valid_from).days > ORGANIC_MAX_DAYS
    ):
        raise ValidationError.for_field("valid_to", "certification.organic_one_year")
    scope = CertificationScope(data["scope"])
    model, _column = SCOPE_MODELS[scope]
    if session.get(model, data["scope_id"]) is None:
        raise ValidationError.for_field("scope_id", "certification.no_scope", scope=scope.value)
    if data["number"] is not None:
        clash = session.scalar(
            select(Certification.id).where(
                Certification.cert_type == cert_type, Certification.number == data["number"]
            )
        )
        if clash is not None and clash != cert_id:
            raise ConflictError(
                "certification.number_exists",
                {"number": ["certification.number_exists"]},
            )


def _scope_columns(scope: CertificationScope, scope_id: int) -> dict[str, int | None]:
    columns: dict[str, int | None] = {"producer_id": None, "product_id": None, "batch_id": None}
    columns[SCOPE_MODELS[scope][1]] = scope_id
    return columns


def create_certification(session: Session, actor: Actor | None, **data: Any) -> Certification:
    """Record a certificate. Raises ValidationError (number, dates, scope_id), ConflictError
    (type and number recorded), PermissionDeniedError."""
    authorize(actor, "certification.write")
    data["number"] = normalise_number(data.get("number"))
    _validate(session, data)
    scope = CertificationScope(data.pop("scope"))
    scope_id = data.pop("scope_id")
    data["cert_type"] = CertificationType(data["cert_type"])
    certification = Certification(
        **data,
        scope=scope,
        **_scope_columns(scope, scope_id),
        created_by_id=actor.id if actor is not None else None,
    )
    session.add(certification)
    record_change(session, actor, "certification.create", certification)
    return certification


def update_certification(
    session: Session, actor: Actor | None, certification_id: int, **changes: Any
) -> Certification:
    """Correct a certificate's fields (a renewal is usually a new certificate).

    Raises NotFoundError, ValidationError, ConflictError, PermissionDeniedError.
    """
    authorize(actor, "certification.write")
    certification = get_certification(session, actor, certification_id)
    before = snapshot(certification)
    if ("scope" in changes) != ("scope_id" in changes):
        missing = "scope_id" if "scope" in changes else "scope"
        raise ValidationError.for_field(missing, "certification.scope_together")
    if "number" in changes:
        changes["number"] = normalise_number(changes["number"])
    merged: dict[str, Any] = {
        "cert_type": certification.cert_type,
        "number": certification.number,
        "valid_from": certification.valid_from,
        "valid_to": certification.valid_to,
        "scope": certification.scope,
        "scope_id": certification.scope_id,
        **changes,
    }
    _validate(session, merged, certification.id)
    if "scope" in changes:
        scope = CertificationScope(changes.pop("scope"))
        changes["scope"] = scope
        changes.update(_scope_columns(scope, changes.pop("scope_id")))
    if "cert_type" in changes:
        changes["cert_type"] = CertificationType(changes["cert_type"])
    for key, value in changes.items():
        setattr(certification, key, value)
    record_change(session, actor, "certification.update", certification, before)
    return certification


def get_certification(
    session: Session, actor: Actor | None, certification_id: int
) -> Certification:
    authorize(actor, "record.read")
    certification = session.get(Certification, certification_id)
    if certification is None:
        raise NotFoundError(problem("certification.not_found", id=certification_id))
    return certification


def _status_filter(status: CertificationStatus, today: dt.date, warning_days: int) -> Any:
    soon = today + dt.timedelta(days=warning_days)
    started = Certification.valid_from <= today
    if status is CertificationStatus.NOT_YET_VALID:
        return Certification.valid_from > today
    if status is CertificationStatus.EXPIRED:
        return Certification.valid_to < today
    if status is CertificationStatus.EXPIRING:
        return started & (Certification.valid_to >= today) & (Certification.valid_to <= soon)
    return started & (Certification.valid_to.is_(None) | (Certification.valid_to > soon))


def list_certifications(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    cert_type: str | None = None,
    status: str | None = None,
    producer_id: int | None = None,
    product_id: int | None = None,
    batch_id: int | None = None,
    today: dt.date | None = None,
) -> Page[Certification]:
    """Certificates, filtered; `status` is worked out from the dates as of `today` (Dayao)."""
    authorize(actor, "record.read")
    query = select(Certification).order_by(Certification.id)
    if cert_type:
        query = query.where(Certification.cert_type == CertificationType(cert_type))
    if status:
        query = query.where(
            _status_filter(CertificationStatus(status), today or local_today(), EXPIRY_WARNING_DAYS)
        )
    for column, value in (
        (Certification.producer_id, producer_id),
        (Certification.product_id, product_id),
        (Certification.batch_id, batch_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return paginate(session, query, page, per_page)


def certificates_for_batch(
    session: Session, batch: Batch, today: dt.date | None = None
) -> list[Certification]:
    """The certificates valid today that apply to the batch: its own, its product's and its
    producer's. Expired and not-yet-valid ones never reach public pages."""
    today = today or local_today()
    query = (
        select(Certification)
        .where(
            or_(
                Certification.batch_id == batch.id,
                Certification.product_id == batch.product_id,
                Certification.producer_id == batch.producer_id,
            ),
            Certification.valid_from <= today,
            Certification.valid_to.is_(None) | (Certification.valid_to >= today),
        )
        .order_by(Certification.cert_type, Certification.id)
    )
    return list(session.scalars(query))


def expiring_certificates(
    session: Session, within_days: int = 30, today: dt.date | None = None
) -> list[Certification]:
    """Certificates still valid that end within `within_days`, soonest first (staff dashboard)."""
    today = today or local_today()
    query = (
        select(Certification)
        .where(
            Certification.valid_from <= today,
            Certification.valid_to >= today,
            Certification.valid_to <= today + dt.timedelta(days=within_days),
        )
        .order_by(Certification.valid_to, Certification.id)
    )
    return list(session.scalars(query))


def attach_file(
    session: Session,
    actor: Actor | None,
    certification_id: int,
    *,
    data: bytes,
    content_type: str,
    filename: str,
    upload_dir: Path,
    max_bytes: int = FILE_MAX_BYTES,
) -> Certification:
    """Store the scanned certificate (PDF, JPEG or PNG), replacing an earlier scan.

    Raises NotFoundError, ValidationError (file), PermissionDeniedError.
    """
    authorize(actor, "certification.write")
    certification = get_certification(session, actor, certification_id)
    stored = uploads.store_upload(
        upload_dir, FILE_FOLDER, data, content_type, filename, FILE_TYPES, max_bytes
    )
    before = snapshot(certification)
    certification.file_stored_name = stored.stored_name
    certification.file_content_type = stored.content_type
    certification.file_size = stored.size_bytes
    certification.file_sha256 = stored.sha256
    certification.file_uploaded_at = utcnow()
    record_change(session, actor, "certification.file", certification, before)
    return certification


def certificate_file(
    session: Session, actor: Actor | None, certification_id: int, upload_dir: Path
) -> tuple[Certification, Path]:
    """The certificate and the path of its scan, for signed-in staff. Raises NotFoundError."""
    certification = get_certification(session, actor, certification_id)
    if certification.file_stored_name is None:
        raise NotFoundError("certification.no_scan")
    return certification, uploads.stored_path(
        upload_dir, FILE_FOLDER, certification.file_stored_name
    )
