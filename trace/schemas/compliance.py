"""承诺达标合格证 records: issue (in) and the record (out)."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.models.batches import Unit
from trace.models.compliance import CertificateSource
from trace.schemas import validate
from trace.schemas.common import Integer, StrictSchema, trimmed

CERTIFICATE_TEMPLATES = ("compliance-cert", "compliance-sticker")


class ComplianceIssueSchema(StrictSchema):
    quantity = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=3,
        validate=validate.Range(min=0, min_inclusive=False, max=10**10),
        metadata={"description": "数量 in the batch's unit; default the whole batch"},
    )
    contact = trimmed(40, load_default=None, allow_none=True)


class ComplianceCertificateSchema(Schema):
    id = Integer()
    number = fields.String()
    batch_id = Integer()
    lot = fields.Function(lambda record: record.batch.lot)
    product_name = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.Enum(Unit, by_value=True)
    origin = fields.String()
    promiser = fields.String()
    contact = fields.String()
    promise = fields.String()
    source = fields.Enum(CertificateSource, by_value=True)
    operation_id = Integer(allow_none=True)
    issued_at = fields.AwareDateTime()
    issued_by_id = Integer(allow_none=True)
    pdf_url = fields.String()
    public_url = fields.String()


class CertificatePdfArgsSchema(Schema):
    template = fields.String(
        load_default="compliance-cert", validate=validate.OneOf(CERTIFICATE_TEMPLATES)
    )
