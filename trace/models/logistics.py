"""Logistics: facilities, shipments of lots between them, and cold-chain temperature logs."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.batches import Batch
from trace.models.events import _refuse_change
from trace.models.products import ProductCategory
from trace.models.regions import Township
from trace.models.stations import Station


class FacilityKind(enum.StrEnum):
    DISTRIBUTION_CENTRE = "distribution_centre"  # 县级物流配送中心
    DELIVERY_CENTRE = "delivery_centre"  # 乡镇物流配送站
    VILLAGE_POINT = "village_point"  # 村级物流服务点 (merged with the village station)
    PUBLIC_WAREHOUSE = "public_warehouse"  # 公共仓储中心
    COLD_STORE = "cold_store"  # 冷库
    SMALL_COLD_STORE = "small_cold_store"  # 乡(镇)、村小型冷库 (the plan counts them apart)


class Facility(Base):
    __tablename__ = "facilities"
    __table_args__ = (
        CheckConstraint("floor_area_m2 IS NULL OR floor_area_m2 > 0", name="floor_area_positive"),
        CheckConstraint("volume_m3 IS NULL OR volume_m3 > 0", name="volume_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[FacilityKind] = mapped_column(StrEnumType(FacilityKind, 20), index=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    operator: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    volume_m3: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # cold stores
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    township: Mapped[Township] = relationship(lazy="joined")
    station: Mapped[Station | None] = relationship(lazy="joined")


class ShipmentStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"


class Shipment(Base):
    """Lots moving from a facility (or a producer) to a facility (or a carrier or buyer)."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint("origin_facility_id IS NOT NULL OR origin_name <> ''", name="origin_given"),
        CheckConstraint(
            "destination_facility_id IS NOT NULL OR destination_name <> ''",
            name="destination_given",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. YS251012-001
    origin_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    origin_name: Mapped[str] = mapped_column(String(100), default="")  # when not a facility
    destination_facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilities.id"), index=True
    )
    destination_name: Mapped[str] = mapped_column(String(100), default="")  # carrier or buyer
    carrier: Mapped[str] = mapped_column(String(100), default="")
    vehicle: Mapped[str] = mapped_column(String(20), default="")  # plate number
    status: Mapped[ShipmentStatus] = mapped_column(
        StrEnumType(ShipmentStatus, 12), default=ShipmentStatus.PLANNED, index=True
    )
    departed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    origin_facility: Mapped[Facility | None] = relationship(
        foreign_keys=[origin_facility_id], lazy="joined"
    )
    destination_facility: Mapped[Facility | None] = relationship(
        foreign_keys=[destination_facility_id], lazy="joined"
    )
    lines: Mapped[list[ShipmentLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ShipmentLine.id"
    )

    @property
    def origin_label(self) -> str:
        return self.origin_facility.name if self.origin_facility else self.origin_name

    @property
    def destination_label(self) -> str:
        if self.destination_facility:
            return self.destination_facility.name
        return self.destination_name


class ShipmentLine(Base):
    """A quantity of one lot in a shipment, in the lot's own unit. Pack codes may follow later."""

    __tablename__ = "shipment_lines"
    __table_args__ = (
        UniqueConstraint("shipment_id", "batch_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))

    batch: Mapped[Batch] = relationship(lazy="joined")


class TemperatureLimit(Base):
    """The range a product category must be kept in; data staff can correct, never code."""

    __tablename__ = "temperature_limits"
    __table_args__ = (CheckConstraint("min_c < max_c", name="range_ordered"),)

    product_category: Mapped[ProductCategory] = mapped_column(
        StrEnumType(ProductCategory, 20), primary_key=True
    )
    min_c: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    max_c: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TemperatureReading(Base):
    """One reading in a cold store or a vehicle; append-only, like every measurement."""

    __tablename__ = "temperature_readings"
    __table_args__ = (
        CheckConstraint("facility_id IS NOT NULL OR vehicle <> ''", name="place_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    vehicle: Mapped[str] = mapped_column(String(20), default="")
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    product_category: Mapped[ProductCategory] = mapped_column(StrEnumType(ProductCategory, 20))
    measured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    temperature_c: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility | None] = relationship(lazy="joined")


class TemperatureAlert(Base):
    """A reading outside its category's limits; the limits are copied, so editing them later
    leaves the alert true to what applied when it was raised."""

    __tablename__ = "temperature_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("temperature_readings.id"), unique=True)
    min_c: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    max_c: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(200), default="")  # what was done about it

    reading: Mapped[TemperatureReading] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


event.listen(TemperatureReading, "before_update", _refuse_change)
event.listen(TemperatureReading, "before_delete", _refuse_change)
