"""Schemas for recalls, their progress actions, and export query arguments."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from trace.models.batches import Unit
from trace.models.recalls import RecallActionKind, RecallStatus
from trace.schemas import validate
from trace.schemas.common import (
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)
from trace.schemas.genealogy import LotRefSchema


class RecallCreateSchema(StrictSchema):
    batch_id = Integer(required=True, strict=True)
    level = Integer(required=True, strict=True, validate=validate.OneOf([1, 2, 3]))
    reason = trimmed(500, 1, required=True)
    instructions = trimmed(2000, 1, required=True)
    public_reason = trimmed(500, load_default="")
    report_id = Integer(load_default=None, allow_none=True, strict=True)


class RecallCloseSchema(StrictSchema):
    note = trimmed(1000, 1, required=True)


class RecallActionCreateSchema(StrictSchema):
    kind = fields.String(required=True, validate=one_of(RecallActionKind))
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True)
    batch_id = Integer(load_default=None, allow_none=True, strict=True)
    shipment_id = Integer(load_default=None, allow_none=True, strict=True)
    holder = trimmed(100, load_default="")
    quantity = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=3,
        validate=validate.Range(min=0, min_inclusive=False, max=10**10),
    )
    unit = fields.String(load_default=None, allow_none=True, validate=one_of(Unit))
    note = trimmed(500, load_default="")


class RecallActionSchema(Schema):
    id = Integer()
    kind = fields.Enum(RecallActionKind, by_value=True)
    batch_id = Integer(allow_none=True)
    shipment_id = Integer(allow_none=True)
    holder = fields.String()
    quantity = fields.Decimal(as_string=True, allow_none=True)
    unit = fields.Enum(Unit, by_value=True, allow_none=True)
    note = fields.String()
    occurred_at = fields.AwareDateTime()
    recorded_by_id = Integer(allow_none=True)
    recorded_at = fields.AwareDateTime()


class RecallSchema(Schema):
    id = Integer()
    batch_id = Integer()
    lot = fields.String()
    level = Integer()
    reason = fields.String()
    public_reason = fields.String()
    report_id = Integer(allow_none=True)
    instructions = fields.String()
    status = fields.Enum(RecallStatus, by_value=True)
    opened_at = fields.AwareDateTime()
    opened_by_id = Integer(allow_none=True)
    start_due_at = fields.AwareDateTime()
    finish_due_on = fields.Date()
    started_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    closed_by_id = Integer(allow_none=True)
    closing_note = fields.String()


RecallPageSchema = page_schema(RecallSchema, "RecallPage")


class RecallQueryArgsSchema(QueryArgsSchema):
    status = fields.String(validate=one_of(RecallStatus))
    level = Integer(validate=validate.OneOf([1, 2, 3]))
    batch_id = Integer()


class RecallLotSchema(Schema):
    batch = fields.Nested(LotRefSchema)
    depth = Integer()
    pack_codes = Integer()
    recovered = fields.Decimal(as_string=True)
    recovered_pct = fields.Decimal(as_string=True)


class HolderSchema(Schema):
    shipment_id = Integer()
    reference = fields.String()
    name = fields.String()
    status = fields.String()
    lots = fields.List(fields.String())
    is_notified = fields.Boolean()
    notified_at = fields.AwareDateTime(allow_none=True)


class TotalSchema(Schema):
    quantity = fields.Decimal(as_string=True)
    recovered = fields.Decimal(as_string=True)


class RecallProgressSchema(Schema):
    recall = fields.Nested(RecallSchema)
    lots = fields.List(fields.Nested(RecallLotSchema))
    holders = fields.List(fields.Nested(HolderSchema))
    holders_notified = Integer()
    other_notified = fields.List(fields.String())
    pack_codes = Integer()
    totals = fields.Dict(keys=fields.String(), values=fields.Nested(TotalSchema))
    is_start_overdue = fields.Boolean()
    is_finish_overdue = fields.Boolean()
    actions = fields.List(fields.Nested(RecallActionSchema))


class ExportQueryArgsSchema(Schema):
    """By lot (with its whole genealogy), by a date range of Dayao dates, or both."""

    class Meta:
        unknown = EXCLUDE

    batch_id = Integer()
    lot = fields.String(validate=validate.Length(min=1, max=20))
    occurred_from = fields.Date()
    occurred_to = fields.Date()
