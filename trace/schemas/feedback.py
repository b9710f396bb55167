"""Schemas for consumer reports: the public form, staff triage, clusters and monthly statistics."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from trace.models.feedback import (
    ContactKind,
    ReportAction,
    ReportKind,
    ReportOutcome,
    ReportStatus,
)
from trace.schemas import validate
from trace.schemas.common import (
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)


class ReportCreateSchema(StrictSchema):
    """The public form's fields (the photo, the honeypot and the form token are checked apart)."""

    kind = fields.String(required=True, validate=one_of(ReportKind))
    description = trimmed(2000, 2, required=True)
    code = trimmed(200, load_default="")
    contact = trimmed(120, load_default="")


class ReportSchema(Schema):
    """A report as staff see it: the contact only masked, never the client key."""

    id = Integer()
    reference = fields.String()
    kind = fields.Enum(ReportKind, by_value=True)
    description = fields.String()
    code = fields.String(attribute="code_text", metadata={"description": "the code as reported"})
    pack_code_id = Integer(allow_none=True)
    batch_id = Integer(allow_none=True)
    lot = fields.Function(lambda r: r.batch.lot if r.batch is not None else None, allow_none=True)
    producer_id = Integer(allow_none=True)
    status = fields.Enum(ReportStatus, by_value=True)
    outcome = fields.Enum(ReportOutcome, by_value=True, allow_none=True)
    assignee_id = Integer(allow_none=True)
    is_escalated = fields.Boolean()
    public_answer = fields.String()
    answered_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    has_contact = fields.Boolean()
    has_photo = fields.Function(lambda r: bool(r.photo_stored_name))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


ReportPageSchema = page_schema(ReportSchema, "ReportPage")


class ReportStepSchema(Schema):
    id = Integer()
    action = fields.Enum(ReportAction, by_value=True)
    actor_id = Integer(allow_none=True)
    at = fields.AwareDateTime()
    from_status = fields.Enum(ReportStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(ReportStatus, by_value=True)
    assignee_id = Integer(allow_none=True)
    outcome = fields.Enum(ReportOutcome, by_value=True, allow_none=True)
    note = fields.String(metadata={"description": "internal, for staff only"})
    public_text = fields.String(metadata={"description": "shown to the reporter"})


class ScanEntrySchema(Schema):
    """One line of the pack's scan log (no address is kept, only a keyed hash's prefix)."""

    scanned_at = fields.AwareDateTime()
    verdict = fields.String()
    is_public = fields.Boolean()
    user_agent_family = fields.String()
    client = fields.Function(lambda s: s.client_hash[:6])


class FlagsSchema(Schema):
    pack_flagged = fields.Boolean()
    code_unknown = fields.Boolean()
    lot_reports = Integer()
    lot_counterfeit = Integer()
    stands_out = fields.Boolean()


class ReportDetailSchema(Schema):
    """A report with what staff look at beside it (see services.feedback.ReportContext)."""

    report = fields.Nested(ReportSchema)
    serial = fields.Function(lambda c: c.pack.serial if c.pack is not None else None)
    pack_public_scan_count = fields.Function(
        lambda c: c.pack.public_scan_count if c.pack is not None else None
    )
    lot = fields.Function(lambda c: c.batch.lot if c.batch is not None else None)
    product = fields.Function(lambda c: c.batch.product.name if c.batch is not None else None)
    producer = fields.Function(lambda c: c.batch.producer.name if c.batch is not None else None)
    contact_masked = fields.String()
    flags = fields.Nested(FlagsSchema)
    scans = fields.List(fields.Nested(ScanEntrySchema))
    related_report_ids = fields.Function(lambda c: [r.id for r in c.related])
    history = fields.List(fields.Nested(ReportStepSchema))


class ReportQueryArgsSchema(QueryArgsSchema):
    status = fields.String(
        validate=validate.OneOf(["open", *(s.value for s in ReportStatus)]),
        metadata={"description": "a status, or `open` for every status but closed"},
    )
    kind = fields.String(validate=one_of(ReportKind))
    batch_id = Integer()
    producer_id = Integer()
    assignee_id = Integer()
    lot = fields.String(validate=validate.Length(max=20))
    reference = fields.String(validate=validate.Length(max=30))


class ReportAssignSchema(StrictSchema):
    assignee_id = Integer(required=True, strict=True)
    note = trimmed(2000, load_default="")


class ReportAnswerSchema(StrictSchema):
    public_answer = trimmed(2000, 1, required=True)
    note = trimmed(2000, load_default="")


class ReportEscalateSchema(StrictSchema):
    reason = trimmed(2000, 1, required=True)


class ReportCloseSchema(StrictSchema):
    outcome = fields.String(required=True, validate=one_of(ReportOutcome))
    reason = trimmed(2000, 1, required=True)


class ReportRecallSchema(StrictSchema):
    """Open a recall of the report's lot (the recall module checks level and wording)."""

    level = Integer(required=True, strict=True, validate=validate.OneOf([1, 2, 3]))
    reason = trimmed(500, 1, required=True)
    instructions = trimmed(2000, 1, required=True)
    # What the public notice says; never the report's reference (default: `reason`).
    public_reason = trimmed(500, load_default="")


class RecallOpenedSchema(Schema):
    recall_id = Integer()
    report_id = Integer()
    batch_id = Integer()


class ContactSchema(Schema):
    kind = fields.Enum(ContactKind, by_value=True)
    value = fields.String()


class ClusterSchema(Schema):
    scope = fields.String(metadata={"description": "batch (one lot) or producer (several lots)"})
    key_id = Integer(metadata={"description": "the batch or producer id"})
    label = fields.String()
    reports = Integer()
    open_reports = Integer()
    counterfeit = Integer()
    flagged_packs = Integer()
    lots = Integer()
    report_ids = fields.List(Integer())
    stands_out = fields.Boolean()


def _month(stats: Any) -> str:
    return str(stats.month.strftime("%Y-%m"))


class MonthStatsSchema(Schema):
    month = fields.Function(_month, metadata={"description": "YYYY-MM, county time"})
    total = Integer()
    by_kind = fields.Dict(keys=fields.String(), values=Integer())
    by_outcome = fields.Dict(
        keys=fields.String(),
        values=Integer(),
        metadata={"description": "closed reports by outcome, and `open` for the rest"},
    )


class PublicAnswerSchema(Schema):
    at = fields.AwareDateTime()
    text = fields.String()


class PublicStatusSchema(Schema):
    """All a reference number reveals to anyone who has it."""

    reference = fields.String()
    kind = fields.Enum(ReportKind, by_value=True)
    status = fields.Enum(ReportStatus, by_value=True)
    outcome = fields.Enum(ReportOutcome, by_value=True, allow_none=True)
    filed_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)
    answers = fields.List(fields.Nested(PublicAnswerSchema))
