"""Registering products (trade items identified by GTIN)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
    problem,
)
from trace.gs1 import GS1Error, normalize_gtin
from trace.models.batches import Batch
from trace.models.products import Product, ProductCategory
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate
from trace.services.printable import PRODUCT_FIELDS, check_printable, printed_fields

# The GS1 check that failed (GS1Error.code) -> the message code people read.
GTIN_PROBLEMS = {
    "NON_DIGIT_CHARACTER": "gtin.digits",
    "INVALID_LENGTH": "gtin.length",
    "INCORRECT_CHECK_DIGIT": "gtin.check_digit",
}


def _gtin(session: Session, raw: str, product_id: int | None = None) -> str:
    try:
        gtin = normalize_gtin(raw)
    except GS1Error as exc:
        code = GTIN_PROBLEMS.get(exc.code or "", "gtin.invalid")
        raise ValidationError.for_field("gtin", code, **exc.params) from None
    clash = session.scalar(select(Product.id).where(Product.gtin == gtin))
    if clash is not None and clash != product_id:
        raise ConflictError("product.gtin_exists", {"gtin": ["product.gtin_exists"]})
    return gtin


def create_product(session: Session, actor: Actor | None, **data: Any) -> Product:
    """Register a product. Raises ValidationError (GTIN), ConflictError, PermissionDeniedError."""
    authorize(actor, "product.write")
    check_printable(printed_fields(data, PRODUCT_FIELDS))
    data["gtin"] = _gtin(session, data["gtin"])
    data["category"] = ProductCategory(data["category"])
    _check_carton(session, data)
    product = Product(**data)
    session.add(product)
    record_change(session, actor, "product.create", product)
    return product


def _check_carton(session: Session, data: dict[str, Any]) -> None:
    """A carton names the consumer pack it holds and how many; a pack names neither."""
    pack_id, packs = data.get("pack_product_id"), data.get("packs_per_case")
    if pack_id is None:
        if packs is not None:
            raise ValidationError.for_field("pack_product_id", "product.carton_pack_required")
        return
    if not packs:
        raise ValidationError.for_field("packs_per_case", "product.carton_packs_required")
    pack = session.get(Product, pack_id)
    if pack is None:
        raise ValidationError.for_field("pack_product_id", "product.no_such")
    if pack.pack_product_id is not None:
        raise ValidationError.for_field("pack_product_id", "product.carton_holds_pack")
    if pack.gtin == data["gtin"]:
        raise ValidationError.for_field("gtin", "product.carton_own_gtin")


def update_product(
    session: Session, actor: Actor | None, product_id: int, **changes: Any
) -> Product:
    """Change a product. The GTIN is frozen once a batch exists: printed codes must keep resolving.

    Raises NotFoundError, ValidationError, ConflictError, InvalidTransitionError.
    """
    authorize(actor, "product.write")
    product = get_product(session, actor, product_id)
    check_printable(printed_fields(changes, PRODUCT_FIELDS))
    before = snapshot(product)
    if "gtin" in changes:
        gtin = _gtin(session, changes["gtin"], product.id)
        has_batches = session.scalar(
            select(Batch.id).where(Batch.product_id == product.id).limit(1)
        )
        if gtin != product.gtin and has_batches is not None:
            raise InvalidTransitionError(
                "product.gtin_locked",
                {"gtin": ["product.gtin_locked"]},
            )
        changes["gtin"] = gtin
    if "category" in changes:
        changes["category"] = ProductCategory(changes["category"])
    if {"pack_product_id", "packs_per_case", "gtin"} & set(changes):
        merged = {
            "gtin": changes.get("gtin", product.gtin),
            "pack_product_id": changes.get("pack_product_id", product.pack_product_id),
            "packs_per_case": changes.get("packs_per_case", product.packs_per_case),
        }
        if merged["pack_product_id"] == product.id:
            raise ValidationError.for_field("pack_product_id", "product.carton_other")
        _check_carton(session, merged)
    for key, value in changes.items():
        setattr(product, key, value)
    record_change(session, actor, "product.update", product, before)
    return product


def get_product(session: Session, actor: Actor | None, product_id: int) -> Product:
    authorize(actor, "record.read")
    product = session.get(Product, product_id)
    if product is None:
        raise NotFoundError(problem("product.not_found", id=product_id))
    return product


def list_products(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    category: str | None = None,
    q: str | None = None,
) -> Page[Product]:
    authorize(actor, "record.read")
    query = select(Product).order_by(Product.id)
    if category:
        query = query.where(Product.category == ProductCategory(category))
    if q:
        query = query.where(Product.name.contains(q, autoescape=True) | (Product.gtin == q))
    return paginate(session, query, page, per_page)
