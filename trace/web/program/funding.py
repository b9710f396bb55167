"""Programme funding (issue 19): the JSON API (budget lines, spending entries with vouchers,
rule checks), the dashboard's funding section, and the acceptance (验收) exports."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]
from flask import Blueprint as PageBlueprint
from flask import Response, abort
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from trace.cells import XLSX_OPTIONS, SafeCsvWriter, write_string_row
from trace.db import utcnow
from trace.models.funding import FundingRuleKind, FundSource
from trace.policy import authorize
from trace.schemas.funding import (
    BudgetLineSchema,
    BudgetLineSetSchema,
    FundingReportSchema,
    FundingRuleSchema,
    FundingTaskSchema,
    SpendingCorrectSchema,
    SpendingCreateSchema,
    SpendingEntrySchema,
    SpendingPageSchema,
    SpendingQueryArgsSchema,
    VoucherSchema,
)
from trace.services import funding as service
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.formats import pick
from trace.web.names import FUND_SOURCES, USE_CATEGORIES, name_of
from trace.web.uploads import read_upload, send_stored, upload_dir

PREFIX = "/funding"
blp = Blueprint("funding", __name__, description="Programme funding: budget, spending, rules")
pages = PageBlueprint("program_funding", __name__)


def voucher_arguments(storage: FileStorage | None) -> dict[str, Any] | None:
    if storage is None:
        return None
    return {
        "data": read_upload(storage, service.VOUCHER_MAX_BYTES),
        "content_type": storage.mimetype,
        "filename": storage.filename or "",
    }


@blp.get("/tasks")
@blp.response(200, FundingTaskSchema(many=True))
def list_tasks() -> Any:
    authorize(current_actor(), "record.read")
    return service.list_tasks(db())


@blp.get("/rules")
@blp.response(200, FundingRuleSchema(many=True))
def list_rules() -> Any:
    authorize(current_actor(), "record.read")
    return service.list_rules(db())


@blp.get("/budget-lines")
@blp.response(200, BudgetLineSchema(many=True))
def list_budget_lines() -> Any:
    return service.list_budget_lines(db(), current_actor())


@blp.put("/budget-lines")
@blp.arguments(BudgetLineSetSchema)
@blp.response(200, BudgetLineSchema)
def set_budget_line(data: dict[str, Any]) -> Any:
    """Set a task's budget from one source (元, at most two decimals)."""
    session = db()
    line = service.set_budget_line(session, current_actor(), **data)
    session.commit()
    return line


@blp.get("/spending")
@blp.arguments(SpendingQueryArgsSchema, location="query")
@blp.response(200, SpendingPageSchema)
def list_spending(args: dict[str, Any]) -> Any:
    return service.list_spending(db(), current_actor(), **args)


@blp.post("/spending")
@blp.arguments(SpendingCreateSchema, location="form")
@blp.arguments(VoucherSchema, location="files")
@blp.response(201, SpendingEntrySchema)
def record_spending(data: dict[str, Any], files: dict[str, Any]) -> Any:
    """A payment (multipart/form-data) with its voucher file `voucher` (PDF, JPEG or PNG)."""
    session = db()
    entry = service.record_spending(
        session,
        current_actor(),
        upload_dir=upload_dir(),
        voucher=voucher_arguments(files.get("voucher")),
        **data,
    )
    session.commit()
    return entry


@blp.get("/spending/<int:entry_id>")
@blp.response(200, SpendingEntrySchema)
def get_spending(entry_id: int) -> Any:
    return service.get_spending(db(), current_actor(), entry_id)


@blp.post("/spending/<int:entry_id>/corrections")
@blp.arguments(SpendingCorrectSchema, location="form")
@blp.arguments(VoucherSchema, location="files")
@blp.response(201, SpendingEntrySchema)
def correct_spending(data: dict[str, Any], files: dict[str, Any], entry_id: int) -> Any:
    """A correction (multipart/form-data): a new entry replacing this one; `amount` 0 withdraws
    it. Fields not sent are copied, the voucher too unless a new `voucher` file is sent."""
    session = db()
    entry = service.correct_spending(
        session,
        current_actor(),
        entry_id,
        upload_dir=upload_dir(),
        voucher=voucher_arguments(files.get("voucher")),
        **data,
    )
    session.commit()
    return entry


