"""Schemas for inspection limits, inspections with their results, and dispositions."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from trace.models.inspections import DispositionKind
from trace.models.products import ProductCategory
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
from trace.schemas.quality.validators import SNAKE_CASE


class InspectionLimitSchema(Schema):
    id = Integer()
    product_category = fields.Enum(ProductCategory, by_value=True)
    item = fields.String()
    name_zh = fields.String()
    unit = fields.String()
    min_value = fields.Decimal(as_string=True, allow_none=True)
    max_value = fields.Decimal(as_string=True, allow_none=True)
    method = fields.String()
    is_uncertain = fields.Boolean()
    source = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


LIMIT_VALUE = validate.Range(min=0, max=10**8)


class InspectionLimitCreateSchema(StrictSchema):
    product_category = fields.String(required=True, validate=one_of(ProductCategory))
    item = fields.String(required=True, validate=SNAKE_CASE)
    name_zh = trimmed(50, load_default="")
    unit = trimmed(20, 1, required=True)
    min_value = fields.Decimal(load_default=None, allow_none=True, places=4, validate=LIMIT_VALUE)
    max_value = fields.Decimal(load_default=None, allow_none=True, places=4, validate=LIMIT_VALUE)
    method = trimmed(100, load_default="")
    is_uncertain = fields.Boolean(load_default=False)
    source = trimmed(200, load_default="")


class InspectionLimitUpdateSchema(StrictSchema):
    name_zh = trimmed(50)
    unit = trimmed(20, 1)
    min_value = fields.Decimal(allow_none=True, places=4, validate=LIMIT_VALUE)
    max_value = fields.Decimal(allow_none=True, places=4, validate=LIMIT_VALUE)
    method = trimmed(100)
    is_uncertain = fields.Boolean()
    source = trimmed(200)


class InspectionLimitQueryArgsSchema(QueryArgsSchema):
    product_category = fields.String(validate=one_of(ProductCategory))
    item = fields.String(validate=validate.Length(max=40))


class InspectionResultCreateSchema(StrictSchema):
    item = fields.String(required=True, validate=SNAKE_CASE)
    value = fields.Decimal(required=True, places=4, validate=validate.Range(min=0, max=10**9))
    unit = trimmed(20, 1, required=True)
    method = trimmed(100, load_default="")


class InspectionCreateSchema(StrictSchema):
    lab = trimmed(100, 1, required=True)
    report_no = trimmed(50, 1, required=True)
    sampled_on = fields.Date(required=True)
    tested_on = fields.Date(required=True)
    results = fields.List(
        fields.Nested(InspectionResultCreateSchema),
        required=True,
        validate=validate.Length(min=1, max=100),
    )
    corrects_inspection_id = Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    note = trimmed(500, load_default="")


class LimitSchema(Schema):
    min = fields.Decimal(as_string=True, allow_none=True, attribute="limit_min")
    max = fields.Decimal(as_string=True, allow_none=True, attribute="limit_max")
    unit = fields.String()
    is_uncertain = fields.Boolean(attribute="limit_is_uncertain")


class InspectionResultSchema(Schema):
    item = fields.String()
    value = fields.Decimal(as_string=True)
    unit = fields.String()
    method = fields.String()
    limit = fields.Function(lambda r: LimitSchema().dump(r))
    passed = fields.Boolean(allow_none=True, metadata={"description": "null: no bound"})


class InspectionReportSchema(Schema):
    original_filename = fields.String()
    content_type = fields.String()
    size_bytes = Integer()
    sha256 = fields.String()
    uploaded_at = fields.AwareDateTime()


def _report_url(inspection: Any) -> str | None:
    if inspection.report is None:
        return None
    return f"/api/v1/batches/{inspection.batch_id}/inspections/{inspection.id}/report"


class InspectionSchema(Schema):
    id = Integer()
    batch_id = Integer()
    lab = fields.String()
    report_no = fields.String()
    sampled_on = fields.Date()
    tested_on = fields.Date()
    passed = fields.Boolean()
    results = fields.List(fields.Nested(InspectionResultSchema))
    corrects_inspection_id = Integer(allow_none=True)
    note = fields.String()
    report = fields.Nested(InspectionReportSchema, allow_none=True)
    report_url = fields.Function(_report_url, allow_none=True)
    recorded_by_id = Integer(allow_none=True)
    recorded_at = fields.AwareDateTime()


class UploadSchema(Schema):
    file = Upload(required=True)


class DispositionCreateSchema(StrictSchema):
    kind = fields.String(required=True, validate=one_of(DispositionKind))
    grade = trimmed(20, 1, load_default=None, allow_none=True)
    note = trimmed(500, load_default="")


class DispositionSchema(Schema):
    id = Integer()
    batch_id = Integer()
    inspection_id = Integer(allow_none=True)
    kind = fields.Enum(DispositionKind, by_value=True)
    grade = fields.String()
    note = fields.String()
    decided_by_id = Integer(allow_none=True)
    decided_at = fields.AwareDateTime()


class ReleaseCheckSchema(Schema):
    batch_id = Integer()
    status = fields.String()
    releasable = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={"description": "why not, in words"})
    reason_code = fields.Dict(
        allow_none=True,
        metadata={"description": "why not, as a message code and its parameters"},
    )


InspectionLimitPageSchema = page_schema(InspectionLimitSchema, "InspectionLimitPage")
