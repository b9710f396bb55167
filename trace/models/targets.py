"""The county plan's targets, as data an administrator can edit, each tied to a metric."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, StrEnumType, UTCDateTime, utcnow


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


class Target(Base):
    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(150), default="")
    target_value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(20), default="")  # e.g. 个, %, 人次, m², m³
    metric: Mapped[MetricKey] = mapped_column(StrEnumType(MetricKey, 40))
    sort_order: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(300), default="")  # source or caveat
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