@blp.get("/spending/<int:entry_id>/voucher")
@blp.response(200, content_type="application/octet-stream")
def download_voucher(entry_id: int) -> Response:
    entry, path = service.voucher_file(db(), current_actor(), entry_id, upload_dir())
    return send_stored(path, entry.voucher_content_type, entry.voucher_filename or path.name)


@blp.get("/report")
@blp.response(200, FundingReportSchema)
def report() -> Any:
    """Budget and effective spending by task and source (fen), and every rule checked."""
    authorize(current_actor(), "record.read")
    session = db()
    return {"tasks": service.spending_by_task(session), "checks": service.check_rules(session)}


# -- words for people: the dashboard section and the exports ------------------------------------


def money(fen: int | None) -> str:
    """Fen as 元 with thousands separators and two decimals: 123456789 -> "1,234,567.89"."""
    value = service.yuan(fen)
    return "—" if value is None else f"{value:,.2f}"


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.normalize():f}%"


def status_word(status: str) -> str:
    words = {"ok": _("符合"), "breach": _("违反"), "no_data": _("暂无数据")}
    return words[status]


def check_words(check: service.RuleCheck, task_names: dict[str, str]) -> str:
    """What the books show against the rule, in the page's language."""
    kind = FundingRuleKind(check.rule.kind)
    figures = check.figures
    if kind in (FundingRuleKind.SHARE_MAX, FundingRuleKind.SHARE_MIN):
        return _(
            "按预算占 %(budget)s，按已支出占 %(spent)s",
            budget=_pct(figures["budget_pct"]),
            spent=_pct(figures["spent_pct"]),
        )
    if kind is FundingRuleKind.FORBIDDEN_USE:
        if not check.entries:
            return _("没有这类支出")
        return _(
            "%(n)s 笔支出共 %(amount)s 元：%(ids)s",
            n=len(check.entries),
            amount=money(figures["amount_fen"]),
            ids=", ".join(f"#{i}" for i in check.entries),
        )
    if kind is FundingRuleKind.SOURCE_TOTAL:
        return _(
            "预算 %(budget)s 元，已支出 %(spent)s 元，计划 %(limit)s 元",
            budget=money(figures["budget_fen"]),
            spent=money(figures["spent_fen"]),
            limit=money(figures["limit_fen"]),
        )
    if kind is FundingRuleKind.WITHIN_BUDGET:
        if not figures["over"]:
            return _("各项任务支出均未超出预算")
        return "；".join(
            _(
                "%(task)s（%(source)s）预算 %(budget)s 元，已支出 %(spent)s 元",
                task=task_names.get(o["task_code"], o["task_code"]),
                source=name_of(FUND_SOURCES, o["source"]),
                budget=money(o["budget_fen"]),
                spent=money(o["spent_fen"]),
            )
            for o in figures["over"]
        )
    if not check.entries:
        return _("没有重复记账的凭证")
    return _("同一凭证记了多笔支出：%(ids)s", ids=", ".join(f"#{i}" for i in check.entries))


def funding_context(session: Session) -> dict[str, Any]:
    """What the dashboard's funding section (program/_funding.html) shows: aggregates only."""
    tasks = service.spending_by_task(session)
    checks = service.check_rules(session)
    names = {t.task.code: pick(t.task.name_zh, t.task.name_en) for t in tasks}
    return {
        "funding_tasks": [
            {
                "code": t.task.code,
                "name": names[t.task.code],
                "budget": {s.value: money(t.budget[s]) for s in FundSource},
                "spent": {s.value: money(t.spent[s]) for s in FundSource},
                "budget_total": money(t.budget_total),
                "spent_total": money(t.spent_total),
                "pct": _pct(t.spent_pct),
                "is_over": any(t.spent[s] > t.budget[s] for s in FundSource),
            }
            for t in tasks
        ],
        "funding_totals": {
            "budget": money(sum(t.budget_total for t in tasks)),
            "spent": money(sum(t.spent_total for t in tasks)),
        },
        "funding_checks": [
            {
                "code": c.rule.code,
                "text": pick(c.rule.text_zh, c.rule.text_en),
                "status": c.status,
                "status_word": status_word(c.status),
                "words": check_words(c, names),
            }
            for c in checks
        ],
        "funding_breaches": sum(1 for c in checks if c.is_breach),
    }


# -- acceptance (验收) exports --------------------------------------------------------------------


