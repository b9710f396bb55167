"""Schemas for grading standards: grades, their specs and thresholds."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.models.grading import MEASURES, Bound, StandardKind
from trace.models.products import ProductCategory
from trace.schemas import validate
from trace.schemas.common import (
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)
from trace.schemas.quality.validators import POSITIVE


class GradeThresholdSchema(Schema):
    id = Integer()
    measure = fields.String()
    bound = fields.Enum(Bound, by_value=True)
    value = fields.Decimal(as_string=True)
    is_uncertain = fields.Boolean()
    note = fields.String()


class GradeSpecSchema(Schema):
    id = Integer()
    rank = Integer()
    name = fields.String()
    thresholds = fields.List(fields.Nested(GradeThresholdSchema))


class GradingStandardSchema(Schema):
    id = Integer()
    code = fields.String()
    version = fields.String()
    label = fields.String(metadata={"description": "code-version, e.g. GB/T 20398-2006"})
    title = fields.String()
    kind = fields.Enum(StandardKind, by_value=True)
    product_category = fields.Enum(ProductCategory, by_value=True)
    is_current = fields.Boolean()
    source = fields.String()
    grades = fields.List(fields.Nested(GradeSpecSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class GradeThresholdCreateSchema(StrictSchema):
    measure = fields.String(required=True, validate=validate.OneOf(MEASURES))
    bound = fields.String(required=True, validate=one_of(Bound))
    value = fields.Decimal(required=True, places=3, validate=POSITIVE)
    is_uncertain = fields.Boolean(load_default=False)
    note = trimmed(200, load_default="")


class GradeSpecCreateSchema(StrictSchema):
    rank = Integer(required=True, strict=True, validate=validate.Range(min=1, max=20))
    name = trimmed(20, 1, required=True)
    thresholds = fields.List(
        fields.Nested(GradeThresholdCreateSchema),
        required=True,
        validate=validate.Length(min=1, max=len(MEASURES) * 2),
    )


class GradingStandardCreateSchema(StrictSchema):
    code = trimmed(60, 1, required=True)
    version = trimmed(20, 1, required=True)
    title = trimmed(200, load_default="")
    kind = fields.String(load_default=StandardKind.GRADE.value, validate=one_of(StandardKind))
    product_category = fields.String(required=True, validate=one_of(ProductCategory))
    is_current = fields.Boolean(load_default=False)
    source = trimmed(500, load_default="")
    grades = fields.List(
        fields.Nested(GradeSpecCreateSchema), required=True, validate=validate.Length(min=1, max=20)
    )


class GradingStandardUpdateSchema(StrictSchema):
    title = trimmed(200)
    is_current = fields.Boolean()
    source = trimmed(500)


class GradeThresholdUpdateSchema(StrictSchema):
    value = fields.Decimal(places=3, validate=POSITIVE)
    is_uncertain = fields.Boolean()
    note = trimmed(200)


class GradingStandardQueryArgsSchema(QueryArgsSchema):
    kind = fields.String(validate=one_of(StandardKind))
    product_category = fields.String(validate=one_of(ProductCategory))
    code = fields.String(validate=validate.Length(max=60))
    is_current = fields.Boolean()


GradingStandardPageSchema = page_schema(GradingStandardSchema, "GradingStandardPage")
