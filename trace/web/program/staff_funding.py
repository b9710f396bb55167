"""Staff pages of the programme's books (issue 19), under /staff/program/funding: budget lines,
spending entries with their vouchers, corrections as new entries, and the rules checked."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from trace.clock import local_today
from trace.models.funding import FundSource, UseCategory
from trace.schemas.funding import BudgetLineSetSchema, SpendingCorrectSchema, SpendingCreateSchema
from trace.services import funding as service
from trace.web.database import db
from trace.web.formats import pick
from trace.web.forms import Form
from trace.web.names import FUND_SOURCES, USE_CATEGORIES, name_of
from trace.web.program.funding import funding_context, money, voucher_arguments
from trace.web.program.staff_forms import PER_PAGE, _actor, _form_page, _posted, bp
from trace.web.uploads import send_stored, upload_dir


def _choices() -> dict[str, Any]:
    tasks = service.list_tasks(db())
    return {
        "tasks": [(t.code, pick(t.name_zh, t.name_en)) for t in tasks],
        "sources": [(s.value, name_of(FUND_SOURCES, s)) for s in FundSource],
        "uses": [(u.value, name_of(USE_CATEGORIES, u)) for u in UseCategory],
        "task_names": {t.code: pick(t.name_zh, t.name_en) for t in tasks},
    }


@bp.get("/funding")
def funding() -> Any:
    session = db()
    actor = _actor()
    page_number = request.args.get("page", "1")
    page = service.list_spending(
        session, actor, page=int(page_number) if page_number.isdigit() else 1, per_page=PER_PAGE
    )
    checks = service.check_rules(session)
    return render_template(
        "staff_program/funding.html",
        page=page,
        flagged=service.flagged_entries(checks),
        replaced=service.replaced_ids(session),
        money=money,
        pick=pick,
        **funding_context(session),
        **_choices(),
    )


@bp.route("/funding/budget", methods=["GET", "POST"])
def set_budget() -> Any:
    actor = _actor()
    form = Form(_posted() if request.method == "POST" else {"source": "central"})
    if request.method == "POST":
        data = form.load(BudgetLineSetSchema())
        if data is not None:
            session = db()
            line = form.attempt(lambda: service.set_budget_line(session, actor, **data))
            if line is not None:
                flash(_("已保存预算：%(amount)s 元", amount=money(line.amount_fen)), "ok")
                return redirect(url_for(".funding"), 303)
    return _form_page("staff_program/budget_form.html", form, **_choices())


def _voucher() -> FileStorage | None:
    storage = request.files.get("voucher")
    return storage if storage is not None and storage.filename else None


SPENDING_FIELDS = (
    "spent_on",
    "payee",
    "task_code",
    "source",
    "use_category",
    "amount",
    "description",
    "voucher",
)


@bp.route("/funding/spending/new", methods=["GET", "POST"])
def new_spending() -> Any:
    actor = _actor()
    form = Form(_posted() if request.method == "POST" else {"spent_on": local_today().isoformat()})
    if request.method == "POST":
        data = form.load(SpendingCreateSchema(), fields=SPENDING_FIELDS)
        if data is not None:
            session = db()
            voucher = voucher_arguments(_voucher())
            entry = form.attempt(
                lambda: service.record_spending(
                    session, actor, upload_dir=upload_dir(), voucher=voucher, **data
                )
            )
            if entry is not None:
                flash(_("已记录支出 #%(id)s", id=entry.id), "ok")
                return redirect(url_for(".funding"), 303)
    return _form_page("staff_program/spending_form.html", form, entry=None, **_choices())


CORRECT_FIELDS = (*SPENDING_FIELDS, "reason")


@bp.route("/funding/spending/<int:entry_id>/correct", methods=["GET", "POST"])
def correct_spending(entry_id: int) -> Any:
    actor = _actor()
    session = db()
    entry = service.get_spending(session, actor, entry_id)
    if request.method == "POST":
        form = Form(_posted())
        data = form.load(SpendingCorrectSchema(), fields=CORRECT_FIELDS)
        if data is not None:
            voucher = voucher_arguments(_voucher())
            made = form.attempt(
                lambda: service.correct_spending(
                    session, actor, entry_id, upload_dir=upload_dir(), voucher=voucher, **data
                )
            )
            if made is not None:
                flash(_("已更正支出 #%(old)s，新记录 #%(id)s", old=entry_id, id=made.id), "ok")
                return redirect(url_for(".funding"), 303)
    else:
        form = Form(
            {
                "spent_on": entry.spent_on.isoformat(),
                "payee": entry.payee,
                "task_code": entry.task_code,
                "source": entry.source.value,
                "use_category": entry.use_category.value,
                "amount": str(service.yuan(entry.amount_fen)),
                "description": entry.description,
            }
        )
    return _form_page("staff_program/spending_form.html", form, entry=entry, **_choices())


@bp.get("/funding/spending/<int:entry_id>/voucher")
def spending_voucher(entry_id: int) -> Any:
    entry, path = service.voucher_file(db(), _actor(), entry_id, upload_dir())
    return send_stored(path, entry.voucher_content_type, entry.voucher_filename or path.name)
