"""E-commerce service stations: the county centre, township stations and village stations."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.regions import Township, Village


class StationTier(enum.StrEnum):
    COUNTY = "county"  # 县级电子商务公共服务中心
    TOWNSHIP = "township"  # 乡镇电子商务服务站
    VILLAGE = "village"  # 村级电子商务服务点


class StationService(enum.StrEnum):
    """The services the county plan lists for its stations; the Chinese names are the plan's."""

    PRODUCE_MARKETING = "produce_marketing"  # 农产品营销
    ONLINE_PURCHASING = "online_purchasing"  # 网上代购
    CONSIGNMENT_SALES = "consignment_sales"  # 农产品代销
    PARCELS = "parcels"  # 快递代收代发
    BILL_PAYMENT = "bill_payment"  # 费用代缴
    PHONE_TOP_UP = "phone_top_up"  # 话费充值
    OUTREACH = "outreach"  # 电商知识和政策宣传
    # Commonly offered in the same programmes elsewhere; kept so stations can record them.
    TICKETING = "ticketing"  # 票务代订
    JOB_INFORMATION = "job_information"  # 就业创业信息发布


class Station(Base):
    __tablename__ = "stations"
    __table_args__ = (
        # The plan funds at most one station per village. A partial unique index says so on
        # SQLite and PostgreSQL alike; unfunded stations in the same village stay possible.
        Index(
            "uq_stations_funded_village",
            "village_id",
            unique=True,
            sqlite_where=text("is_funded"),
            postgresql_where=text("is_funded"),
        ),
        CheckConstraint("tier <> 'village' OR village_id IS NOT NULL", name="village_has_village"),
        CheckConstraint("floor_area_m2 IS NULL OR floor_area_m2 > 0", name="floor_area_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    tier: Mapped[StationTier] = mapped_column(StrEnumType(StationTier, 10), index=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    operator: Mapped[str] = mapped_column(String(100), default="")  # 运营主体
    address: Mapped[str] = mapped_column(String(200), default="")
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    is_funded: Mapped[bool] = mapped_column(default=False)  # built with programme funds
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    township: Mapped[Township] = relationship(lazy="joined")
    village: Mapped[Village | None] = relationship(lazy="joined")
    service_rows: Mapped[list[StationServiceOffer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StationServiceOffer.service"
    )

    @property
    def services(self) -> list[StationService]:
        return [row.service for row in self.service_rows]


class StationServiceOffer(Base):
    """One service a station offers (a row per service, so lists and counts are plain SQL)."""

    __tablename__ = "station_services"

    station_id: Mapped[int] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[StationService] = mapped_column(
        StrEnumType(StationService, 30), primary_key=True
    )
