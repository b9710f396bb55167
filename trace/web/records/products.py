"""Products, identified by GTIN."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.schemas.records import (
    ProductCreateSchema,
    ProductPageSchema,
    ProductQueryArgsSchema,
    ProductSchema,
    ProductUpdateSchema,
)
from trace.services import products as service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/products"
blp = Blueprint("products", __name__, description="Products (GTINs)")


@blp.get("")
@blp.arguments(ProductQueryArgsSchema, location="query")
@blp.response(200, ProductPageSchema)
def list_products(args: dict[str, Any]) -> Any:
    return service.list_products(db(), current_actor(), **args)


@blp.post("")
@blp.arguments(ProductCreateSchema)
@blp.response(201, ProductSchema)
def create_product(data: dict[str, Any]) -> Any:
    session = db()
    product = service.create_product(session, current_actor(), **data)
    session.commit()
    return product


@blp.get("/<int:product_id>")
@blp.response(200, ProductSchema)
def get_product(product_id: int) -> Any:
    return service.get_product(db(), current_actor(), product_id)


@blp.patch("/<int:product_id>")
@blp.arguments(ProductUpdateSchema(partial=True))
@blp.response(200, ProductSchema)
def update_product(changes: dict[str, Any], product_id: int) -> Any:
    session = db()
    product = service.update_product(session, current_actor(), product_id, **changes)
    session.commit()
    return product
