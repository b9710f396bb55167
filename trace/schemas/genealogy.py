"""Schemas for lot operations (split, merge, transform), trace queries and chain verification."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.models.batches import BatchStatus, Unit
from trace.models.genealogy import LineRole, OperationKind
from trace.schemas import validate
from trace.schemas.common import (
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)
from trace.schemas.records import TOWNSHIP_CODE, TraceEventSchema


def quantity_field() -> fields.Decimal:
    """A positive quantity with at most three decimals (grams of a kilogram)."""
    return fields.Decimal(
        required=True, places=3, validate=validate.Range(min=0, min_inclusive=False, max=10**10)
    )


class OperationInputSchema(StrictSchema):
    batch_id = Integer(required=True, strict=True)
    quantity = quantity_field()
    unit = fields.String(
        load_default=None,
        allow_none=True,
        validate=one_of(Unit),
        metadata={"description": "defaults to the lot's own unit"},
    )


class OperationOutputSchema(StrictSchema):
    quantity = quantity_field()
    unit = fields.String(required=True, validate=one_of(Unit))
    kg_per_unit = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=6,
        validate=validate.Range(min=0, min_inclusive=False, max=10**5),
        metadata={"description": "declared mass of one bottle, box or piece, to compare with kg"},
    )
    product_id = Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={"description": "defaults to the inputs' product when they share one"},
    )
    producer_id = Integer(load_default=None, allow_none=True, strict=True)
    township_code = fields.String(
        load_default=None, allow_none=True, validate=TOWNSHIP_CODE.validate
    )
    grade = trimmed(20, load_default="")
    village = trimmed(50, load_default="")
    plot = trimmed(100, load_default="")


class LotOperationCreateSchema(StrictSchema):
    kind = fields.String(required=True, validate=one_of(OperationKind))
    occurred_at = fields.AwareDateTime(required=True)
    location = trimmed(200, load_default="")
    reference = trimmed(50, load_default="")
    note = trimmed(500, load_default="")
    inputs = fields.List(
        fields.Nested(OperationInputSchema), required=True, validate=validate.Length(min=1, max=200)
    )
    outputs = fields.List(
        fields.Nested(OperationOutputSchema),
        required=True,
        validate=validate.Length(min=1, max=200),
    )


class LotRefSchema(Schema):
    id = Integer()
    lot = fields.String()
    product_id = Integer()
    product = fields.String(attribute="product.name")
    producer = fields.String(attribute="producer.name")
    quantity = fields.Decimal(as_string=True)
    unit = fields.Enum(Unit, by_value=True)
    grade = fields.String()
    status = fields.Enum(BatchStatus, by_value=True)
    township_code = fields.String()
    harvested_on = fields.Date()


class OperationLineSchema(Schema):
    role = fields.Enum(LineRole, by_value=True)
    batch_id = Integer()
    lot = fields.String(attribute="batch.lot")
    quantity = fields.Decimal(as_string=True)
    unit = fields.Enum(Unit, by_value=True)
    kg_per_unit = fields.Decimal(as_string=True, allow_none=True)


class LotOperationSchema(Schema):
    id = Integer()
    kind = fields.Enum(OperationKind, by_value=True)
    occurred_at = fields.AwareDateTime()
    location = fields.String()
    reference = fields.String()
    note = fields.String()
    created_by_id = Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    inputs = fields.Method("_inputs")
    outputs = fields.Method("_outputs")

    def _inputs(self, operation: object) -> list[dict[str, object]]:
        return self._lines(operation, LineRole.INPUT)

    def _outputs(self, operation: object) -> list[dict[str, object]]:
        return self._lines(operation, LineRole.OUTPUT)

    @staticmethod
    def _lines(operation: object, role: LineRole) -> list[dict[str, object]]:
        lines = [line for line in getattr(operation, "lines", []) if line.role is role]
        dumped: list[dict[str, object]] = OperationLineSchema(many=True).dump(lines)
        return dumped


LotOperationPageSchema = page_schema(LotOperationSchema, "LotOperationPage")


class LotOperationQueryArgsSchema(QueryArgsSchema):
    batch_id = Integer()
    kind = fields.String(validate=one_of(OperationKind))


# Trace queries ----------------------------------------------------------------------------------


class TracedLotSchema(Schema):
    depth = Integer()
    batch = fields.Nested(LotRefSchema)


class DownstreamCountsSchema(Schema):
    lots = Integer()
    pack_codes = Integer()
    label_runs = Integer()
    shipments = Integer()
    depth = Integer()
    is_truncated = fields.Boolean()


class LabelRunRefSchema(Schema):
    id = Integer()
    batch_id = Integer()
    lot = fields.String(attribute="batch.lot")
    count = Integer()
    first_sequence = Integer()
    pack_date = fields.Date()
    status = fields.String(attribute="status.value")


class ShipmentRefSchema(Schema):
    id = Integer()
    reference = fields.String()
    origin = fields.String(attribute="origin_label")
    destination = fields.String(attribute="destination_label")
    status = fields.String(attribute="status.value")
    departed_at = fields.AwareDateTime(allow_none=True)
    arrived_at = fields.AwareDateTime(allow_none=True)
    lots = fields.Method("_lots")

    def _lots(self, shipment: object) -> list[dict[str, object]]:
        return [
            {"batch_id": line.batch_id, "lot": line.batch.lot, "quantity": str(line.quantity)}
            for line in getattr(shipment, "lines", [])
        ]


TracedLotPageSchema = page_schema(TracedLotSchema, "TracedLotPage")


LabelRunRefPageSchema = page_schema(LabelRunRefSchema, "LabelRunRefPage")
ShipmentRefPageSchema = page_schema(ShipmentRefSchema, "ShipmentRefPage")


class DownstreamSchema(Schema):
    root = fields.Nested(LotRefSchema)
    counts = fields.Nested(DownstreamCountsSchema)
    lots = fields.Nested(TracedLotPageSchema)


class FarmSchema(Schema):
    lot = fields.String()
    producer = fields.String()
    township_code = fields.String()
    village = fields.String()
    plot = fields.String()
    latitude = fields.Decimal(as_string=True, allow_none=True)
    longitude = fields.Decimal(as_string=True, allow_none=True)
    altitude_m = Integer(allow_none=True)
    harvested_on = fields.Date()


class ProducerRefSchema(Schema):
    id = Integer()
    name = fields.String()
    kind = fields.String(attribute="kind.value")
    township_code = fields.String()
    credit_code = fields.String(allow_none=True)


class UpstreamSchema(Schema):
    root = fields.Nested(LotRefSchema)
    lots = fields.List(fields.Nested(TracedLotSchema))
    sources = fields.List(fields.Nested(LotRefSchema))
    producers = fields.List(fields.Nested(ProducerRefSchema))
    farms = fields.List(fields.Nested(FarmSchema))
    is_truncated = fields.Boolean()


class TraceQueryArgsSchema(QueryArgsSchema):
    pass


class TracedCodeSchema(Schema):
    serial = fields.String()
    lot = fields.String()
    gtin = fields.String()
    sequence = Integer()
    status = fields.String()
    public_scan_count = Integer()
    first_scanned_at = fields.AwareDateTime(allow_none=True)


TracedCodePageSchema = page_schema(TracedCodeSchema, "TracedCodePage")


class CodePageArgsSchema(QueryArgsSchema):
    per_page = Integer(load_default=100, validate=validate.Range(min=1, max=200))


class HistoryEventSchema(Schema):
    """An event of the lot or of a lot it was made from, with that lot's code."""

    event = fields.Nested(TraceEventSchema)
    lot = fields.String()
    is_ancestor = fields.Boolean()


# Verification -----------------------------------------------------------------------------------


class BrokenLinkSchema(Schema):
    lot = fields.String()
    sequence = Integer()
    event_id = Integer()
    problem = fields.String(attribute="problem.value")
    expected = fields.String()
    found = fields.String()


class LotVerificationSchema(Schema):
    batch_id = Integer(attribute="batch.id")
    lot = fields.String(attribute="batch.lot")
    events = Integer()
    is_intact = fields.Boolean()
    broken = fields.Nested(BrokenLinkSchema, allow_none=True)
