"""Grading standards as versioned data (grades, thresholds) and the gradings made with them."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.events import JSONType, _refuse_change
from trace.models.products import ProductCategory

# What a sample is measured for. Thresholds may name only these, so a typo cannot hide a rule.
MEASURES = (
    "diameter_mm",
    "mean_nut_weight_g",
    "kernel_ratio_pct",
    "empty_shell_pct",
    "broken_pct",
    "black_spot_pct",
    "moisture_pct",
    "fat_pct",
    "protein_pct",
)


class StandardKind(enum.StrEnum):
    GRADE = "grade"  # ranked grades, e.g. GB/T 20398 特级..Ⅲ级
    GI_CONFORMITY = "gi_conformity"  # a single pass/fail set, e.g. the GI quality values


class Bound(enum.StrEnum):
    MIN = "min"  # the measurement must be at least the value
    MAX = "max"  # the measurement must be at most the value


class GradingStandard(Base):
    __tablename__ = "grading_standards"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))  # "GB/T 20398"
    version: Mapped[str] = mapped_column(String(20))  # "2006"
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[StandardKind] = mapped_column(StrEnumType(StandardKind, 20))
    product_category: Mapped[ProductCategory] = mapped_column(StrEnumType(ProductCategory, 20))
    # The one used by default for its kind and category; older versions stay for old gradings.
    is_current: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    grades: Mapped[list[GradeSpec]] = relationship(
        back_populates="standard",
        order_by="GradeSpec.rank",
        lazy="selectin",
        cascade="all, delete-orphan",
    )

    @property
    def label(self) -> str:
        return f"{self.code}-{self.version}"


class GradeSpec(Base):
    __tablename__ = "grade_specs"
    __table_args__ = (
        UniqueConstraint("standard_id", "rank"),
        UniqueConstraint("standard_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("grading_standards.id"), index=True)
    rank: Mapped[int] = mapped_column()  # 1 is the best grade
    name: Mapped[str] = mapped_column(String(20))  # 特级, Ⅰ级, Ⅱ级, Ⅲ级

    standard: Mapped[GradingStandard] = relationship(back_populates="grades")
    thresholds: Mapped[list[GradeThreshold]] = relationship(
        back_populates="grade",
        order_by="GradeThreshold.id",
        lazy="selectin",
        cascade="all, delete-orphan",
    )


class GradeThreshold(Base):
    __tablename__ = "grade_thresholds"
    __table_args__ = (UniqueConstraint("grade_id", "measure", "bound"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grade_specs.id"), index=True)
    measure: Mapped[str] = mapped_column(String(30))  # one of MEASURES
    bound: Mapped[Bound] = mapped_column(StrEnumType(Bound, 3))
    value: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    # A cell the source does not settle (DOMAIN.md's [U]): applied, but shown as uncertain.
    is_uncertain: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(200), default="")

    grade: Mapped[GradeSpec] = relationship(back_populates="thresholds")


class Grading(Base):
    """One grading of a batch from sample measurements; append-only (a re-grading is a new row)."""

    __tablename__ = "gradings"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("grading_standards.id"))
    graded_on: Mapped[dt.date] = mapped_column(Date)
    sample_size: Mapped[int | None] = mapped_column()
    measurements: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    computed_grade: Mapped[str] = mapped_column(String(20))  # highest grade met, or 等外
    grade: Mapped[str] = mapped_column(String(20))  # what the lot is sold as (claimed or computed)
    claimed_grade: Mapped[str | None] = mapped_column(String(20))
    # For each grade above the one met: the thresholds the sample failed, as they stood then.
    shortfalls: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    gi_conformity: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    location: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    standard: Mapped[GradingStandard] = relationship(lazy="joined")


event.listen(Grading, "before_update", _refuse_change)
event.listen(Grading, "before_delete", _refuse_change)
