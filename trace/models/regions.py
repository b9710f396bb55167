"""Dayao's townships and villages: the places every origin refers to."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base


class Township(Base):
    __tablename__ = "townships"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)  # GB/T 2260 + 3-digit town code
    name_zh: Mapped[str] = mapped_column(String(50))
    name_pinyin: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # town | township | ethnic_township


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("township_code", "name_zh"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), index=True)
    code: Mapped[str | None] = mapped_column(String(12), unique=True)  # unknown for some villages
    name_zh: Mapped[str] = mapped_column(String(50))
    name_pinyin: Mapped[str] = mapped_column(String(100), default="")
    is_administrative: Mapped[bool] = mapped_column(default=True)
    # 贫困村, and whether it has the conditions for a station (the plan: 有条件的贫困村全覆盖).
    is_poor: Mapped[bool] = mapped_column(default=False)
    has_station_conditions: Mapped[bool] = mapped_column(default=True)
