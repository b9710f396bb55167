"""Programme funding: budget lines by task and source, append-only spending entries with their
vouchers, spending against budget, and the plan's funding rules checked from data (issue 19).

Money is integer fen (1 元 = 100 分) everywhere; amounts come in as Decimal 元 and are refused
when they have more than two decimal places, never rounded."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from trace.clock import check_not_future
from trace.errors import ConflictError, NotFoundError, ValidationError
from trace.models.funding import (
    BudgetLine,
    FundingRule,
    FundingRuleKind,
    FundingTask,
    FundSource,
    SpendingEntry,
    UseCategory,
)
from trace.policy import Actor, authorize
from trace.services import quality_uploads as uploads
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate

VOUCHER_FOLDER = "vouchers"
VOUCHER_TYPES = frozenset({uploads.PDF, uploads.JPEG, uploads.PNG})
VOUCHER_MAX_BYTES = 10 * 1024 * 1024
# 10 亿元 in fen: far above the programme's 1,710 万元, far below BIGINT's range.
MAX_FEN = 100_000_000_000
HUNDRED = Decimal(100)


def to_fen(amount: Decimal | int | str, field: str = "amount", allow_zero: bool = False) -> int:
    """元 as Decimal (or its text) to integer fen. Raises ValidationError naming `field`."""
    value = Decimal(str(amount))
    if not value.is_finite():
        raise ValidationError.for_field(field, "field.invalid")
    fen = value * HUNDRED
    if fen != fen.to_integral_value():
        raise ValidationError.for_field(field, "funding.amount_places")
    if fen < 0 or (fen == 0 and not allow_zero):
        raise ValidationError.for_field(field, "funding.amount_positive")
    if fen > MAX_FEN:
        raise ValidationError.for_field(field, "funding.amount_too_large")
    return int(fen)


def yuan(fen: int | None) -> Decimal | None:
    """Fen as Decimal 元 with two places, for display and exports."""
    return None if fen is None else (Decimal(fen) / HUNDRED).quantize(Decimal("0.01"))


# -- tasks, rules, budget lines -------------------------------------------------------------


def list_tasks(session: Session) -> list[FundingTask]:
    return list(session.scalars(select(FundingTask).order_by(FundingTask.sort_order)))


def _task(session: Session, code: str) -> FundingTask:
    task = session.get(FundingTask, code)
    if task is None:
        raise ValidationError.for_field("task_code", "funding.no_task")
    return task


def list_rules(session: Session) -> list[FundingRule]:
    query = select(FundingRule).where(FundingRule.is_active.is_(True))
    return list(session.scalars(query.order_by(FundingRule.sort_order)))


def list_budget_lines(session: Session, actor: Actor | None) -> list[BudgetLine]:
    authorize(actor, "record.read")
    return _budget_lines(session)


def _budget_lines(session: Session) -> list[BudgetLine]:
    query = select(BudgetLine).join(FundingTask)
    return list(session.scalars(query.order_by(FundingTask.sort_order, BudgetLine.source)))


def set_budget_line(
    session: Session,
    actor: Actor | None,
    task_code: str,
    source: str,
    amount: Decimal,
    note: str = "",
) -> BudgetLine:
    """Set the budget of a task from a source (created or changed, audited either way).

    Raises ValidationError (task_code, amount), PermissionDeniedError."""
    authorize(actor, "funding.manage")
    _task(session, task_code)
    fund = FundSource(source)
    fen = to_fen(amount, allow_zero=True)
    line = session.scalar(
        select(BudgetLine).where(BudgetLine.task_code == task_code, BudgetLine.source == fund)
    )
    actor_id = actor.id if actor is not None else None
    if line is None:
        line = BudgetLine(
            task_code=task_code, source=fund, amount_fen=fen, note=note, updated_by_id=actor_id
        )
        session.add(line)
        record_change(session, actor, "budget_line.create", line)
        return line
    before = snapshot(line)
    line.amount_fen, line.note, line.updated_by_id = fen, note, actor_id
    record_change(session, actor, "budget_line.update", line, before)
    return line


# -- spending entries -------------------------------------------------------------------------


def _store_voucher(upload_dir: Path, voucher: dict[str, Any]) -> uploads.StoredFile:
    return uploads.store_upload(
        upload_dir,
        VOUCHER_FOLDER,
        voucher["data"],
        voucher["content_type"],
        voucher.get("filename", ""),
        VOUCHER_TYPES,
        VOUCHER_MAX_BYTES,
        field="voucher",
    )


def _add_entry(
    session: Session, entry: SpendingEntry, upload_dir: Path, stored: uploads.StoredFile | None
) -> None:
    """Insert in a savepoint: the unique corrects_id decides a race between two corrections."""
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError as exc:
        if stored is not None:
            uploads.discard_upload(upload_dir, VOUCHER_FOLDER, stored.stored_name)
        if entry.corrects_id is not None:
            raise ConflictError.for_field("corrects_id", "funding.already_corrected") from exc
        raise


def _voucher_columns(stored: uploads.StoredFile) -> dict[str, Any]:
    return {
        "voucher_stored_name": stored.stored_name,
        "voucher_content_type": stored.content_type,
        "voucher_size_bytes": stored.size_bytes,
        "voucher_sha256": stored.sha256,
        "voucher_filename": stored.original_filename,
    }


def record_spending(
    session: Session,
    actor: Actor | None,
    *,
    spent_on: dt.date,
    payee: str,
    task_code: str,
    source: str,
    use_category: str,
    amount: Decimal,
    upload_dir: Path,
    voucher: dict[str, Any] | None,
    description: str = "",
) -> SpendingEntry:
    """Record a payment with its voucher (a PDF, JPEG or PNG, checked by its first bytes; a
    PDF with active content is refused). A use the plan forbids is recorded, and flagged by
    check_rules: the books show what was paid.

    Raises ValidationError (spent_on, task_code, amount, voucher), PermissionDeniedError."""
    authorize(actor, "funding.manage")
    check_not_future(spent_on, "spent_on")
    _task(session, task_code)
    fen = to_fen(amount)
    if not voucher or not voucher.get("data"):
        raise ValidationError.for_field("voucher", "funding.voucher_required")
    stored = _store_voucher(upload_dir, voucher)
    entry = SpendingEntry(
        spent_on=spent_on,
        payee=payee,
        task_code=task_code,
        source=FundSource(source),
        use_category=UseCategory(use_category),
        amount_fen=fen,
        description=description,
        recorded_by_id=actor.id if actor is not None else None,
        **_voucher_columns(stored),
    )
    _add_entry(session, entry, upload_dir, stored)
    record_change(session, actor, "spending.create", entry)
    return entry


def correct_spending(
    session: Session,
    actor: Actor | None,
    entry_id: int,
    *,
    reason: str,
    upload_dir: Path,
    voucher: dict[str, Any] | None = None,
    **changes: Any,
) -> SpendingEntry:
    """A correction: a new entry replacing `entry_id` (fields not given are copied, the voucher
    too unless a new one is attached); an amount of 0 withdraws the payment. The original stays.

    Raises NotFoundError, ValidationError, ConflictError (already corrected: correct the newest),
    PermissionDeniedError."""
    authorize(actor, "funding.manage")
    original = session.get(SpendingEntry, entry_id)
    if original is None:
        raise NotFoundError.for_field("entry", "funding.no_entry")
    taken = session.scalar(select(SpendingEntry.id).where(SpendingEntry.corrects_id == entry_id))
    if taken is not None:
        raise ConflictError.for_field("corrects_id", "funding.already_corrected")
    spent_on = changes.get("spent_on") or original.spent_on
    check_not_future(spent_on, "spent_on")
    task_code = changes.get("task_code") or original.task_code
    _task(session, task_code)
    amount = changes.get("amount")
    fen = original.amount_fen if amount is None else to_fen(amount, allow_zero=True)
    stored = _store_voucher(upload_dir, voucher) if voucher and voucher.get("data") else None
    voucher_columns = (
        _voucher_columns(stored)
        if stored is not None
        else {
            "voucher_stored_name": original.voucher_stored_name,
            "voucher_content_type": original.voucher_content_type,
            "voucher_size_bytes": original.voucher_size_bytes,
            "voucher_sha256": original.voucher_sha256,
            "voucher_filename": original.voucher_filename,
        }
    )
    entry = SpendingEntry(
        spent_on=spent_on,
        payee=changes.get("payee") or original.payee,
        task_code=task_code,
        source=FundSource(changes.get("source") or original.source),
        use_category=UseCategory(changes.get("use_category") or original.use_category),
        amount_fen=fen,
        description=changes.get("description", original.description),
        corrects_id=original.id,
        reason=reason,
        recorded_by_id=actor.id if actor is not None else None,
        **voucher_columns,
    )
    _add_entry(session, entry, upload_dir, stored)
    record_change(session, actor, "spending.correct", entry, note=reason)
    return entry


def effective_query() -> Select[Any]:
    """Entries no correction replaces: what the books count."""
    newer = aliased(SpendingEntry)
    replaced = select(newer.id).where(newer.corrects_id == SpendingEntry.id).exists()
    return select(SpendingEntry).where(~replaced)


def get_spending(session: Session, actor: Actor | None, entry_id: int) -> SpendingEntry:
    authorize(actor, "record.read")
    entry = session.get(SpendingEntry, entry_id)
    if entry is None:
        raise NotFoundError.for_field("entry", "funding.no_entry")
    return entry


def list_spending(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    task_code: str | None = None,
    effective_only: bool = False,
) -> Page[SpendingEntry]:
    """Newest first; with effective_only, without the entries corrections replaced."""
    authorize(actor, "record.read")
    query = effective_query() if effective_only else select(SpendingEntry)
    if task_code:
        query = query.where(SpendingEntry.task_code == task_code)
    query = query.order_by(SpendingEntry.spent_on.desc(), SpendingEntry.id.desc())
    return paginate(session, query, page, per_page)


def all_spending(session: Session) -> list[SpendingEntry]:
    """Every entry, oldest first, corrections included (for the acceptance export)."""
    query = select(SpendingEntry).order_by(SpendingEntry.spent_on, SpendingEntry.id)
    return list(session.scalars(query))


def replaced_ids(session: Session) -> set[int]:
    query = select(SpendingEntry.corrects_id).where(SpendingEntry.corrects_id.is_not(None))
    return {int(i) for i in session.scalars(query) if i is not None}


def voucher_file(
    session: Session, actor: Actor | None, entry_id: int, upload_dir: Path
) -> tuple[SpendingEntry, Path]:
    """The entry and its stored voucher. Raises NotFoundError."""
    entry = get_spending(session, actor, entry_id)
    return entry, uploads.stored_path(upload_dir, VOUCHER_FOLDER, entry.voucher_stored_name)


# -- figures and rule checks ------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFigures:
    """One task's budget and effective spending by source, in fen."""

    task: FundingTask
    budget: dict[FundSource, int]
    spent: dict[FundSource, int]

    @property
    def budget_total(self) -> int:
        return sum(self.budget.values())

    @property
    def spent_total(self) -> int:
        return sum(self.spent.values())

    @property
    def spent_pct(self) -> Decimal | None:
        if not self.budget_total:
            return None
        return (Decimal(self.spent_total * 100) / self.budget_total).quantize(Decimal("0.1"))


