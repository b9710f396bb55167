"""Label runs and the unique, unguessable pack codes they issue (one code per pack)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.batches import Batch

# The most labels one run may print: the PDF streams in flat memory, but a run this size is a
# lorry-load of packs and takes minutes to print; more is a mistake, or several runs.
MAX_RUN = 100_000


class CodeStatus(enum.StrEnum):
    ACTIVE = "active"
    VOID = "void"  # a misprint or a destroyed label: scans answer "void"


class LabelRun(Base):
    __tablename__ = "label_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    count: Mapped[int] = mapped_column()
    template: Mapped[str] = mapped_column(String(40))
    # The trade item printed: the batch's product, or its carton product for a carton template.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    first_sequence: Mapped[int] = mapped_column()  # printed numbers run first..first+count-1
    pack_date: Mapped[dt.date] = mapped_column()
    # A client's retry with the same key gets the same run back instead of a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[CodeStatus] = mapped_column(
        StrEnumType(CodeStatus, 10), default=CodeStatus.ACTIVE
    )
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    reprint_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[Batch] = relationship(lazy="joined")


class PackCode(Base):
    __tablename__ = "pack_codes"
    __table_args__ = (
        UniqueConstraint("batch_id", "sequence"),
        Index("ix_pack_codes_label_run_id_sequence", "label_run_id", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique across the whole database by constraint: a guessed or duplicated serial cannot exist.
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    label_run_id: Mapped[int] = mapped_column(ForeignKey("label_runs.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    sequence: Mapped[int] = mapped_column()
    status: Mapped[CodeStatus] = mapped_column(
        StrEnumType(CodeStatus, 10), default=CodeStatus.ACTIVE
    )
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    # Counters kept beside the append-only scan log so a scan needs one indexed row, not a count.
    # public_scan_count counts distinct clients (trace.services.scans), not page loads.
    public_scan_count: Mapped[int] = mapped_column(default=0)
    first_scanned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # How many distinct addresses those clients came from: "exceeded" needs more than one.
    counted_addresses: Mapped[int] = mapped_column(default=0, server_default="0")
    # Roughly where the first counted scan came from (province/city, never the address).
    first_region: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # Counted scans before this moment were marked by QC as their own test scans.
    counted_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
