"""Standard packaging designs of the county QC centre and the products each one fits."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.products import Product


class PackageType(enum.StrEnum):
    GIFT_BOX = "gift_box"  # 礼盒
    BAG = "bag"  # 袋
    VACUUM_BAG = "vacuum_bag"  # 真空袋
    MESH_BAG = "mesh_bag"  # 网袋 (walnuts in shell)
    JAR = "jar"  # 罐
    BOTTLE = "bottle"  # 瓶
    BUNDLE = "bundle"  # 把 (small-bundle vermicelli)
    CARTON = "carton"  # 外箱 (shipping carton)


packaging_spec_products = Table(
    "packaging_spec_products",
    Base.metadata,
    Column("packaging_spec_id", ForeignKey("packaging_specs.id"), primary_key=True),
    Column("product_id", ForeignKey("products.id"), primary_key=True, index=True),
)


class PackagingSpec(Base):
    __tablename__ = "packaging_specs"

    id: Mapped[int] = mapped_column(primary_key=True)
    design_code: Mapped[str] = mapped_column(String(30), unique=True)  # e.g. DY-HT-500-GB
    name: Mapped[str] = mapped_column(String(100))
    package_type: Mapped[PackageType] = mapped_column(StrEnumType(PackageType, 20))
    net_content_g: Mapped[int] = mapped_column()
    materials: Mapped[str] = mapped_column(String(200), default="")
    length_mm: Mapped[int | None] = mapped_column()
    width_mm: Mapped[int | None] = mapped_column()
    height_mm: Mapped[int | None] = mapped_column()
    # Name of a template file in labels/ (a4-3x8, thermal-60x40...), kept as a plain name.
    label_template: Mapped[str] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    products: Mapped[list[Product]] = relationship(
        secondary=packaging_spec_products, order_by=Product.id, lazy="selectin"
    )