def spending_by_task(session: Session) -> list[TaskFigures]:
    budget: dict[str, dict[FundSource, int]] = defaultdict(lambda: dict.fromkeys(FundSource, 0))
    spent: dict[str, dict[FundSource, int]] = defaultdict(lambda: dict.fromkeys(FundSource, 0))
    for line in _budget_lines(session):
        budget[line.task_code][FundSource(line.source)] += line.amount_fen
    effective = effective_query().subquery()
    rows = session.execute(
        select(
            effective.c.task_code, effective.c.source, func.sum(effective.c.amount_fen)
        ).group_by(effective.c.task_code, effective.c.source)
    )
    for task_code, source, total in rows:
        spent[task_code][FundSource(source)] += int(total or 0)
    return [TaskFigures(t, budget[t.code], spent[t.code]) for t in list_tasks(session)]


@dataclass(frozen=True)
class RuleCheck:
    """A rule of the plan against the books. status: ok, breach, or no_data (nothing to judge
    yet). `figures` holds what the page shows (shares in %, amounts in fen); `entries` the ids
    of the spending entries that break it."""

    rule: FundingRule
    status: str
    figures: dict[str, Any] = field(default_factory=dict)
    entries: list[int] = field(default_factory=list)

    @property
    def is_breach(self) -> bool:
        return self.status == "breach"


