"""The county plan's targets, as data an administrator can edit: each has its milestones by date
and its figure, computed from the records by a metric or entered monthly by the programme office
(append-only entries with their source and evidence document)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.events import _refuse_change


class MetricKey(enum.StrEnum):
    """How a target's current value is computed; each key has one function in services.metrics."""

    COUNTY_CENTRES = "county_centres"
    TOWNSHIP_STATIONS = "township_stations"
    VILLAGE_STATIONS = "village_stations"
    VILLAGE_COVERAGE_PCT = "village_coverage_pct"
    COUNTY_CENTRE_AREA_M2 = "county_centre_area_m2"
    DISTRIBUTION_CENTRE_AREA_M2 = "distribution_centre_area_m2"
    DELIVERY_CENTRES = "delivery_centres"
    VILLAGE_POINTS = "village_points"
    WAREHOUSE_AREA_M2 = "warehouse_area_m2"
    COLD_STORE_VOLUME_M3 = "cold_store_volume_m3"
    TRAINING_PERSON_TIMES = "training_person_times"
    SKILLS_SHARE_PCT = "skills_share_pct"
    POOR_PERSON_TIMES = "poor_person_times"
    POOR_OR_DISABLED_TRAINEES = "poor_or_disabled_trainees"
    INCUBATED_ENTREPRENEURS = "incubated_entrepreneurs"
    BRANDS = "brands"
    CERTIFIED_PRODUCTS = "certified_products"
    LOTS_TRACED = "lots_traced"
    PACKS_LABELLED = "packs_labelled"
    SCANS_LAST_30_DAYS = "scans_last_30_days"
    POOR_VILLAGE_COVERAGE_PCT = "poor_village_coverage_pct"
    SMALL_COLD_STORES = "small_cold_stores"
    PACKAGING_DESIGNS = "packaging_designs"
    PUBLIC_BRANDS = "public_brands"
    PRODUCT_BRANDS = "product_brands"
    POVERTY_PRODUCTS = "poverty_products"
    POOR_OR_DISABLED_JOB_TRAINING = "poor_or_disabled_job_training"
    MODEL_ENTERPRISES = "model_enterprises"
    HOUSEHOLDS_LIFTED = "households_lifted"
    POOR_EMPLOYMENT_SHARE_PCT = "poor_employment_share_pct"
    POOR_PEOPLE_HELPED = "poor_people_helped"
    CENTRAL_FUNDS_WAN = "central_funds_wan"
    COUNTY_FUNDS_WAN = "county_funds_wan"
    COUNTY_CENTRE_SHARE_PCT = "county_centre_share_pct"
    SUPPLY_CHAIN_SHARE_PCT = "supply_chain_share_pct"


class FigureSource(enum.StrEnum):
    """Where a target's figure comes from."""

    RECORDS = "records"  # computed from the records by its metric
    OFFICE = "office"  # entered monthly by the programme office, with its evidence


class Comparison(enum.StrEnum):
    AT_LEAST = ">="
    AT_MOST = "<="
    EQUAL = "="


class Target(Base):
    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(150), default="")
    target_value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(20), default="")  # e.g. 个, %, 人次, m², m³
    # None: measured by a module not built yet (or entered by the office): "not yet measured".
    metric: Mapped[MetricKey | None] = mapped_column(StrEnumType(MetricKey, 40))
    sort_order: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(300), default="")  # source or caveat, in Chinese
    area_zh: Mapped[str] = mapped_column(
        String(40), default=""
    )  # the plan's chapter (公共服务体系)
    plan_text_zh: Mapped[str] = mapped_column(String(300), default="")  # the plan's own words
    comparison: Mapped[Comparison] = mapped_column(
        StrEnumType(Comparison, 2), default=Comparison.AT_LEAST
    )
    baseline_year: Mapped[int | None] = mapped_column()  # growth targets: the base year (2018)
    figure_source: Mapped[FigureSource] = mapped_column(
        StrEnumType(FigureSource, 10), default=FigureSource.RECORDS
    )
    is_in_plan: Mapped[bool] = mapped_column(default=True)  # False: an indicator of our own
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    milestones: Mapped[list[TargetMilestone]] = relationship(
        lazy="selectin", order_by="TargetMilestone.due_on", cascade="all, delete-orphan"
    )


class TargetMilestone(Base):
    """A date by which the plan wants part of a target: a share of it (50 %) or a value (1500)."""

    __tablename__ = "target_milestones"
    __table_args__ = (
        CheckConstraint("(share_pct IS NULL) <> (value IS NULL)", name="share_or_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    share_pct: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    label_zh: Mapped[str] = mapped_column(String(50), default="")  # e.g. 投入运营
    label_en: Mapped[str] = mapped_column(String(80), default="")


class TargetFigureEntry(Base):
    """A monthly figure the programme office enters for a target the records cannot measure
    (网络零售额 from the statistics platform...). Append-only: a correction is a new entry that
    names the one it corrects."""

    __tablename__ = "target_figure_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the month it reports
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    source: Mapped[str] = mapped_column(String(200))  # who published the figure
    evidence: Mapped[str] = mapped_column(String(200))  # the document: title and number
    note: Mapped[str] = mapped_column(String(300), default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("target_figure_entries.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[Target] = relationship(lazy="joined")


event.listen(TargetFigureEntry, "before_update", _refuse_change)
event.listen(TargetFigureEntry, "before_delete", _refuse_change)
