"""Schemas for grading standards, gradings, packaging, inspections, certifications and the brand."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as MarshmallowValidationError

from trace.models.brand import DAYAO_WALNUT_BRAND, ApplicationStatus, BrandCheck
from trace.models.certifications import (
    CertificationScope,
    CertificationStatus,
    CertificationType,
    certificate_status,
    local_today,
)
from trace.models.grading import MEASURES, Bound, StandardKind
from trace.models.inspections import DispositionKind
from trace.models.packaging import PackageType
from trace.models.products import ProductCategory
from trace.schemas.common import (
    FreeFormJSON,
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)

PERCENT = validate.Range(min=0, max=100)
POSITIVE = validate.Range(min=0, max=10**6)
SNAKE_CASE = validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$", error="use a snake_case code")
# Ids are 32-bit on PostgreSQL: a larger one is refused here instead of failing in SQL.
ID = validate.Range(min=1, max=2**31 - 1)

# --- grading standards -----------------------------------------------------------------------


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


# --- gradings --------------------------------------------------------------------------------


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


# --- packaging -------------------------------------------------------------------------------


class ProductRefSchema(Schema):
    id = Integer()
    name = fields.String()
    gtin = fields.String()
    category = fields.Enum(ProductCategory, by_value=True)


class PackagingSpecSchema(Schema):
    id = Integer()
    design_code = fields.String()
    name = fields.String()
    package_type = fields.Enum(PackageType, by_value=True)
    net_content_g = Integer()
    materials = fields.String()
    length_mm = Integer(allow_none=True)
    width_mm = Integer(allow_none=True)
    height_mm = Integer(allow_none=True)
    label_template = fields.String()
    is_active = fields.Boolean()
    note = fields.String()
    products = fields.List(fields.Nested(ProductRefSchema))
    product_ids = fields.Function(lambda s: [p.id for p in s.products])
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


MILLIMETRES = validate.Range(min=1, max=5000)


class PackagingSpecCreateSchema(StrictSchema):
    design_code = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{1,29}$")
    )
    name = trimmed(100, 1, required=True)
    package_type = fields.String(required=True, validate=one_of(PackageType))
    net_content_g = Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=1_000_000)
    )
    materials = trimmed(200, load_default="")
    length_mm = Integer(load_default=None, allow_none=True, validate=MILLIMETRES)
    width_mm = Integer(load_default=None, allow_none=True, validate=MILLIMETRES)
    height_mm = Integer(load_default=None, allow_none=True, validate=MILLIMETRES)
    label_template = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "a template in labels/: a4-3x8, a4-2x5, thermal-60x40..."},
    )
    is_active = fields.Boolean(load_default=True)
    note = trimmed(500, load_default="")
    product_ids = fields.List(
        Integer(strict=True, validate=ID),
        load_default=list,
        validate=validate.Length(max=200),
    )


class PackagingSpecUpdateSchema(PackagingSpecCreateSchema):
    """Every field optional: use as `PackagingSpecUpdateSchema(partial=True)`."""


class PackagingSpecQueryArgsSchema(QueryArgsSchema):
    package_type = fields.String(validate=one_of(PackageType))
    product_id = Integer(validate=ID)
    is_active = fields.Boolean()


class PackagingReportSchema(Schema):
    designs = Integer()
    active_designs = Integer()
    target = Integer(metadata={"description": "the plan's 20+ standard designs"})
    remaining = Integer()
    meets_target = fields.Boolean()
    by_package_type = fields.Dict(keys=fields.String(), values=Integer())
    by_category = fields.Dict(keys=fields.String(), values=Integer())


# --- inspections -----------------------------------------------------------------------------


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
    reason = fields.String(allow_none=True)


# --- certifications --------------------------------------------------------------------------


def _status(certification: Any) -> str:
    return certificate_status(certification.valid_from, certification.valid_to, local_today()).value


def _days_left(certification: Any) -> int | None:
    if certification.valid_to is None:
        return None
    return (certification.valid_to - local_today()).days


_url = validate.URL(schemes={"http", "https"})


def _blank_or_url(value: str) -> None:
    if len(value) > 200:
        raise MarshmallowValidationError("at most 200 characters")
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


# --- brand admission -------------------------------------------------------------------------


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


GradingStandardPageSchema = page_schema(GradingStandardSchema, "GradingStandardPage")
PackagingSpecPageSchema = page_schema(PackagingSpecSchema, "PackagingSpecPage")
InspectionLimitPageSchema = page_schema(InspectionLimitSchema, "InspectionLimitPage")
CertificationPageSchema = page_schema(CertificationSchema, "CertificationPage")
BrandApplicationPageSchema = page_schema(BrandApplicationSchema, "BrandApplicationPage")
