"""Public disclosure (政务公开): the county's notices with PDF attachments, and reported figures."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow


class NoticeCategory(enum.StrEnum):
    """What the plan asks the county to disclose: the plan, how operators were chosen, progress,
    use of funds and acceptance results."""

    PLAN = "plan"  # 实施方案
    SELECTION = "selection"  # 承办主体遴选
    PROGRESS = "progress"  # 项目进展
    FUNDS = "funds"  # 资金使用
    ACCEPTANCE = "acceptance"  # 验收结果
    OTHER = "other"  # 其他公告


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[NoticeCategory] = mapped_column(StrEnumType(NoticeCategory, 16), index=True)
    published_on: Mapped[dt.date] = mapped_column(Date, index=True)
    body: Mapped[str] = mapped_column(Text, default="")  # plain text; line breaks are kept
    is_published: Mapped[bool] = mapped_column(default=True)  # False: a draft or withdrawn
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    attachments: Mapped[list[NoticeAttachment]] = relationship(
        order_by="NoticeAttachment.id", back_populates="notice"
    )


class NoticeAttachment(Base):
    __tablename__ = "notice_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    original_filename: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(40), unique=True)  # random, outside static/
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="attachments")


class DisclosureFigure(Base):
    """A figure the county reports by hand (turnover growth, funds spent...) for what the records
    do not measure; given a target's code, it stands in for that target's unmeasured value."""

    __tablename__ = "disclosure_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(150), default="")
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    unit: Mapped[str] = mapped_column(String(20), default="")
    as_of: Mapped[dt.date] = mapped_column(Date)
    # The target (by its code) this figure stands in for; a code, not a foreign key, so that this
    # table needs nothing from the programme module's migration.
    target_code: Mapped[str | None] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(300), default="")  # who reported it, from what
    sort_order: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