def budget_total_fen(session: Session, source: FundSource) -> int:
    """What the budget lines give a source (central or county funds), in fen."""
    return sum(line.amount_fen for line in _budget_lines(session) if line.source == source)


def budget_share_pct(session: Session, kind: FundingRuleKind) -> Decimal | None:
    """The budgeted share (%) of the tasks named by the first active share rule of `kind` (the
    county centre's ceiling, the supply chain's floor), or None without a rule or a budget."""
    rule = next((r for r in list_rules(session) if r.kind == kind), None)
    if rule is None:
        return None
    tasks = spending_by_task(session)
    wanted = set(rule.tasks)
    whole = sum(t.budget_total for t in tasks)
    return _share(sum(t.budget_total for t in tasks if t.task.code in wanted), whole)


def _share(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part * 100) / whole).quantize(Decimal("0.01"))


def _check_share(rule: FundingRule, tasks: list[TaskFigures]) -> RuleCheck:
    """On both the budget (planned) and effective spending (actual): either breaking it is a
    breach, since the plan's share binds the money both when allocated and when paid."""
    wanted = set(rule.tasks)
    figures: dict[str, Any] = {}
    for basis, of in (("budget", "budget_total"), ("spent", "spent_total")):
        whole = sum(getattr(t, of) for t in tasks)
        part = sum(getattr(t, of) for t in tasks if t.task.code in wanted)
        figures[f"{basis}_pct"] = _share(part, whole)
    limit = rule.limit_pct if rule.limit_pct is not None else Decimal(0)
    measured = [v for v in (figures["budget_pct"], figures["spent_pct"]) if v is not None]
    figures["limit_pct"] = limit
    if not measured:
        return RuleCheck(rule, "no_data", figures)
    if rule.kind is FundingRuleKind.SHARE_MAX:
        broken = any(v > limit for v in measured)
    else:
        broken = any(v < limit for v in measured)
    return RuleCheck(rule, "breach" if broken else "ok", figures)


