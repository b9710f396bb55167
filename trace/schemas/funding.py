"""Funding, station services, parcel tallies and the logistics export (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from trace.models.funding import FundSource, UseCategory
from trace.models.station_activity import ParcelDirection, ServiceKind
from trace.schemas.common import (
    ID,
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)

# 元 with at most two decimal places is checked by the service (funding.amount_places); here a
# number of a sane size. Text or JSON number both load as Decimal, never float.
AMOUNT = validate.Range(min=0, max=1_000_000_000)


def _amount(**kwargs: Any) -> fields.Decimal:
    return fields.Decimal(
        validate=AMOUNT, metadata={"description": "元, at most 2 decimals"}, **kwargs
    )


class FundingTaskSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class FundingRuleSchema(Schema):
    code = fields.String()
    kind = fields.String(attribute="kind.value")
    tasks = fields.List(fields.String())
    source = fields.Function(lambda r: r.source.value if r.source else None)
    use_category = fields.Function(lambda r: r.use_category.value if r.use_category else None)
    limit_pct = fields.Decimal(as_string=True, allow_none=True)
    limit_fen = Integer(allow_none=True)
    text_zh = fields.String()
    text_en = fields.String()


class BudgetLineSchema(Schema):
    id = Integer()
    task_code = fields.String()
    source = fields.Enum(FundSource, by_value=True)
    amount_fen = Integer()
    note = fields.String()
    updated_at = fields.AwareDateTime()


class BudgetLineSetSchema(StrictSchema):
    task_code = trimmed(40, 1, required=True)
    source = fields.String(required=True, validate=one_of(FundSource))
    amount = _amount(required=True)
    note = trimmed(300, load_default="")


class SpendingEntrySchema(Schema):
    id = Integer()
    spent_on = fields.Date()
    payee = fields.String()
    task_code = fields.String()
    source = fields.Enum(FundSource, by_value=True)
    use_category = fields.Enum(UseCategory, by_value=True)
    amount_fen = Integer()
    description = fields.String()
    corrects_id = Integer(allow_none=True)
    reason = fields.String()
    voucher_content_type = fields.String()
    voucher_sha256 = fields.String()
    voucher_filename = fields.String()
    recorded_at = fields.AwareDateTime()


SpendingPageSchema = page_schema(SpendingEntrySchema, "SpendingPage")


class SpendingCreateSchema(StrictSchema):
    """Form fields of a multipart request; the voucher is the file part `voucher`."""

    spent_on = fields.Date(required=True)
    payee = trimmed(200, 1, required=True)
    task_code = trimmed(40, 1, required=True)
    source = fields.String(required=True, validate=one_of(FundSource))
    use_category = fields.String(required=True, validate=one_of(UseCategory))
    amount = _amount(required=True)
    description = trimmed(500, load_default="")


class SpendingCorrectSchema(StrictSchema):
    """A correction: the reason, and any field that changes (the others are copied)."""

    reason = trimmed(300, 1, required=True)
    spent_on = fields.Date()
    payee = trimmed(200, 1)
    task_code = trimmed(40, 1)
    source = fields.String(validate=one_of(FundSource))
    use_category = fields.String(validate=one_of(UseCategory))
    amount = _amount()
    description = trimmed(500)


class VoucherSchema(Schema):
    voucher = Upload()


class SpendingQueryArgsSchema(QueryArgsSchema):
    task_code = fields.String()
    effective_only = fields.Boolean(load_default=False)


class RuleCheckSchema(Schema):
    rule = fields.Nested(FundingRuleSchema)
    status = fields.String(metadata={"description": "ok, breach or no_data"})
    figures = fields.Dict()
    entries = fields.List(Integer())


class TaskFiguresSchema(Schema):
    task = fields.Nested(FundingTaskSchema)
    budget = fields.Function(lambda t: {s.value: v for s, v in t.budget.items()})
    spent = fields.Function(lambda t: {s.value: v for s, v in t.spent.items()})
    budget_total = Integer()
    spent_total = Integer()


class FundingReportSchema(Schema):
    tasks = fields.List(fields.Nested(TaskFiguresSchema))
    checks = fields.List(fields.Nested(RuleCheckSchema))


# Station services -----------------------------------------------------------------------------


class ServiceRecordSchema(Schema):
    id = Integer()
    station_id = Integer()
    kind = fields.Enum(ServiceKind, by_value=True)
    served_on = fields.Date()
    villager = fields.String()
    amount_fen = Integer(allow_none=True)
    parcels = Integer(allow_none=True)
    note = fields.String()
    recorded_at = fields.AwareDateTime()


ServiceRecordPageSchema = page_schema(ServiceRecordSchema, "ServiceRecordPage")


class ServiceRecordCreateSchema(StrictSchema):
    kind = fields.String(required=True, validate=one_of(ServiceKind))
    station_id = Integer(load_default=None, allow_none=True, validate=ID)
    served_on = fields.Date(load_default=None, allow_none=True)
    villager = trimmed(50, load_default="")
    amount = _amount(load_default=None, allow_none=True)
    parcels = Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    note = trimmed(200, load_default="")


class ServiceRecordQueryArgsSchema(QueryArgsSchema):
    station_id = Integer(validate=ID)
    served_on = fields.Date()
    township_code = fields.String()


class MonthArgsSchema(Schema):
    class Meta:
        unknown = "exclude"

    month = fields.String(validate=validate.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$"))


class MonthFiguresSchema(Schema):
    key = fields.String()
    name = fields.String()
    township_code = fields.String()
    counts = fields.Function(lambda f: {k.value: v for k, v in f.counts.items()})
    services = Integer()
    amount_fen = Integer()
    parcels_in = Integer()
    parcels_out = Integer()


class MonthlyReportSchema(Schema):
    month = fields.String()
    stations = fields.List(fields.Nested(MonthFiguresSchema))
    townships = fields.List(fields.Nested(MonthFiguresSchema))


class ParcelCountSchema(Schema):
    id = Integer()
    facility_id = Integer()
    counted_on = fields.Date()
    direction = fields.Enum(ParcelDirection, by_value=True)
    parcels = Integer()
    recorded_at = fields.AwareDateTime()


class ParcelCountCreateSchema(StrictSchema):
    facility_id = Integer(required=True, validate=ID)
    counted_on = fields.Date(required=True)
    direction = fields.String(required=True, validate=one_of(ParcelDirection))
    parcels = Integer(required=True, validate=validate.Range(min=1, max=1_000_000))


# The programme's years; a day past 9999-12-30 could not even be followed by the next one.
EXPORT_DAYS = validate.Range(min=dt.date(2000, 1, 1), max=dt.date(2099, 12, 31))


class LogisticsExportArgsSchema(Schema):
    class Meta:
        unknown = "exclude"

    from_ = fields.Date(required=True, data_key="from", validate=EXPORT_DAYS)
    to = fields.Date(required=True, validate=EXPORT_DAYS)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))
