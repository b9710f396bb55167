"""Schemas for packaging specifications and the packaging report."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.models.packaging import PackageType
from trace.models.products import ProductCategory
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


PackagingSpecPageSchema = page_schema(PackagingSpecSchema, "PackagingSpecPage")
