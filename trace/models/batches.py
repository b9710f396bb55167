"""Batches (lots): one harvest or production run of a product by a producer."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.producers import Producer
from trace.models.products import Product

# The predecessor of a chain's first event (trace.services.events builds on it).
GENESIS_HASH = "0" * 64


class BatchStatus(enum.StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"  # failed inspection, awaiting a QC disposition
    RECALLED = "recalled"
    CLOSED = "closed"  # fully consumed or sold


class Unit(enum.StrEnum):
    KG = "kg"  # 公斤, 千克
    JIN = "jin"  # 斤 (市斤), the unit farmers weigh in: 0.5 kg exactly (trace.quantities)
    G = "g"
    T = "t"
    PIECE = "piece"
    BOX = "box"
    BOTTLE = "bottle"


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot: Mapped[str] = mapped_column(String(20), unique=True)  # GS1 AI (10), set 82
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    harvested_on: Mapped[dt.date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[Unit] = mapped_column(StrEnumType(Unit, 10))
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), index=True)
    village: Mapped[str] = mapped_column(String(50), default="")
    plot: Mapped[str] = mapped_column(String(100), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    altitude_m: Mapped[int | None] = mapped_column()
    grade: Mapped[str] = mapped_column(String(20), default="")
    # The province the lot is sold in (e.g. 云南), for the 窜货 flag; empty when not restricted.
    sales_region: Mapped[str] = mapped_column(String(20), default="", server_default="")
    status: Mapped[BatchStatus] = mapped_column(
        StrEnumType(BatchStatus, 16), default=BatchStatus.ACTIVE
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The chain's length and newest hash, written with each event (trace.services.events): an
    # edit through the events table alone that drops the newest events, every event or a middle
    # one (re-hashing the rest) no longer matches them. Someone who rewrites these too is caught
    # only by a signed checkpoint kept elsewhere (trace.services.checkpoints).
    event_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_event_hash: Mapped[str] = mapped_column(
        String(64), default=GENESIS_HASH, server_default=GENESIS_HASH
    )

    product: Mapped[Product] = relationship(lazy="joined")
    producer: Mapped[Producer] = relationship(lazy="joined")
