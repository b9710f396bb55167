"""Producers: farmers, family farms, cooperatives and enterprises that grow or make the products."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, StrEnumType, UTCDateTime, utcnow


class ProducerKind(enum.StrEnum):
    FARMER = "farmer"
    FAMILY_FARM = "family_farm"
    COOPERATIVE = "cooperative"
    ENTERPRISE = "enterprise"


class Producer(Base):
    __tablename__ = "producers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[ProducerKind] = mapped_column(StrEnumType(ProducerKind, 16))
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), index=True)
    village: Mapped[str] = mapped_column(String(50), default="")
    # 统一社会信用代码 for legal persons; natural persons' ID numbers are never stored.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    is_poverty_registered: Mapped[bool] = mapped_column(default=False)
    is_gi_authorised: Mapped[bool] = mapped_column(default=False)  # may print the GI mark
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
