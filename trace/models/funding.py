"""Programme funding (issue 19): tasks, budget lines by task and source, append-only spending
entries with their vouchers, and the plan's funding rules as data."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.events import _refuse_change


class FundSource(enum.StrEnum):
    CENTRAL = "central"  # 中央财政资金
    COUNTY = "county"  # 县级配套资金


class UseCategory(enum.StrEnum):
    """What a payment bought; the plan forbids some of these to central funds (funding_rules)."""

    EQUIPMENT = "equipment"  # 设备购置
    RENOVATION = "renovation"  # 场地改造装修
    SERVICE_PURCHASE = "service_purchase"  # 服务购买
    TRAINING = "training"  # 培训实施
    LOGISTICS = "logistics"  # 物流配送
    DESIGN_BRANDING = "design_branding"  # 品牌与包装设计
    SUBSIDY = "subsidy"  # 补贴奖励
    TRADING_PLATFORM = "trading_platform"  # 网络交易平台
    BUILDING = "building"  # 楼堂馆所建设
    RUNNING_COSTS = "running_costs"  # 工作经费
    TRAFFIC = "traffic"  # 购买流量
    OTHER = "other"  # 其他


class FundingRuleKind(enum.StrEnum):
    SHARE_MAX = "share_max"  # the tasks' share of all funds at most limit_pct
    SHARE_MIN = "share_min"  # ... at least limit_pct
    FORBIDDEN_USE = "forbidden_use"  # no spending of `source` on `use_category`
    SOURCE_TOTAL = "source_total"  # budget and spending of `source` within limit_fen
    WITHIN_BUDGET = "within_budget"  # spending per task and source within its budget line
    SINGLE_FUNDING = "single_funding"  # one voucher (the same payment) on one entry only


class FundingTask(Base):
    """A task of the plan that budget lines fund (县级公共服务中心, 供应链体系...); data."""

    __tablename__ = "funding_tasks"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150), default="")
    sort_order: Mapped[int] = mapped_column(default=0)


class FundingRule(Base):
    """One rule of the plan's funding section, as data the programme office can correct."""

    __tablename__ = "funding_rules"
    __table_args__ = (
        CheckConstraint(
            "limit_pct IS NULL OR (limit_pct >= 0 AND limit_pct <= 100)", name="pct_range"
        ),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[FundingRuleKind] = mapped_column(StrEnumType(FundingRuleKind, 20))
    task_codes: Mapped[str] = mapped_column(String(300), default="")  # comma-separated
    source: Mapped[FundSource | None] = mapped_column(StrEnumType(FundSource, 10))
    use_category: Mapped[UseCategory | None] = mapped_column(StrEnumType(UseCategory, 20))
    limit_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    limit_fen: Mapped[int | None] = mapped_column(BigInteger)
    text_zh: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(String(300), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def tasks(self) -> list[str]:
        return [code for code in self.task_codes.split(",") if code]


class BudgetLine(Base):
    """The plan's money for one task from one source, in fen (1 元 = 100 分)."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("task_code", "source"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_code: Mapped[str] = mapped_column(ForeignKey("funding_tasks.code"), index=True)
    source: Mapped[FundSource] = mapped_column(StrEnumType(FundSource, 10))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    task: Mapped[FundingTask] = relationship(lazy="joined")


class SpendingEntry(Base):
    """One payment; append-only. A correction is a new entry pointing at the one it replaces
    (`corrects_id`, at most one correction per entry): totals count only entries no correction
    replaces. An amount of 0 in a correction withdraws the payment."""

    __tablename__ = "spending_entries"
    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("corrects_id IS NOT NULL OR amount_fen > 0", name="original_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    spent_on: Mapped[dt.date] = mapped_column(Date, index=True)
    payee: Mapped[str] = mapped_column(String(200))
    task_code: Mapped[str] = mapped_column(ForeignKey("funding_tasks.code"), index=True)
    source: Mapped[FundSource] = mapped_column(StrEnumType(FundSource, 10))
    use_category: Mapped[UseCategory] = mapped_column(StrEnumType(UseCategory, 20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(500), default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("spending_entries.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(300), default="")  # why the correction
    voucher_stored_name: Mapped[str] = mapped_column(String(40))
    voucher_content_type: Mapped[str] = mapped_column(String(40))
    voucher_size_bytes: Mapped[int] = mapped_column()
    voucher_sha256: Mapped[str] = mapped_column(String(64), index=True)
    voucher_filename: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[FundingTask] = relationship(lazy="joined")


event.listen(SpendingEntry, "before_update", _refuse_change)
event.listen(SpendingEntry, "before_delete", _refuse_change)
