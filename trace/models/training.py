"""E-commerce training: courses, sessions, trainees, attendance and entrepreneur incubation."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow


class TrainingKind(enum.StrEnum):
    GENERAL = "general"  # 普及培训
    SKILLS = "skills"  # 技能培训 (the plan asks ≥ 20% of person-times)
    ENTREPRENEURSHIP = "entrepreneurship"  # 创业培训


class IncubationOutcome(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    ONLINE_SHOP = "online_shop"  # opened an online shop
    BUSINESS_REGISTERED = "business_registered"  # registered a business or cooperative
    EMPLOYED = "employed"  # took an e-commerce job
    DISCONTINUED = "discontinued"


class Course(Base):
    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[TrainingKind] = mapped_column(StrEnumType(TrainingKind, 20), index=True)
    provider: Mapped[str] = mapped_column(String(100), default="")  # who teaches it
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Trainee(Base):
    """A person trained. Only flags about hardship are kept: never an ID number; the name is
    optional and never shown on public pages."""

    __tablename__ = "trainees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), default="")
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), index=True)
    village: Mapped[str] = mapped_column(String(50), default="")
    is_poverty_registered: Mapped[bool] = mapped_column(default=False)  # 建档立卡户/脱贫户
    is_disabled: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(Base):
    """A trainee at a session: one person-time (人次)."""

    __tablename__ = "training_attendances"
    __table_args__ = (UniqueConstraint("session_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    trainee: Mapped[Trainee] = relationship(lazy="joined")


class TrainingSession(Base):
    """One class of a course, held on a day in a township (often at a service station)."""

    __tablename__ = "training_sessions"
    __table_args__ = (CheckConstraint("hours > 0", name="hours_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    venue: Mapped[str] = mapped_column(String(100), default="")
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    trainer: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
    # Person-times of this session, loaded with it (lists show it without a query per row).
    attendance_count: Mapped[int] = column_property(
        select(func.count(Attendance.id))
        .where(Attendance.session_id == id)
        .correlate_except(Attendance)
        .scalar_subquery()
    )


class Incubation(Base):
    """One-to-one incubation of an entrepreneur, and what came of it."""

    __tablename__ = "incubations"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), unique=True)
    mentor: Mapped[str] = mapped_column(String(100), default="")
    business: Mapped[str] = mapped_column(String(100), default="")  # shop or venture
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[IncubationOutcome] = mapped_column(
        StrEnumType(IncubationOutcome, 20), default=IncubationOutcome.IN_PROGRESS
    )
    outcome_note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    trainee: Mapped[Trainee] = relationship(lazy="joined")