def _check_forbidden(session: Session, rule: FundingRule) -> RuleCheck:
    effective = effective_query().subquery()
    query = select(effective.c.id, effective.c.amount_fen).where(
        effective.c.use_category == rule.use_category, effective.c.amount_fen > 0
    )
    if rule.source is not None:
        query = query.where(effective.c.source == rule.source)
    rows = list(session.execute(query.order_by(effective.c.id)))
    figures = {"amount_fen": sum(int(r[1]) for r in rows)}
    return RuleCheck(rule, "breach" if rows else "ok", figures, [int(r[0]) for r in rows])


def _check_source_total(rule: FundingRule, tasks: list[TaskFigures]) -> RuleCheck:
    source = FundSource(rule.source) if rule.source else None
    budget = sum(v for t in tasks for s, v in t.budget.items() if source in (None, s))
    spent = sum(v for t in tasks for s, v in t.spent.items() if source in (None, s))
    limit = rule.limit_fen or 0
    figures = {"budget_fen": budget, "spent_fen": spent, "limit_fen": limit}
    status = "breach" if budget > limit or spent > limit else "ok"
    return RuleCheck(rule, status if budget or spent else "no_data", figures)


def _check_within_budget(
    session: Session, rule: FundingRule, tasks: list[TaskFigures]
) -> RuleCheck:
    over = [
        {"task_code": t.task.code, "source": s.value, "budget_fen": t.budget[s], "spent_fen": v}
        for t in tasks
        for s, v in t.spent.items()
        if v > t.budget[s]
    ]
    entries: list[int] = []
    if over:
        effective = effective_query().subquery()
        for item in over:
            entries.extend(
                int(i)
                for i in session.scalars(
                    select(effective.c.id).where(
                        effective.c.task_code == item["task_code"],
                        effective.c.source == item["source"],
                        effective.c.amount_fen > 0,
                    )
                )
            )
    spent_any = any(t.spent_total for t in tasks)
    status = "breach" if over else ("ok" if spent_any else "no_data")
    return RuleCheck(rule, status, {"over": over}, entries)


def _check_single_funding(session: Session, rule: FundingRule) -> RuleCheck:
    """The same voucher (by its SHA-256) on two effective entries: one payment booked twice."""
    effective = effective_query().subquery()
    doubled = (
        select(effective.c.voucher_sha256)
        .where(effective.c.amount_fen > 0)
        .group_by(effective.c.voucher_sha256)
        .having(func.count() > 1)
    )
    ids = [
        int(i)
        for i in session.scalars(
            select(effective.c.id)
            .where(effective.c.voucher_sha256.in_(doubled), effective.c.amount_fen > 0)
            .order_by(effective.c.id)
        )
    ]
    return RuleCheck(rule, "breach" if ids else "ok", {"entries": len(ids)}, ids)


def check_rules(session: Session) -> list[RuleCheck]:
    """Every active rule of funding_rules against the budget and the effective spending."""
    tasks = spending_by_task(session)
    checks: list[RuleCheck] = []
    for rule in list_rules(session):
        kind = FundingRuleKind(rule.kind)
        if kind in (FundingRuleKind.SHARE_MAX, FundingRuleKind.SHARE_MIN):
            checks.append(_check_share(rule, tasks))
        elif kind is FundingRuleKind.FORBIDDEN_USE:
            checks.append(_check_forbidden(session, rule))
        elif kind is FundingRuleKind.SOURCE_TOTAL:
            checks.append(_check_source_total(rule, tasks))
        elif kind is FundingRuleKind.WITHIN_BUDGET:
            checks.append(_check_within_budget(session, rule, tasks))
        else:
            checks.append(_check_single_funding(session, rule))
    return checks


def flagged_entries(checks: list[RuleCheck]) -> dict[int, list[FundingRule]]:
    """Entry id -> the rules it breaks, for marking rows red in lists and exports."""
    flagged: dict[int, list[FundingRule]] = defaultdict(list)
    for check in checks:
        for entry_id in check.entries:
            flagged[entry_id].append(check.rule)
    return dict(flagged)
