"""Schemas for certifications (organic, green food, GI, ...) and their expiry."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from marshmallow import ValidationError as MarshmallowValidationError

from trace.clock import local_today
from trace.errors import problem
from trace.models.certifications import (
    CertificationScope,
    CertificationStatus,
    CertificationType,
    certificate_status,
)
from trace.schemas import validate
from trace.schemas.common import (
    ID,
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)


def _status(certification: Any) -> str:
    return certificate_status(certification.valid_from, certification.valid_to, local_today()).value


def _days_left(certification: Any) -> int | None:
    if certification.valid_to is None:
        return None
    return (certification.valid_to - local_today()).days


_url = validate.URL(schemes={"http", "https"})


def _blank_or_url(value: str) -> None:
    if len(value) > 200:
        raise MarshmallowValidationError([problem("field.too_long", max=200)])
    if value:
        _url(value)


class CertificationSchema(Schema):
    id = Integer()
    cert_type = fields.Enum(CertificationType, by_value=True)
    number = fields.String(allow_none=True)
    holder = fields.String()
    issuer = fields.String()
    scope = fields.Enum(CertificationScope, by_value=True)
    scope_id = Integer()
    producer_id = Integer(allow_none=True)
    product_id = Integer(allow_none=True)
    batch_id = Integer(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    status = fields.Function(
        _status,
        metadata={
            "description": "from the dates, today in Dayao: " + ", ".join(CertificationStatus)
        },
    )
    days_to_expiry = fields.Function(_days_left, allow_none=True)
    is_legacy = fields.Boolean()
    verify_url = fields.String()
    note = fields.String()
    has_file = fields.Boolean()
    file_content_type = fields.String(allow_none=True)
    file_size = Integer(allow_none=True)
    file_sha256 = fields.String(allow_none=True)
    file_uploaded_at = fields.AwareDateTime(allow_none=True)
    file_url = fields.Function(
        lambda c: f"/api/v1/certifications/{c.id}/file" if c.has_file else None, allow_none=True
    )
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class CertificationCreateSchema(StrictSchema):
    cert_type = fields.String(required=True, validate=one_of(CertificationType))
    number = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "checked by type: organic 17 digits; green food GF + 12 digits"},
    )
    holder = trimmed(100, 1, required=True)
    issuer = trimmed(100, 1, required=True)
    scope = fields.String(required=True, validate=one_of(CertificationScope))
    scope_id = Integer(required=True, strict=True, validate=ID)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None, allow_none=True)
    verify_url = fields.String(
        load_default="",
        validate=_blank_or_url,
        metadata={"description": "where the public can check the certificate"},
    )
    note = trimmed(500, load_default="")


class CertificationUpdateSchema(CertificationCreateSchema):
    """Every field optional: use as `CertificationUpdateSchema(partial=True)`."""


class CertificationQueryArgsSchema(QueryArgsSchema):
    cert_type = fields.String(validate=one_of(CertificationType))
    status = fields.String(validate=one_of(CertificationStatus))
    producer_id = Integer(validate=ID)
    product_id = Integer(validate=ID)
    batch_id = Integer(validate=ID)


class ExpiringQueryArgsSchema(Schema):
    within_days = Integer(load_default=30, validate=validate.Range(min=0, max=365))


CertificationPageSchema = page_schema(CertificationSchema, "CertificationPage")
