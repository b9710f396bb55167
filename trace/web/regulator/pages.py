"""The regulator's read-only pages under /regulator (市场监管局, 农业农村局; admins too).

Search lots; a lot's whole record (timeline with its ancestors', genealogy both ways, quality,
labels, scan statistics, chain check, audit trail); recalls and their progress; exports.
Same sign-in, layout and access rules as the staff pages; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from trace.errors import NotFoundError, TraceError, ValidationError
from trace.models.batches import Batch, BatchStatus, Unit
from trace.models.certifications import CertificationType
from trace.models.recalls import RecallStatus
from trace.models.users import User
from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.schemas.regulator import AuditArgsSchema, ExportFormArgsSchema, LotSearchArgsSchema
from trace.services import audit as audit_service
from trace.services import certifications as certification_service
from trace.services import exports as export_service
from trace.services import genealogy as genealogy_service
from trace.services import inspections as inspection_service
from trace.services import jobs as job_service
from trace.services import labels as label_service
from trace.services import logistics as logistics_service
from trace.services import oversight, recalls, regions, scan_regions, trace_query, verify
from trace.services import products as product_service
from trace.web.auth import current_actor
from trace.web.database import db, replica_safe
from trace.web.forms import Form
from trace.web.jobs import launch
from trace.web.messages import texts as worded_errors
from trace.web.names import ALL, name_of
from trace.web.regulator import exports as export_views

bp = Blueprint("regulator", __name__, url_prefix="/regulator", template_folder="templates")

PER_PAGE = 20
AUDIT_PER_PAGE = 50

OPERATION_NAMES = {"split": _l("分割"), "merge": _l("合并"), "transform": _l("加工")}
PROBLEM_NAMES = {
    "hash_mismatch": _l("内容与哈希值不符（记录被改动）"),
    "prev_hash_mismatch": _l("与上一条事件的哈希不衔接（链条被改动）"),
    "sequence_gap": _l("序号不连续（有事件被删除）"),
    "missing_newest": _l("事件少于批次记载的条数（最新事件被删除）"),
    "no_events": _l("批次记载有事件，但一条也没有了（全部被删除）"),
    "head_mismatch": _l("最新事件不是批次记载的那一条（链条被重算）"),
    "unrecorded_events": _l("事件多于批次记载的条数（绕过系统写入）"),
    # Found only against a signed checkpoint (verify --against, /regulator/records).
    "lot_deleted": _l("批次已被删除"),
    "truncated": _l("事件少于检查点时（最新事件被删除）"),
    "rewritten": _l("检查点时的事件已被改写（哈希被重算）"),
}
FLAG_NAMES = {
    "many_clients": _l("多部手机扫码"),
    "spread_out": _l("扫码时间相隔很久"),
    "exceeded": _l("超过查询次数"),
}
ACTION_NAMES = {"notified": _l("已通知持有方"), "recovered": _l("追回"), "note": _l("备注")}
CERT_NAMES = {
    "gi_product": _l("地理标志保护产品"),
    "gi_trademark": _l("地理标志证明商标"),
    "green_food": _l("绿色食品"),
    "organic": _l("有机产品"),
    "compliance_certificate": _l("承诺达标合格证"),
    "legacy_pollution_free": _l("无公害农产品（已停止）"),
}
MAX_CHANGES = 8
# Event detail keys and inspection items as the regulator reads them (never snake_case).
DETAIL_NAMES = {
    "method": _l("方式"),
    "moisture_pct": _l("含水率（%）"),
    "standard": _l("依据标准"),
    "grade": _l("等级"),
    "packaging": _l("包装"),
    "temperature_c": _l("温度（°C）"),
    "quantity": _l("数量"),
    "unit": _l("单位"),
    "from": _l("来自"),
    "to": _l("去往"),
    "carrier": _l("承运"),
    "report_no": _l("报告编号"),
    "reason": _l("原因"),
    "passed": _l("检测结论"),
    "failed": _l("不合格项目"),
    "failed_items": _l("不合格项目"),
    "gi_conformity": _l("符合地理标志质量要求"),
    "recall": _l("召回编号"),
    "level": _l("召回级别"),
    "from_lot": _l("源批次"),
    "operation": _l("批次操作编号"),
    "kind": _l("类别"),
    "kg_per_unit": _l("每件千克数"),
    "lab": _l("检测机构"),
    "disposition": _l("处置"),
    "note": _l("备注"),
    "reference": _l("单号"),
    "inspection": _l("检测编号"),
    "grading": _l("分级编号"),
    "corrects": _l("更正"),
    "status": _l("状态"),
}
ITEM_NAMES = {
    "aflatoxin_b1": _l("黄曲霉毒素B₁"),
    "moisture": _l("水分"),
    "acid_value": _l("酸价"),
    "peroxide_value": _l("过氧化值"),
    "lead": _l("铅"),
    "cadmium": _l("镉"),
    "kernel_ratio": _l("出仁率"),
    "crude_fat": _l("粗脂肪"),
    "protein": _l("蛋白质"),
    "nut_weight": _l("单果重"),
}
BOOLEAN_NAMES = {
    "passed": (_l("合格"), _l("不合格")),
    "gi_conformity": (_l("是"), _l("否")),
}


def detail_value(key: str, value: Any) -> str:
    """An event detail as words: booleans named, lists joined, units and operations named."""
    if isinstance(value, bool):
        yes, no = BOOLEAN_NAMES.get(key, (_l("是"), _l("否")))
        return str(yes if value else no)
    if isinstance(value, list | tuple):
        return "、".join(str(ITEM_NAMES.get(v, v)) if isinstance(v, str) else str(v) for v in value)
    if key == "unit":
        return name_of(ALL["units"], value)
    if key == "kind":
        return str(OPERATION_NAMES.get(str(value), value))
    return str(value)


def chart_days(per_day: list[tuple[Any, int]], days: int = 30) -> list[tuple[Any, int]]:
    """Every day of the window ending at the last day with scans (zeros filled in), so the
    chart's bars keep one width whether one day or thirty have scans."""
    if not per_day:
        return []
    counts = dict(per_day)
    last = max(counts)
    first = last - dt.timedelta(days=days - 1)
    return [
        (first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0))
        for i in range(days)
    ]


