"""Products: a trade item identified by its GTIN."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, StrEnumType, UTCDateTime, utcnow


class ProductCategory(enum.StrEnum):
    WALNUT_IN_SHELL = "walnut_in_shell"
    WALNUT_KERNEL = "walnut_kernel"
    HONEY = "honey"
    VERMICELLI = "vermicelli"
    OTHER = "other"


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    gtin: Mapped[str] = mapped_column(String(14), unique=True)  # always the 14-digit form
    category: Mapped[ProductCategory] = mapped_column(StrEnumType(ProductCategory, 20))
    variety: Mapped[str] = mapped_column(String(50), default="")
    net_content_g: Mapped[int | None] = mapped_column()
    brand: Mapped[str] = mapped_column(String(50), default="")
    shelf_life_days: Mapped[int | None] = mapped_column()
    # A carton (trade item of several packs) is its own product: its own GTIN (indicator digit
    # 1-8), the pack product it holds, and how many. A consumer pack has neither.
    pack_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    packs_per_case: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
