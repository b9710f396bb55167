"""Lab inspections of batches against limits kept as data, their reports and QC dispositions."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.events import _refuse_change
from trace.models.products import ProductCategory


class InspectionLimit(Base):
    """The limit for one test item in one product category; no min and no max = recorded only."""

    __tablename__ = "inspection_limits"
    __table_args__ = (UniqueConstraint("product_category", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_category: Mapped[ProductCategory] = mapped_column(StrEnumType(ProductCategory, 20))
    item: Mapped[str] = mapped_column(String(40))  # snake_case: aflatoxin_b1, moisture...
    name_zh: Mapped[str] = mapped_column(String(50), default="")
    unit: Mapped[str] = mapped_column(String(20))
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    method: Mapped[str] = mapped_column(String(100), default="")  # usual method, e.g. GB 5009.22
    # DOMAIN.md's [U]: a value nobody has checked against the standard's text yet.
    is_uncertain: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Inspection(Base):
    """A lab report on a batch; append-only (a correction is a new inspection pointing back)."""

    __tablename__ = "inspections"
    __table_args__ = (UniqueConstraint("lab", "report_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    lab: Mapped[str] = mapped_column(String(100))
    report_no: Mapped[str] = mapped_column(String(50))
    sampled_on: Mapped[dt.date] = mapped_column(Date)
    tested_on: Mapped[dt.date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column()
    corrects_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    results: Mapped[list[InspectionResult]] = relationship(
        order_by="InspectionResult.id", lazy="selectin"
    )
    report: Mapped[InspectionReport | None] = relationship(lazy="selectin", uselist=False)


class InspectionResult(Base):
    """One test item's value, with the limit as it stood when the inspection was recorded."""

    __tablename__ = "inspection_results"
    __table_args__ = (UniqueConstraint("inspection_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(100), default="")
    limit_min: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    limit_max: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    limit_is_uncertain: Mapped[bool] = mapped_column(default=False)
    passed: Mapped[bool | None] = mapped_column()  # None: no bound, recorded for information


class InspectionReport(Base):
    """The lab's signed PDF, stored outside the web root; one per inspection, never replaced."""

    __tablename__ = "inspection_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), unique=True)
    original_filename: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(64))  # random; never the uploader's name
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DispositionKind(enum.StrEnum):
    RE_TEST = "re_test"  # sample again; the batch stays on hold
    DOWNGRADE = "downgrade"  # accepted at a lower grade or use; the hold ends
    DESTROY = "destroy"  # the batch is destroyed and closed
    RELEASE = "release"  # a later inspection passed; the hold ends


class Disposition(Base):
    """A QC decision about a held batch; append-only."""

    __tablename__ = "dispositions"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    # The latest inspection when decided: the failed one, or for a release the passing re-test.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    kind: Mapped[DispositionKind] = mapped_column(StrEnumType(DispositionKind, 12))
    grade: Mapped[str] = mapped_column(String(20), default="")  # the new grade of a downgrade
    note: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


for _model in (Inspection, InspectionResult, InspectionReport, Disposition):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
