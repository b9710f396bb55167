"""Schemas for label runs and pack codes."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.models.labels import MAX_RUN, CodeStatus
from trace.schemas import validate
from trace.schemas.common import Integer, StrictSchema, trimmed


class LabelRunCreateSchema(StrictSchema):
    count = Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_RUN))
    template = fields.String(load_default="a4-3x8", validate=validate.Regexp(r"^[a-z0-9-]{1,40}$"))
    idempotency_key = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=8, max=100),
        metadata={"description": "repeat it on a retry to get the same run back"},
    )
    pack_date = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "包装日期 printed on the labels: default today; not before the "
            "harvest, not in the future"
        },
    )


class LabelRunSchema(Schema):
    id = Integer()
    batch_id = Integer()
    count = Integer()
    template = fields.String()
    first_sequence = Integer()
    pack_date = fields.Date()
    status = fields.Enum(CodeStatus, by_value=True)
    void_reason = fields.String()
    reprint_count = Integer()
    created_at = fields.AwareDateTime()
    serials = fields.List(fields.String())
    pdf_url = fields.String()


class LabelRunSummarySchema(LabelRunSchema):
    """A run without its serials, for lists."""

    class Meta:
        exclude = ("serials",)


class LabelImageArgsSchema(Schema):
    template = fields.String(load_default="a4-3x8", validate=validate.Regexp(r"^[a-z0-9-]{1,40}$"))
    dpi = Integer(load_default=300, validate=validate.Range(min=72, max=1200))


class ReasonSchema(StrictSchema):
    reason = trimmed(200, 1, required=True)


class VoidCodesSchema(StrictSchema):
    serials = fields.List(
        fields.String(validate=validate.Length(max=20)),
        required=True,
        validate=validate.Length(min=1, max=1000),
    )
    reason = trimmed(200, 1, required=True)


class PackCodeSchema(Schema):
    serial = fields.String()
    sequence = Integer()
    batch_id = Integer()
    label_run_id = Integer()
    status = fields.Enum(CodeStatus, by_value=True)
    void_reason = fields.String()
    public_scan_count = Integer(metadata={"description": "distinct clients counted"})
    first_scanned_at = fields.AwareDateTime(allow_none=True)
    counted_addresses = Integer()
    first_region = fields.String()
    counted_since = fields.AwareDateTime(
        allow_none=True, metadata={"description": "scans before this were QC's test scans"}
    )
