"""Schemas for grading a batch: measurements in, grade, checks and shortfalls out."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.schemas import validate
from trace.schemas.common import (
    ID,
    Integer,
    StrictSchema,
    trimmed,
)
from trace.schemas.quality.validators import PERCENT


class MeasurementsSchema(StrictSchema):
    diameter_mm = fields.Decimal(validate=validate.Range(min=0, max=100))
    mean_nut_weight_g = fields.Decimal(validate=validate.Range(min=0, max=100))
    kernel_ratio_pct = fields.Decimal(validate=PERCENT)
    empty_shell_pct = fields.Decimal(validate=PERCENT)
    broken_pct = fields.Decimal(validate=PERCENT)
    black_spot_pct = fields.Decimal(validate=PERCENT)
    moisture_pct = fields.Decimal(validate=PERCENT)
    fat_pct = fields.Decimal(validate=PERCENT)
    protein_pct = fields.Decimal(validate=PERCENT)


class GradingCreateSchema(StrictSchema):
    graded_on = fields.Date(required=True)
    measurements = fields.Nested(MeasurementsSchema, required=True)
    standard_id = Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=ID,
        metadata={"description": "default: the current grading standard for the product"},
    )
    claimed_grade = trimmed(
        20,
        load_default=None,
        allow_none=True,
        metadata={"description": "refused when the measurements do not support it"},
    )
    sample_size = Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=10**6)
    )
    location = trimmed(200, load_default="")
    note = trimmed(500, load_default="")


class CheckSchema(Schema):
    measure = fields.String()
    bound = fields.String()
    limit = fields.String()
    value = fields.String(allow_none=True)
    is_uncertain = fields.Boolean()


class ShortfallSchema(Schema):
    grade = fields.String()
    rank = Integer()
    failed = fields.List(fields.Nested(CheckSchema))


class GiConformitySchema(Schema):
    standard = fields.String()
    standard_id = Integer()
    passed = fields.Boolean()
    failed = fields.List(fields.Nested(CheckSchema))


class GradingSchema(Schema):
    id = Integer()
    batch_id = Integer()
    standard_id = Integer()
    standard = fields.Function(lambda g: g.standard.label)
    graded_on = fields.Date()
    sample_size = Integer(allow_none=True)
    measurements = fields.Dict(keys=fields.String(), values=fields.String())
    computed_grade = fields.String(metadata={"description": "the highest grade met, or 等外"})
    grade = fields.String(metadata={"description": "recorded on the lot"})
    claimed_grade = fields.String(allow_none=True)
    higher_grades = fields.List(
        fields.Nested(ShortfallSchema),
        attribute="shortfalls",
        metadata={"description": "each grade above the one met, with the thresholds it failed"},
    )
    gi_conformity = fields.Nested(GiConformitySchema, allow_none=True)
    location = fields.String()
    note = fields.String()
    graded_by_id = Integer(allow_none=True)
    created_at = fields.AwareDateTime()