def _sheets(session: Session) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The three tables of the acceptance file: budget, spending (every entry, corrections
    included, each marked counted or replaced), rule checks."""
    tasks = service.spending_by_task(session)
    names = {t.task.code: pick(t.task.name_zh, t.task.name_en) for t in tasks}
    checks = service.check_rules(session)
    flagged = service.flagged_entries(checks)
    replaced = service.replaced_ids(session)
    budget_rows = [
        [
            t.task.code,
            names[t.task.code],
            str(service.yuan(t.budget[FundSource.CENTRAL])),
            str(service.yuan(t.budget[FundSource.COUNTY])),
            str(service.yuan(t.budget_total)),
            str(service.yuan(t.spent[FundSource.CENTRAL])),
            str(service.yuan(t.spent[FundSource.COUNTY])),
            str(service.yuan(t.spent_total)),
        ]
        for t in tasks
    ]
    spending_rows = [
        [
            e.id,
            e.spent_on.isoformat(),
            e.payee,
            e.task_code,
            names.get(e.task_code, e.task_code),
            name_of(FUND_SOURCES, e.source),
            name_of(USE_CATEGORIES, e.use_category),
            str(service.yuan(e.amount_fen)),
            e.description,
            "" if e.corrects_id is None else e.corrects_id,
            e.reason,
            _("已被更正") if e.id in replaced else _("计入"),
            "；".join(pick(r.text_zh, r.text_en) for r in flagged.get(e.id, [])),
            e.voucher_filename,
            e.voucher_sha256,
        ]
        for e in service.all_spending(session)
    ]
    check_rows = [
        [
            c.rule.code,
            pick(c.rule.text_zh, c.rule.text_en),
            status_word(c.status),
            check_words(c, names),
        ]
        for c in checks
    ]
    return {
        "budget": (
            [
                _("任务代码"),
                _("任务"),
                _("中央预算（元）"),
                _("县级预算（元）"),
                _("预算合计（元）"),
                _("中央已支出（元）"),
                _("县级已支出（元）"),
                _("已支出合计（元）"),
            ],
            budget_rows,
        ),
        "spending": (
            [
                _("编号"),
                _("日期"),
                _("收款单位"),
                _("任务代码"),
                _("任务"),
                _("资金来源"),
                _("用途类别"),
                _("金额（元）"),
                _("说明"),
                _("更正的记录"),
                _("更正原因"),
                _("状态"),
                _("违反的规定"),
                _("凭证文件"),
                _("凭证 SHA-256"),
            ],
            spending_rows,
        ),
        "checks": ([_("规定代码"), _("规定"), _("结果"), _("情况")], check_rows),
    }


def acceptance_sheets(session: Session) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(title, header, rows) of each acceptance table, for the dashboard's XLSX too."""
    titles = _sheet_titles()
    return [(titles[part], header, rows) for part, (header, rows) in _sheets(session).items()]


def _sheet_titles() -> dict[str, str]:
    return {"budget": _("预算与支出"), "spending": _("支出明细"), "checks": _("规定检查")}


def _download(body: bytes | str, mimetype: str, name: str) -> Response:
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="dayao-funding-{name}-{stamp}"'},
    )


@pages.get("/funding/acceptance.xlsx")
def acceptance_xlsx() -> Response:
    """One workbook for the acceptance inspection: budget, spending, rule checks (every cell
    a string: nothing typed by staff runs as a formula)."""
    authorize(current_actor(), "record.read")
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, **XLSX_OPTIONS})
    bold = workbook.add_format({"bold": True})
    red = workbook.add_format({"font_color": "#B00020", "bold": True})
    titles = _sheet_titles()
    for part, (header, rows) in _sheets(db()).items():
        sheet = workbook.add_worksheet(titles[part])
        write_string_row(sheet, 0, header, bold)
        for number, row in enumerate(rows, start=1):
            breach = part == "checks" and row[2] == status_word("breach")
            write_string_row(sheet, number, row, red if breach else None)
        sheet.set_column(0, len(header) - 1, 18)
    workbook.close()
    return _download(
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "acceptance.xlsx",
    )


@pages.get("/funding/<part>.csv")
def acceptance_csv(part: str) -> Response:
    """One table of the acceptance file as CSV: budget, spending or checks."""
    authorize(current_actor(), "record.read")
    sheets = _sheets(db())
    if part not in sheets:
        abort(404)
    header, rows = sheets[part]
    buffer = io.StringIO()
    buffer.write("\ufeff")  # spreadsheet programs on Windows then read the Chinese correctly
    writer = SafeCsvWriter(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return _download(buffer.getvalue(), "text/csv", f"{part}.csv")
