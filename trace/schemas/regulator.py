"""Query arguments of the regulator's pages: lot search, audit trail, date-range exports."""

from __future__ import annotations

from marshmallow import fields

from trace.models.batches import BatchStatus
from trace.models.certifications import CertificationType
from trace.schemas import validate
from trace.schemas.common import Integer, QueryArgsSchema, one_of


class LotSearchArgsSchema(QueryArgsSchema):
    lot = fields.String(validate=validate.Length(max=20))
    product_id = Integer()
    producer = fields.String(validate=validate.Length(max=100))
    township_code = fields.String(validate=validate.Regexp(r"^532326\d{3}$"))
    status = fields.String(validate=one_of(BatchStatus))
    harvested_from = fields.Date()
    harvested_to = fields.Date()
    cert_type = fields.String(validate=one_of(CertificationType))


class AuditArgsSchema(QueryArgsSchema):
    entity_type = fields.String(validate=validate.Regexp(r"^[a-z_]{1,50}$"))
    entity_id = fields.String(validate=validate.Length(max=50))


class ExportFormArgsSchema(QueryArgsSchema):
    format = fields.String(validate=validate.OneOf(["csv", "xlsx"]))
    occurred_from = fields.Date()
    occurred_to = fields.Date()
    lot = fields.String(validate=validate.Length(max=20))
