"""Schemas for the programme modules: stations, logistics, training, targets and the dashboard."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields

from trace.models.logistics import FacilityKind, ShipmentStatus
from trace.models.products import ProductCategory
from trace.models.stations import StationService, StationTier
from trace.models.targets import MetricKey
from trace.models.training import IncubationOutcome, TrainingKind
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

TOWNSHIP = validate.Regexp(r"^532326\d{3}$")
# Ids and times beyond what the database can hold are refused here (422), never sent to SQL.
MOMENT = validate.Range(
    min=dt.datetime(2000, 1, 1, tzinfo=dt.UTC), max=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
)


def _area() -> fields.Decimal:
    """An optional size in m² or m³: more than zero when given."""
    return fields.Decimal(
        places=2,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, min_inclusive=False, max=10**7),
    )


# Stations -----------------------------------------------------------------------------------


class StationSchema(Schema):
    id = Integer()
    name = fields.String()
    tier = fields.Enum(StationTier, by_value=True)
    township_code = fields.String()
    village_id = Integer(allow_none=True)
    village = fields.Function(lambda s: s.village.name_zh if s.village else "")
    operator = fields.String()
    address = fields.String()
    opened_on = fields.Date(allow_none=True)
    floor_area_m2 = fields.Decimal(as_string=True, allow_none=True)
    services = fields.List(fields.Enum(StationService, by_value=True))
    is_funded = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class StationCreateSchema(StrictSchema):
    name = trimmed(100, 1, required=True)
    tier = fields.String(required=True, validate=one_of(StationTier))
    township_code = fields.String(required=True, validate=TOWNSHIP)
    village = trimmed(50, load_default="")
    operator = trimmed(100, load_default="")
    address = trimmed(200, load_default="")
    opened_on = fields.Date(load_default=None, allow_none=True)
    floor_area_m2 = _area()
    services = fields.List(fields.String(validate=one_of(StationService)), load_default=list)
    is_funded = fields.Boolean(load_default=False)


class StationUpdateSchema(StationCreateSchema):
    """Every field optional: use as `StationUpdateSchema(partial=True)`."""


class StationQueryArgsSchema(QueryArgsSchema):
    tier = fields.String(validate=one_of(StationTier))
    township_code = fields.String()
    is_funded = fields.Boolean()
    service = fields.String(validate=one_of(StationService))
    q = fields.String(validate=validate.Length(max=100))


class CoverageSchema(Schema):
    township_code = fields.String()
    name_zh = fields.String()
    name_pinyin = fields.String()
    administrative_villages = Integer()
    covered_villages = Integer()
    pct = fields.Decimal(as_string=True, allow_none=True)


class CoverageReportSchema(Schema):
    target_pct = fields.Decimal(as_string=True, allow_none=True)
    county = fields.Nested(CoverageSchema)
    townships = fields.List(fields.Nested(CoverageSchema))


# Logistics ----------------------------------------------------------------------------------


class FacilitySchema(Schema):
    id = Integer()
    name = fields.String()
    kind = fields.Enum(FacilityKind, by_value=True)
    township_code = fields.String()
    station_id = Integer(allow_none=True)
    operator = fields.String()
    address = fields.String()
    floor_area_m2 = fields.Decimal(as_string=True, allow_none=True)
    volume_m3 = fields.Decimal(as_string=True, allow_none=True)
    is_active = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class FacilityCreateSchema(StrictSchema):
    name = trimmed(100, 1, required=True)
    kind = fields.String(required=True, validate=one_of(FacilityKind))
    township_code = fields.String(required=True, validate=TOWNSHIP)
    station_id = Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    operator = trimmed(100, load_default="")
    address = trimmed(200, load_default="")
    floor_area_m2 = _area()
    volume_m3 = _area()
    is_active = fields.Boolean(load_default=True)


class FacilityUpdateSchema(FacilityCreateSchema):
    """Every field optional: use as `FacilityUpdateSchema(partial=True)`."""


class FacilityQueryArgsSchema(QueryArgsSchema):
    kind = fields.String(validate=one_of(FacilityKind))
    township_code = fields.String()


class StockLineSchema(Schema):
    batch_id = Integer()
    lot = fields.String()
    product = fields.String()
    unit = fields.String()
    quantity = fields.Decimal(as_string=True)


class ShipmentLineSchema(Schema):
    batch_id = Integer()
    lot = fields.Function(lambda line: line.batch.lot)
    quantity = fields.Decimal(as_string=True)
    unit = fields.Function(lambda line: line.batch.unit.value)


class ShipmentLineCreateSchema(StrictSchema):
    batch_id = Integer(required=True, strict=True, validate=ID)
    quantity = fields.Decimal(
        required=True, places=3, validate=validate.Range(min=0, min_inclusive=False, max=10**10)
    )


class ShipmentSchema(Schema):
    id = Integer()
    reference = fields.String()
    origin_facility_id = Integer(allow_none=True)
    origin = fields.String(attribute="origin_label")
    destination_facility_id = Integer(allow_none=True)
    destination = fields.String(attribute="destination_label")
    carrier = fields.String()
    vehicle = fields.String()
    status = fields.Enum(ShipmentStatus, by_value=True)
    departed_at = fields.AwareDateTime(allow_none=True)
    arrived_at = fields.AwareDateTime(allow_none=True)
    lines = fields.List(fields.Nested(ShipmentLineSchema))
    created_at = fields.AwareDateTime()


class ShipmentCreateSchema(StrictSchema):
    origin_facility_id = Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    origin_name = trimmed(100, load_default="")
    destination_facility_id = Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    destination_name = trimmed(100, load_default="")
    carrier = trimmed(100, load_default="")
    vehicle = trimmed(20, load_default="")
    lines = fields.List(
        fields.Nested(ShipmentLineCreateSchema),
        required=True,
        validate=validate.Length(min=1, max=200),
    )
    departed_at = fields.AwareDateTime(load_default=None, allow_none=True, validate=MOMENT)


class DepartureSchema(StrictSchema):
    departed_at = fields.AwareDateTime(required=True, validate=MOMENT)


class ArrivalSchema(StrictSchema):
    arrived_at = fields.AwareDateTime(required=True, validate=MOMENT)


class ShipmentQueryArgsSchema(QueryArgsSchema):
    status = fields.String(validate=one_of(ShipmentStatus))
    facility_id = Integer(validate=ID)
    batch_id = Integer(validate=ID)


class TemperatureLimitSchema(Schema):
    product_category = fields.Enum(ProductCategory, by_value=True)
    min_c = fields.Decimal(as_string=True)
    max_c = fields.Decimal(as_string=True)
    note = fields.String()
    updated_at = fields.AwareDateTime()


class TemperatureLimitSetSchema(StrictSchema):
    min_c = fields.Decimal(required=True, places=1, validate=validate.Range(min=-60, max=60))
    max_c = fields.Decimal(required=True, places=1, validate=validate.Range(min=-60, max=60))
    note = trimmed(200, load_default="")


class TemperatureReadingSchema(Schema):
    id = Integer()
    facility_id = Integer(allow_none=True)
    vehicle = fields.String()
    shipment_id = Integer(allow_none=True)
    product_category = fields.Enum(ProductCategory, by_value=True)
    measured_at = fields.AwareDateTime()
    temperature_c = fields.Decimal(as_string=True)
    recorded_at = fields.AwareDateTime()


class TemperatureAlertBriefSchema(Schema):
    """An alert without its reading (inside the answer that recorded the reading)."""

    id = Integer()
    reading_id = Integer()
    min_c = fields.Decimal(as_string=True)
    max_c = fields.Decimal(as_string=True)
    raised_at = fields.AwareDateTime()
    is_open = fields.Boolean()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    acknowledged_by_id = Integer(allow_none=True)
    note = fields.String()


class TemperatureAlertSchema(TemperatureAlertBriefSchema):
    reading = fields.Nested(TemperatureReadingSchema)


class TemperatureRecordedSchema(TemperatureReadingSchema):
    """A new reading, with the alert it raised (null when within limits)."""

    alert = fields.Nested(TemperatureAlertBriefSchema, allow_none=True)


class TemperatureReadingCreateSchema(StrictSchema):
    facility_id = Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    vehicle = trimmed(20, load_default="")
    shipment_id = Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    product_category = fields.String(required=True, validate=one_of(ProductCategory))
    measured_at = fields.AwareDateTime(required=True, validate=MOMENT)
    temperature_c = fields.Decimal(
        required=True, places=1, validate=validate.Range(min=-60, max=80)
    )


class TemperatureReadingQueryArgsSchema(QueryArgsSchema):
    facility_id = Integer(validate=ID)
    vehicle = fields.String(validate=validate.Length(max=20))
    shipment_id = Integer(validate=ID)
    measured_from = fields.AwareDateTime(validate=MOMENT)
    measured_to = fields.AwareDateTime(validate=MOMENT)


class TemperatureAlertQueryArgsSchema(QueryArgsSchema):
    is_open = fields.Boolean()


class AcknowledgeSchema(StrictSchema):
    note = trimmed(200, load_default="")


# Training -----------------------------------------------------------------------------------


class CourseSchema(Schema):
    id = Integer()
    title = fields.String()
    kind = fields.Enum(TrainingKind, by_value=True)
    provider = fields.String()
    description = fields.String()
    created_at = fields.AwareDateTime()


class CourseCreateSchema(StrictSchema):
    title = trimmed(100, 1, required=True)
    kind = fields.String(required=True, validate=one_of(TrainingKind))
    provider = trimmed(100, load_default="")
    description = trimmed(500, load_default="")


class CourseQueryArgsSchema(QueryArgsSchema):
    kind = fields.String(validate=one_of(TrainingKind))


class TrainingSessionSchema(Schema):
    id = Integer()
    course_id = Integer()
    kind = fields.Function(lambda s: s.course.kind.value)
    township_code = fields.String()
    station_id = Integer(allow_none=True)
    venue = fields.String()
    held_on = fields.Date()
    hours = fields.Decimal(as_string=True)
    trainer = fields.String()
    attendance_count = Integer()
    created_at = fields.AwareDateTime()


class TrainingSessionCreateSchema(StrictSchema):
    course_id = Integer(required=True, strict=True, validate=ID)
    township_code = fields.String(required=True, validate=TOWNSHIP)
    station_id = Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    venue = trimmed(100, load_default="")
    held_on = fields.Date(required=True)
    hours = fields.Decimal(
        required=True, places=1, validate=validate.Range(min=0, min_inclusive=False, max=200)
    )
    trainer = trimmed(100, load_default="")


class TrainingSessionQueryArgsSchema(QueryArgsSchema):
    course_id = Integer(validate=ID)
    kind = fields.String(validate=one_of(TrainingKind))
    township_code = fields.String()
    held_from = fields.Date()
    held_to = fields.Date()


class TraineeSchema(Schema):
    id = Integer()
    name = fields.String()
    township_code = fields.String()
    village = fields.String()
    is_poverty_registered = fields.Boolean()
    is_disabled = fields.Boolean()
    created_at = fields.AwareDateTime()


class TraineeCreateSchema(StrictSchema):
    """Hardship is two flags; there is deliberately no field for an ID number."""

    name = trimmed(50, load_default="")
    township_code = fields.String(required=True, validate=TOWNSHIP)
    village = trimmed(50, load_default="")
    is_poverty_registered = fields.Boolean(load_default=False)
    is_disabled = fields.Boolean(load_default=False)


class TraineeQueryArgsSchema(QueryArgsSchema):
    township_code = fields.String()
    is_poverty_registered = fields.Boolean()
    is_disabled = fields.Boolean()


class AttendanceSchema(Schema):
    id = Integer()
    session_id = Integer()
    trainee_id = Integer()
    recorded_at = fields.AwareDateTime()


class AttendanceCreateSchema(StrictSchema):
    trainee_ids = fields.List(
        Integer(strict=True, validate=ID),
        required=True,
        validate=validate.Length(min=1, max=500),
    )


class IncubationSchema(Schema):
    id = Integer()
    trainee_id = Integer()
    mentor = fields.String()
    business = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    outcome = fields.Enum(IncubationOutcome, by_value=True)
    outcome_note = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class IncubationCreateSchema(StrictSchema):
    trainee_id = Integer(required=True, strict=True, validate=ID)
    mentor = trimmed(100, load_default="")
    business = trimmed(100, load_default="")
    started_on = fields.Date(required=True)
    ended_on = fields.Date(load_default=None, allow_none=True)
    outcome = fields.String(validate=one_of(IncubationOutcome))
    outcome_note = trimmed(300, load_default="")


class IncubationUpdateSchema(StrictSchema):
    mentor = trimmed(100)
    business = trimmed(100)
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    outcome = fields.String(validate=one_of(IncubationOutcome))
    outcome_note = trimmed(300)


class IncubationQueryArgsSchema(QueryArgsSchema):
    outcome = fields.String(validate=one_of(IncubationOutcome))


# Targets and the dashboard ------------------------------------------------------------------


class TargetSchema(Schema):
    id = Integer()
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    target_value = fields.Decimal(as_string=True)
    unit = fields.String()
    metric = fields.Enum(MetricKey, by_value=True, allow_none=True)  # office-entered targets
    sort_order = Integer()
    note = fields.String()
    updated_at = fields.AwareDateTime()


class TargetCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$"))
    label_zh = trimmed(100, 1, required=True)
    label_en = trimmed(150, load_default="")
    target_value = fields.Decimal(
        required=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=10**11)
    )
    unit = trimmed(20, load_default="")
    metric = fields.String(required=True, validate=one_of(MetricKey))
    sort_order = Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    note = trimmed(300, load_default="")


class TargetUpdateSchema(TargetCreateSchema):
    """Every field optional: use as `TargetUpdateSchema(partial=True)`."""


class ProgressSchema(Schema):
    code = fields.String(attribute="target.code")
    label_zh = fields.String(attribute="target.label_zh")
    label_en = fields.String(attribute="target.label_en")
    metric = fields.Enum(MetricKey, by_value=True, attribute="target.metric", allow_none=True)
    unit = fields.String(attribute="target.unit")
    target_value = fields.Decimal(as_string=True, attribute="target.target_value")
    current = fields.Decimal(as_string=True, allow_none=True)
    pct = fields.Decimal(as_string=True, allow_none=True)
    is_met = fields.Boolean(allow_none=True)
    is_measured = fields.Boolean()
    # Added with the plan's milestones (issue 19).
    status = fields.Function(lambda p: p.status.value)
    source = fields.String()  # records, office, reported, or "" (no figure)
    as_of = fields.Date(allow_none=True)
    figure_source = fields.Function(lambda p: p.target.figure_source.value)
    comparison = fields.Function(lambda p: p.target.comparison.value)
    baseline_year = Integer(attribute="target.baseline_year", allow_none=True)
    milestones = fields.Function(
        lambda p: [
            {
                "due_on": m.due_on.isoformat(),
                "share_pct": None if m.share_pct is None else str(m.share_pct),
                "value": None if m.value is None else str(m.value),
                "label_zh": m.label_zh,
            }
            for m in p.target.milestones
        ]
    )


StationPageSchema = page_schema(StationSchema, "StationPage")
FacilityPageSchema = page_schema(FacilitySchema, "FacilityPage")
ShipmentPageSchema = page_schema(ShipmentSchema, "ShipmentPage")
TemperatureReadingPageSchema = page_schema(TemperatureReadingSchema, "TemperatureReadingPage")
TemperatureAlertPageSchema = page_schema(TemperatureAlertSchema, "TemperatureAlertPage")
CoursePageSchema = page_schema(CourseSchema, "CoursePage")
TrainingSessionPageSchema = page_schema(TrainingSessionSchema, "TrainingSessionPage")
TraineePageSchema = page_schema(TraineeSchema, "TraineePage")
IncubationPageSchema = page_schema(IncubationSchema, "IncubationPage")
