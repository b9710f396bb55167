"""What stations and logistics points do each day (issue 19): the services a station gives
(代购代销, 快递代收代发, 缴费代办, 农产品上行) and parcel tallies of facilities without a
station."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.events import _refuse_change
from trace.models.logistics import Facility
from trace.models.stations import Station


class ServiceKind(enum.StrEnum):
    PURCHASE_SALE = "purchase_sale"  # 代购代销 (amount)
    PARCEL_IN = "parcel_in"  # 快递代收 (parcels)
    PARCEL_OUT = "parcel_out"  # 快递代发 (parcels)
    BILL_PAYMENT = "bill_payment"  # 缴费代办 (amount)
    PRODUCE_ORDER = "produce_order"  # 农产品上行订单 (amount, parcels sent)


class ParcelDirection(enum.StrEnum):
    IN = "in"
    OUT = "out"


class ServiceRecord(Base):
    """One service a station gave; append-only. The villager's name is kept for the station's
    own list (never an ID number); public pages show only counts."""

    __tablename__ = "station_service_records"
    __table_args__ = (
        CheckConstraint("amount_fen IS NULL OR amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("parcels IS NULL OR parcels >= 0", name="parcels_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    kind: Mapped[ServiceKind] = mapped_column(StrEnumType(ServiceKind, 20), index=True)
    served_on: Mapped[dt.date] = mapped_column(Date, index=True)
    villager: Mapped[str] = mapped_column(String(50), default="")
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    parcels: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station] = relationship(lazy="joined")


class ParcelCount(Base):
    """Parcels through a facility on a day (the county sorting centre, delivery centres),
    append-only and summed. A point merged with a station counts its station's services."""

    __tablename__ = "parcel_counts"
    __table_args__ = (CheckConstraint("parcels > 0", name="parcels_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    counted_on: Mapped[dt.date] = mapped_column(Date, index=True)
    direction: Mapped[ParcelDirection] = mapped_column(StrEnumType(ParcelDirection, 3))
    parcels: Mapped[int] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship(lazy="joined")


for _model in (ServiceRecord, ParcelCount):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