def amount(value: Decimal | None) -> str:
    """100.000 -> 100, 12.50 -> 12.5: quantities as people write them."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


def changes(entry: Any) -> list[tuple[str, Any, Any]]:
    """The fields an audit entry changed, (name, before, after); none for a creation."""
    before, after = entry.before or {}, entry.after or {}
    if not before:
        return []
    keys = [k for k in after if before.get(k) != after.get(k)]
    return [(k, before.get(k), after.get(k)) for k in keys[:MAX_CHANGES]]


@bp.context_processor
def _helpers() -> dict[str, Any]:
    locale = get_locale()
    is_chinese = locale is None or locale.language == "zh"

    def named(table: dict[str, Any]) -> Any:
        return lambda value: str(table.get(str(getattr(value, "value", value)), value))

    return {
        "amount": amount,
        "changes": changes,
        "op_name": named(OPERATION_NAMES),
        "problem_name": named(PROBLEM_NAMES),
        "flag_name": named(FLAG_NAMES),
        "action_name": named(ACTION_NAMES),
        "cert_name": named(CERT_NAMES),
        "detail_name": named(DETAIL_NAMES),
        "item_name": named(ITEM_NAMES),
        "detail_value": detail_value,
        "chart_days": chart_days,
        "township_names": {
            t.code: t.name_zh if is_chinese else t.name_pinyin for t in regions.list_townships(db())
        },
    }


def _actor() -> User:
    actor = current_actor()
    assert actor is not None  # the access hook let only signed-in regulators and admins through
    return actor


def _query_args(schema: Schema) -> dict[str, Any]:
    """Search arguments from the query string; a bad one is dropped, not an error page."""
    raw = {k: v for k, v in request.args.items() if v.strip() != "" and k != "lang"}
    try:
        args: dict[str, Any] = schema.load(raw)
    except SchemaError as exc:
        bad = set(exc.messages) if isinstance(exc.messages, dict) else set()
        args = schema.load({k: v for k, v in raw.items() if k not in bad})
    return args


def _user_names(ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = db().execute(select(User.id, User.name, User.email).where(User.id.in_(wanted)))
    return {row.id: row.name or row.email for row in rows}


@bp.get("/")
def index() -> Any:
    """The regulator's home: open recalls with their deadlines, lot search, the other pages."""
    session = db()
    return render_template(
        "regulator/home.html",
        open_recalls=recalls.open_recalls(session, _actor(), limit=20),
        recent=oversight.search_lots(session, _actor(), per_page=10),
    )


class RecallOpenFormSchema(StrictSchema):
    level = Integer(required=True, validate=validate.OneOf([1, 2, 3]))
    reason = trimmed(500, 1, required=True)
    public_reason = trimmed(500, 1, required=True)
    instructions = trimmed(2000, 1, required=True)


class RecallActionFormSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["notified", "recovered", "note"]))
    holder = trimmed(100, load_default="")
    batch_id = Integer(load_default=None)
    quantity = fields.Decimal(
        load_default=None, places=3, validate=validate.Range(min=0, min_inclusive=False)
    )
    unit = fields.String(load_default=None, validate=validate.OneOf([u.value for u in Unit]))
    note = trimmed(500, load_default="")


class RecallCloseFormSchema(StrictSchema):
    note = trimmed(1000, 1, required=True)


@bp.post("/lots/<int:batch_id>/recall")
def open_recall(batch_id: int) -> Any:
    """Open a recall from the lot's page; the consumer pages turn at once."""
    session = db()
    form = Form(request.form)
    data = form.load(RecallOpenFormSchema())
    opened = None
    if data is not None:
        opened = form.attempt(lambda: recalls.open_recall(session, _actor(), batch_id, **data))
    if opened is not None:
        forget_public_records()
        flash(_("已发起召回，消费者扫码将看到召回公告。"), "ok")
        return redirect(url_for(".recall", recall_id=opened.id), 303)
    return lot(batch_id, {"recall": form}, 422)


@bp.post("/recalls/<int:recall_id>/actions")
def recall_action(recall_id: int) -> Any:
    session = db()
    form = Form(request.form)
    data = form.load(RecallActionFormSchema())
    if data is not None:
        form.attempt(lambda: recalls.record_action(session, _actor(), recall_id, **data))
        if form.is_valid:
            flash(_("已记录处置情况。"), "ok")
            return redirect(url_for(".recall", recall_id=recall_id) + "#actions", 303)
    return recall(recall_id, {"action": form}, 422)


@bp.post("/recalls/<int:recall_id>/close")
def close_recall(recall_id: int) -> Any:
    session = db()
    form = Form(request.form)
    data = form.load(RecallCloseFormSchema())
    if data is not None:
        form.attempt(lambda: recalls.close_recall(session, _actor(), recall_id, data["note"]))
        if form.is_valid:
            flash(_("召回已结束。"), "ok")
            return redirect(url_for(".recall", recall_id=recall_id), 303)
    return recall(recall_id, {"close": form}, 422)


def forget_public_records() -> None:
    """Drop this process's cached public records so the scan page shows the recall at once
    (as the recalls API does)."""
    cache = current_app.extensions.get("trace.public_records")
    if cache is not None:
        cache.clear()


@bp.get("/lots")
@replica_safe
def lots() -> Any:
    session = db()
    args = _query_args(LotSearchArgsSchema())
    args["per_page"] = PER_PAGE
    page = oversight.search_lots(session, _actor(), **args)
    return render_template(
        "regulator/lots.html",
        page=page,
        args=args,
        townships=regions.list_townships(session),
        products=product_service.list_products(session, _actor(), per_page=200).items,
        statuses=[s.value for s in BatchStatus],
        cert_types=[c.value for c in CertificationType],
        open_recalls=recalls.open_recalls(session, _actor(), limit=5),
    )


