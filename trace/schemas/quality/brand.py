"""Schemas for the 大姚核桃 brand: admission rules, applications and the marks a lot may print."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.models.brand import DAYAO_WALNUT_BRAND, ApplicationStatus, BrandCheck
from trace.schemas import validate
from trace.schemas.common import (
    ID,
    FreeFormJSON,
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)


class BrandRuleSchema(Schema):
    id = Integer()
    brand = fields.String()
    kind = fields.Enum(BrandCheck, by_value=True)
    params = fields.Dict()
    description = fields.String()
    is_active = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class BrandRuleCreateSchema(StrictSchema):
    brand = trimmed(50, 1, load_default=DAYAO_WALNUT_BRAND)
    kind = fields.String(required=True, validate=one_of(BrandCheck))
    params = FreeFormJSON(load_default=dict)
    description = trimmed(200, load_default="")
    is_active = fields.Boolean(load_default=True)


class BrandRuleUpdateSchema(StrictSchema):
    params = FreeFormJSON()
    description = trimmed(200)
    is_active = fields.Boolean()


class BrandRuleQueryArgsSchema(Schema):
    brand = fields.String(validate=validate.Length(max=50))


class RuleResultSchema(Schema):
    kind = fields.String()
    passed = fields.Boolean()
    reason = fields.String()


class BrandApplicationSchema(Schema):
    id = Integer()
    brand = fields.String()
    producer_id = Integer()
    product_id = Integer()
    status = fields.Enum(ApplicationStatus, by_value=True)
    note = fields.String()
    rule_results = fields.List(fields.Nested(RuleResultSchema))
    decision_reasons = fields.List(fields.String())
    filed_by_id = Integer(allow_none=True)
    filed_at = fields.AwareDateTime()
    reviewed_by_id = Integer(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    suspended_by_id = Integer(allow_none=True)
    suspended_at = fields.AwareDateTime(allow_none=True)
    suspension_reason = fields.String()


class BrandApplicationCreateSchema(StrictSchema):
    producer_id = Integer(required=True, strict=True, validate=ID)
    product_id = Integer(required=True, strict=True, validate=ID)
    brand = trimmed(50, 1, load_default=DAYAO_WALNUT_BRAND)
    note = trimmed(500, load_default="")


class ApproveSchema(StrictSchema):
    note = trimmed(500, load_default="")


class RejectSchema(StrictSchema):
    reasons = fields.List(trimmed(500, 1), required=True, validate=validate.Length(min=1, max=20))


class SuspendSchema(StrictSchema):
    reason = trimmed(500, 1, required=True)


class BrandApplicationQueryArgsSchema(QueryArgsSchema):
    status = fields.String(validate=one_of(ApplicationStatus))
    producer_id = Integer(validate=ID)
    product_id = Integer(validate=ID)
    brand = fields.String(validate=validate.Length(max=50))


class MarksQueryArgsSchema(Schema):
    producer_id = Integer(required=True, validate=ID)
    product_id = Integer(required=True, validate=ID)


class MarksSchema(Schema):
    producer_id = Integer()
    product_id = Integer()
    brand = fields.String()
    brand_mark = fields.Boolean(metadata={"description": "admitted and not suspended"})
    gi_mark = fields.Boolean(metadata={"description": "authorised GI-mark user, walnut product"})


BrandApplicationPageSchema = page_schema(BrandApplicationSchema, "BrandApplicationPage")
