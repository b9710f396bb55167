"""Schemas for producers, products, batches, trace events, regions, audit entries."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load

from trace.errors import TraceError, problem
from trace.models.batches import BatchStatus, Unit
from trace.models.events import EventType
from trace.models.producers import ProducerKind
from trace.models.products import ProductCategory
from trace.quantities import parse_quantity
from trace.schemas import validate
from trace.schemas.common import (
    FreeFormJSON,
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)

TOWNSHIP_CODE = fields.String(required=True, validate=validate.Regexp(r"^532326\d{3}$"))


class TownshipSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_pinyin = fields.String()
    kind = fields.String()


class VillageSchema(Schema):
    id = Integer()
    township_code = fields.String()
    code = fields.String(allow_none=True)
    name_zh = fields.String()
    name_pinyin = fields.String()


class ProducerSchema(Schema):
    id = Integer()
    name = fields.String()
    kind = fields.Enum(ProducerKind, by_value=True)
    township_code = fields.String()
    village = fields.String()
    credit_code = fields.String(allow_none=True)
    phone = fields.String()
    is_poverty_registered = fields.Boolean()
    is_gi_authorised = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ProducerCreateSchema(StrictSchema):
    name = trimmed(100, 1, required=True)
    kind = fields.String(required=True, validate=one_of(ProducerKind))
    township_code = TOWNSHIP_CODE
    village = trimmed(50, load_default="")
    credit_code = fields.String(load_default=None, allow_none=True)
    phone = trimmed(20, load_default="")
    is_poverty_registered = fields.Boolean(load_default=False)
    is_gi_authorised = fields.Boolean(load_default=False)
    # One with the same name in the same village, or the same phone, as a registered producer
    # (people and family farms without a credit code) is answered 409, `message_code`
    # producer.possible_duplicate with the records' ids in `error_codes.name[0].params.ids`;
    # sent again with confirm_duplicate true, it is registered anyway.
    confirm_duplicate = fields.Boolean(
        load_default=False,
        metadata={"description": "register even if it may be a duplicate (after a 409)"},
    )


class ProducerUpdateSchema(ProducerCreateSchema):
    """Every field optional: use as `ProducerUpdateSchema(partial=True)`."""

    class Meta(StrictSchema.Meta):
        exclude = ("confirm_duplicate",)


class ProducerQueryArgsSchema(QueryArgsSchema):
    township_code = fields.String()
    kind = fields.String(validate=one_of(ProducerKind))
    q = fields.String(validate=validate.Length(max=100))


class ProductSchema(Schema):
    id = Integer()
    name = fields.String()
    gtin = fields.String()
    category = fields.Enum(ProductCategory, by_value=True)
    variety = fields.String()
    net_content_g = Integer(allow_none=True)
    brand = fields.String()
    shelf_life_days = Integer(allow_none=True)
    pack_product_id = Integer(allow_none=True)
    packs_per_case = Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ProductCreateSchema(StrictSchema):
    name = trimmed(100, 1, required=True)
    gtin = fields.String(required=True, validate=validate.Regexp(r"^\d{8,14}$"))
    category = fields.String(required=True, validate=one_of(ProductCategory))
    variety = trimmed(50, load_default="")
    net_content_g = Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=1_000_000)
    )
    brand = trimmed(50, load_default="")
    shelf_life_days = Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650)
    )
    # A carton: the pack product it holds and how many (its own GTIN is `gtin`).
    pack_product_id = Integer(load_default=None, allow_none=True, strict=True)
    packs_per_case = Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=10_000)
    )


class ProductUpdateSchema(ProductCreateSchema):
    """Every field optional: use as `ProductUpdateSchema(partial=True)`."""


class ProductQueryArgsSchema(QueryArgsSchema):
    category = fields.String(validate=one_of(ProductCategory))
    q = fields.String(validate=validate.Length(max=100))


class BatchSchema(Schema):
    id = Integer()
    lot = fields.String()
    product_id = Integer()
    producer_id = Integer()
    harvested_on = fields.Date()
    quantity = fields.Decimal(as_string=True)
    unit = fields.Enum(Unit, by_value=True)
    township_code = fields.String()
    village = fields.String()
    plot = fields.String()
    latitude = fields.Decimal(as_string=True, allow_none=True)
    longitude = fields.Decimal(as_string=True, allow_none=True)
    altitude_m = Integer(allow_none=True)
    grade = fields.String()
    sales_region = fields.String(metadata={"description": "province the lot is sold in, or ''"})
    status = fields.Enum(BatchStatus, by_value=True)
    created_at = fields.AwareDateTime()


class TypedQuantity(fields.Decimal):
    """A number, or text as farmers type it ("320斤", "1.5 公斤"): the number; the unit goes to
    `unit` (BatchCreateSchema.typed_unit). Unreadable text is refused with a coded hint."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            try:
                number, _unit = parse_quantity(value, attr or "quantity")
            except TraceError as exc:
                raise ValidationError([m for ms in exc.errors.values() for m in ms]) from None
            value = str(number)
        return super()._deserialize(value, attr, data, **kwargs)


