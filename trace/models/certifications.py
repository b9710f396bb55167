"""Certificates held by producers, products or batches; their status comes from the dates."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.batches import Batch
from trace.models.producers import Producer
from trace.models.products import Product

EXPIRY_WARNING_DAYS = 30


class CertificationType(enum.StrEnum):
    GI_PRODUCT = "gi_product"  # 地理标志保护产品
    GI_TRADEMARK = "gi_trademark"  # 地理标志证明商标
    GREEN_FOOD = "green_food"  # 绿色食品
    ORGANIC = "organic"  # 有机产品
    COMPLIANCE_CERTIFICATE = "compliance_certificate"  # 承诺达标合格证, per production batch
    LEGACY_POLLUTION_FREE = "legacy_pollution_free"  # 无公害, wound down: shown as legacy


class CertificationScope(enum.StrEnum):
    PRODUCER = "producer"
    PRODUCT = "product"
    BATCH = "batch"


class CertificationStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"  # still valid, ends within EXPIRY_WARNING_DAYS
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


def certificate_status(
    valid_from: dt.date,
    valid_to: dt.date | None,
    today: dt.date,
    warning_days: int = EXPIRY_WARNING_DAYS,
) -> CertificationStatus:
    """Derived, never stored: both dates are inclusive; no end date means it does not expire."""
    if today < valid_from:
        return CertificationStatus.NOT_YET_VALID
    if valid_to is None:
        return CertificationStatus.VALID
    if today > valid_to:
        return CertificationStatus.EXPIRED
    if (valid_to - today).days <= warning_days:
        return CertificationStatus.EXPIRING
    return CertificationStatus.VALID


class Certification(Base):
    __tablename__ = "certifications"
    __table_args__ = (
        UniqueConstraint("cert_type", "number"),
        # Exactly one of the scope columns is set: the scope names which.
        CheckConstraint(
            "(CASE WHEN producer_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN batch_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_type: Mapped[CertificationType] = mapped_column(StrEnumType(CertificationType, 32))
    number: Mapped[str | None] = mapped_column(String(40))  # None where it is unknown
    holder: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(100))
    scope: Mapped[CertificationScope] = mapped_column(StrEnumType(CertificationScope, 10))
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    verify_url: Mapped[str] = mapped_column(String(200), default="")  # where the public can check
    note: Mapped[str] = mapped_column(String(500), default="")
    file_stored_name: Mapped[str | None] = mapped_column(String(64))
    file_content_type: Mapped[str | None] = mapped_column(String(40))
    file_size: Mapped[int | None] = mapped_column()
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_uploaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    producer: Mapped[Producer | None] = relationship()
    product: Mapped[Product | None] = relationship()
    batch: Mapped[Batch | None] = relationship()

    @property
    def scope_id(self) -> int | None:
        return {
            CertificationScope.PRODUCER: self.producer_id,
            CertificationScope.PRODUCT: self.product_id,
            CertificationScope.BATCH: self.batch_id,
        }[self.scope]

    @property
    def is_legacy(self) -> bool:
        return self.cert_type is CertificationType.LEGACY_POLLUTION_FREE

    @property
    def has_file(self) -> bool:
        return self.file_stored_name is not None

    def status_on(self, today: dt.date) -> CertificationStatus:
        return certificate_status(self.valid_from, self.valid_to, today)
