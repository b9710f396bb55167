"""承诺达标合格证 (MARA Order 2025 No. 4): the certificates issued for a batch, kept as records."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.batches import Batch, Unit
from trace.models.events import _refuse_change
from trace.models.users import User

# The promise of the order's model form, in the order the A6 template ticks it.
PROMISES = (
    "不使用禁用农药兽药、停用兽药和非法添加物",
    "常规农药兽药残留不超标",
    "对承诺的真实性负责",
)


class CertificateSource(enum.StrEnum):
    ISSUED = "issued"  # issued for the batch by the QC centre or the producer's station
    REISSUED = "reissued"  # a new one for the output of a merge, split or repack (transform)


class ComplianceRecord(Base):
    """One issued 合格证, exactly as printed; append-only (the order asks issuers to keep them)."""

    __tablename__ = "compliance_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # HG + local issue date + batch id + the batch's running count: unique under the batch lock.
    number: Mapped[str] = mapped_column(String(24), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[Unit] = mapped_column(StrEnumType(Unit, 10))
    origin: Mapped[str] = mapped_column(String(200))
    promiser: Mapped[str] = mapped_column(String(100))  # 承诺主体
    contact: Mapped[str] = mapped_column(String(40))  # 联系方式
    promise: Mapped[str] = mapped_column(String(300))
    source: Mapped[CertificateSource] = mapped_column(
        StrEnumType(CertificateSource, 10), default=CertificateSource.ISSUED
    )
    # For a re-issue: the merge, split or transform whose output it certifies.
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("lot_operations.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    batch: Mapped[Batch] = relationship(lazy="joined")
    issued_by: Mapped[User | None] = relationship()


event.listen(ComplianceRecord, "before_update", _refuse_change)
event.listen(ComplianceRecord, "before_delete", _refuse_change)
