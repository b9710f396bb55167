"""The regulator's read-only pages under /regulator (市场监管局, 农业农村局; admins too).

Search lots; a lot's whole record (timeline with its ancestors', genealogy both ways, quality,
labels, scan statistics, chain check, audit trail); recalls and their progress; exports.
Same sign-in, layout and access rules as the staff pages; nothing here writes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from trace.errors import NotFoundError, TraceError, ValidationError
from trace.models.batches import Batch, BatchStatus
from trace.models.certifications import CertificationType
from trace.models.recalls import RecallStatus
from trace.models.users import User
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
from trace.web.database import db
from trace.web.jobs import launch
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
    return redirect(url_for(".lots"))


@bp.get("/lots")
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
def lot(batch_id: int) -> Any:
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
    )


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
            errors = exc.errors or {"_form": [exc.message]}
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
def recall(recall_id: int) -> Any:
    progress = recalls.recall_progress(db(), _actor(), recall_id)
    names = _user_names(
        {progress.recall.opened_by_id, progress.recall.closed_by_id}
        | {a.recorded_by_id for a in progress.actions}
    )
    return render_template("regulator/recall.html", progress=progress, names=names)


@bp.get("/audit")
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
