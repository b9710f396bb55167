"""Admission to the 大姚核桃 regional brand: admission rules as data, producers' applications."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.events import JSONType
from trace.models.producers import Producer
from trace.models.products import Product

DAYAO_WALNUT_BRAND = "大姚核桃"


class BrandCheck(enum.StrEnum):
    """The kinds of admission check the code knows how to run; their parameters are data."""

    ORIGIN_IN_COUNTY = "origin_in_county"  # params: county_code
    LATEST_INSPECTION_PASSED = "latest_inspection_passed"
    MIN_GRADE = "min_grade"  # params: grade, product_categories


class BrandRule(Base):
    __tablename__ = "brand_rules"
    __table_args__ = (UniqueConstraint("brand", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(String(50))
    kind: Mapped[BrandCheck] = mapped_column(StrEnumType(BrandCheck, 40))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    description: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # admitted: labels and pages may carry the brand mark
    REJECTED = "rejected"
    SUSPENDED = "suspended"  # admitted once, mark withdrawn


class BrandApplication(Base):
    __tablename__ = "brand_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(String(50), default=DAYAO_WALNUT_BRAND)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        StrEnumType(ApplicationStatus, 12), default=ApplicationStatus.PENDING
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    # The rule checks as they stood when filed and when last decided: [{kind, passed, reason}].
    rule_results: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    decision_reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    producer: Mapped[Producer] = relationship(lazy="joined")
    product: Mapped[Product] = relationship(lazy="joined")