class BatchCreateSchema(StrictSchema):
    product_id = Integer(required=True, strict=True)
    producer_id = Integer(required=True, strict=True)
    harvested_on = fields.Date(required=True)
    quantity = TypedQuantity(
        required=True,
        places=3,
        validate=validate.Range(min=0, min_inclusive=False, max=10**10),
        metadata={"description": 'a number, or text with its unit as typed: "320斤"'},
    )
    unit = fields.String(required=True, validate=one_of(Unit))
    township_code = TOWNSHIP_CODE
    village = trimmed(50, load_default="")
    plot = trimmed(100, load_default="")
    latitude = fields.Decimal(
        load_default=None, allow_none=True, places=6, validate=validate.Range(min=-90, max=90)
    )
    longitude = fields.Decimal(
        load_default=None, allow_none=True, places=6, validate=validate.Range(min=-180, max=180)
    )
    altitude_m = Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=-500, max=9000)
    )
    # The province the lot is sold in (云南, 广东...), for the 窜货 flag on scans; '' = anywhere.
    sales_region = trimmed(20, load_default="")

    @pre_load
    def typed_unit(self, data: Any, **_kwargs: Any) -> Any:
        """A quantity typed as farmers say it, "320斤" or "1.5 公斤": the number and the unit
        (which fills `unit` when it is missing; a different `unit` is an error)."""
        return quantity_with_unit(data)


def quantity_with_unit(data: Any, field: str = "quantity") -> Any:
    """`data` with a text `field` such as "320斤" split into the number and `unit`."""
    if not isinstance(data, dict) or not isinstance(data.get(field), str):
        return data
    try:
        number, unit = parse_quantity(data[field], field)
    except TraceError:
        return data  # TypedQuantity refuses it beside the field, with the other fields' errors
    data = {**data, field: str(number)}
    if unit is not None:
        chosen = data.get("unit")
        if chosen in (None, ""):
            data["unit"] = unit.value
        elif chosen != unit.value:
            raise ValidationError({field: [problem("quantity.unit_conflict")]})
    return data


class BatchQueryArgsSchema(QueryArgsSchema):
    product_id = Integer()
    producer_id = Integer()
    township_code = fields.String()
    status = fields.String(validate=one_of(BatchStatus))
    lot = fields.String(validate=validate.Length(max=20))
    harvested_from = fields.Date()
    harvested_to = fields.Date()


class TraceEventSchema(Schema):
    id = Integer()
    batch_id = Integer()
    sequence = Integer()
    event_type = fields.Enum(EventType, by_value=True)
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    location = fields.String()
    actor_id = Integer(allow_none=True)
    details = fields.Dict()
    corrects_event_id = Integer(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


class TraceEventCreateSchema(StrictSchema):
    # Every type stays in the (additive-only) document; the types inspections, holds, recalls,
    # harvests and lot operations write are refused by the service with a 422 naming this field.
    event_type = fields.String(required=True, validate=one_of(EventType))
    occurred_at = fields.AwareDateTime(required=True)
    location = trimmed(200, load_default="")
    details = FreeFormJSON(load_default=dict)
    corrects_event_id = Integer(load_default=None, allow_none=True, strict=True)


class AuditEntrySchema(Schema):
    id = Integer()
    actor_id = Integer(allow_none=True)
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    note = fields.String()
    at = fields.AwareDateTime()


class AuditQueryArgsSchema(QueryArgsSchema):
    entity_type = fields.String()
    entity_id = fields.String()


ProducerPageSchema = page_schema(ProducerSchema, "ProducerPage")
ProductPageSchema = page_schema(ProductSchema, "ProductPage")
BatchPageSchema = page_schema(BatchSchema, "BatchPage")
