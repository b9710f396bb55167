"""Poverty relief through e-commerce: model enterprises (电商扶贫示范企业) with the registered poor
households they lift, and the staff of stations and logistics facilities with how many are poor."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, UTCDateTime, utcnow
from trace.models.logistics import Facility
from trace.models.producers import Producer
from trace.models.stations import Station


class ModelEnterprise(Base):
    """A producer (enterprise or cooperative) named a model e-commerce poverty-relief enterprise."""

    __tablename__ = "model_enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), unique=True)
    designated_on: Mapped[dt.date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(200), default="")  # 认定文件 title and number
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    producer: Mapped[Producer] = relationship(lazy="joined")


class LiftedHousehold(Base):
    """A registered poor household a model enterprise works with: a producer (a farmer who
    supplies it) or a trainee (employed or trained by it). Counts only while it is registered."""

    __tablename__ = "lifted_households"
    __table_args__ = (
        CheckConstraint(
            "(producer_id IS NULL) <> (trainee_id IS NULL)", name="producer_or_trainee"
        ),
        UniqueConstraint("enterprise_id", "producer_id"),
        UniqueConstraint("enterprise_id", "trainee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("model_enterprises.id"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"))
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("trainees.id"))
    linked_on: Mapped[dt.date] = mapped_column(Date)
    how: Mapped[str] = mapped_column(String(200), default="")  # 订单收购, 就业...
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffCount(Base):
    """How many people work at a station or a logistics facility on a day, and how many of them
    are from registered poor households; the latest count of each place is the current one."""

    __tablename__ = "staff_counts"
    __table_args__ = (
        CheckConstraint("(station_id IS NULL) <> (facility_id IS NULL)", name="one_place"),
        CheckConstraint("employees >= 0 AND poor_employees >= 0", name="not_negative"),
        CheckConstraint("poor_employees <= employees", name="poor_within_employees"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    counted_on: Mapped[dt.date] = mapped_column(Date)
    employees: Mapped[int] = mapped_column()
    poor_employees: Mapped[int] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station | None] = relationship(lazy="joined")
    facility: Mapped[Facility | None] = relationship(lazy="joined")