@bp.get("/lots/<int:batch_id>")
def lot(batch_id: int, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    session = db()
    actor = _actor()
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(f"no batch {batch_id}")
    audit = oversight.lot_audit_trail(session, actor, batch_id)
    history = genealogy_service.lot_history(session, actor, batch_id)
    shipments = logistics_service.list_shipments(session, actor, batch_id=batch_id, per_page=50)
    return render_template(
        "regulator/lot.html",
        batch=batch,
        history=history,
        check=verify.verify_lot(session, actor, batch_id),
        up=trace_query.lineage_tree(session, actor, batch_id, trace_query.Direction.UP),
        down=trace_query.lineage_tree(session, actor, batch_id, trace_query.Direction.DOWN),
        counts=trace_query.downstream_counts(session, batch_id),
        upstream=trace_query.trace_upstream(session, actor, batch_id),
        inspections=inspection_service.list_inspections(session, actor, batch_id),
        certificates=certification_service.certificates_for_batch(session, batch),
        label_runs=label_service.list_label_runs(session, actor, batch_id),
        stats=oversight.scan_statistics(session, actor, batch_id),
        regions=scan_regions.lot_regions(
            session, actor, batch_id, current_app.config["SCAN_FAR_HOURS"]
        ),
        shipments=shipments.items,
        recalls=oversight.recalls_of(session, batch_id),
        audit=audit,
        names=_user_names({e.actor_id for e in audit}),
        remaining=genealogy_service.remaining_quantity(session, batch),
        code_counts=oversight.code_counts(session, batch_id),
        forms=forms or {},
        blank=Form(),
    ), status


@bp.get("/lots/<int:batch_id>/export.<fmt>")
def lot_export(batch_id: int, fmt: str) -> Response:
    """The lot (with its genealogy) as CSV or XLSX, or its EPCIS document."""
    if fmt == "epcis":
        response = export_views.epcis_response(batch_id)
        lot_code = db().scalar(select(Batch.lot).where(Batch.id == batch_id)) or batch_id
        response.headers["Content-Disposition"] = f'attachment; filename="epcis-{lot_code}.jsonld"'
        return response
    if fmt == "xlsx":
        return export_views.xlsx_response({"batch_id": batch_id})
    if fmt == "csv":
        return export_views.csv_response({"batch_id": batch_id})
    raise NotFoundError(f"no export format {fmt}")


@bp.get("/exports")
def exports() -> Any:
    """A date range (and optionally a lot) exported as CSV or XLSX; the form when no format."""
    raw = {k: v for k, v in request.args.items() if v.strip() != "" and k != "lang"}
    errors: dict[str, list[str]] = {}
    try:
        args = ExportFormArgsSchema().load(raw)
    except SchemaError as exc:
        errors = (
            {k: list(v) for k, v in exc.messages.items()} if isinstance(exc.messages, dict) else {}
        )
        args = {}
    fmt = args.pop("format", None)
    background: dict[str, Any] | None = None
    if fmt and not errors:
        try:
            scope, lot = export_views.scope_from(args)
            rows = export_service.count_rows(db(), scope)
            if rows <= current_app.config["EXPORT_DIRECT_MAX_ROWS"]:
                return export_views.download(scope, lot, fmt)
            # Too many rows to wait for: offer a background job with a progress page.
            background = {"rows": rows, "format": fmt}
        except TraceError as exc:
            errors = worded_errors(exc.errors or {"_form": [exc.message]})
    status = 422 if errors else 200
    return render_template(
        "regulator/exports.html", values=raw, errors=errors, background=background
    ), status


@bp.post("/exports/job")
def export_job() -> Any:
    """A large export prepared by a background job (the form above offers it)."""
    raw = {k: v for k, v in request.form.items() if v.strip() != "" and k != "csrf_token"}
    try:
        args = ExportFormArgsSchema().load(raw)
    except SchemaError as exc:
        raise ValidationError("the export form is not valid", exc.normalized_messages()) from exc
    fmt = args.pop("format", "csv")
    scope, _lot = export_views.scope_from(args)
    session = db()
    job = job_service.start_events_export(session, current_actor(), scope, fmt)
    session.commit()
    return launch(job)


@bp.get("/recalls", endpoint="recalls")
def recalls_page() -> Any:
    session = db()
    status = request.args.get("status") or None
    if status not in {None, *(s.value for s in RecallStatus)}:
        status = None
    page_number = request.args.get("page", "1")
    page = recalls.list_recalls(
        session,
        _actor(),
        page=int(page_number) if page_number.isdigit() else 1,
        per_page=PER_PAGE,
        status=status,
    )
    return render_template("regulator/recalls.html", page=page, status=status)


@bp.get("/recalls/<int:recall_id>")
def recall(recall_id: int, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    progress = recalls.recall_progress(db(), _actor(), recall_id)
    names = _user_names(
        {progress.recall.opened_by_id, progress.recall.closed_by_id}
        | {a.recorded_by_id for a in progress.actions}
    )
    return render_template(
        "regulator/recall.html",
        progress=progress,
        names=names,
        forms=forms or {},
        blank=Form(),
        units=[u.value for u in Unit],
    ), status


@bp.get("/audit")
@replica_safe
def audit() -> Any:
    args = _query_args(AuditArgsSchema())
    page = int(args.get("page", 1))
    entries = audit_service.list_entries(
        db(),
        _actor(),
        entity_type=args.get("entity_type"),
        entity_id=args.get("entity_id"),
        limit=AUDIT_PER_PAGE + 1,
        offset=(page - 1) * AUDIT_PER_PAGE,
    )
    has_next = len(entries) > AUDIT_PER_PAGE
    entries = entries[:AUDIT_PER_PAGE]
    return render_template(
        "regulator/audit.html",
        entries=entries,
        args=args,
        page=page,
        has_next=has_next,
        names=_user_names({e.actor_id for e in entries}),
    )
