"""Public pages that need no sign-in: home, the pack scan page, batch and product pages.

The scan page is the hot path. Per scan only the verdict is worked out (on PostgreSQL one
autocommit statement, `trace.services.scans`) and only the banner is rendered; the batch's public
record and the page around the banner (per pack date and language) are kept for
PUBLIC_CACHE_SECONDS in a per-process cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from trace.db import utcnow
from trace.models.batches import Batch
from trace.models.producers import Producer
from trace.models.products import Product
from trace.models.regions import Township
from trace.schema import schema_state
from trace.services import compliance, scans
from trace.services.public_record import (
    best_before,
    public_batch_record,
    public_producer,
    public_product,
)
from trace.web import scan_pool
from trace.web.auth import current_actor
from trace.web.cache import SharedCache
from trace.web.database import db, replica_safe
from trace.web.errors import error_response, wants_json
from trace.web.i18n import select_locale
from trace.web.public import scan_clients

bp = Blueprint("public", __name__, template_folder="templates")

# The problem-report form (built in another module): the one place its address is written.
REPORT_PATH = "/report"
CACHE_KEY = "trace.public_records"
# Dayao County's extent (county gazetteer figures, 25°33'-26°24'N, 100°53'-101°42'E) and its
# seat, 金碧镇, for the origin locator: it places a pin within the county's frame, not a map.
COUNTY_BOUNDS = (25.55, 26.40, 100.88, 101.70)  # south, north, west, east
COUNTY_SEAT = (25.73, 101.32)
LOCATOR_SIZE = (120, 120)
LOCATOR_MARGIN = 10


def _cache() -> SharedCache[Any]:
    """One cache per app, its entries reused for PUBLIC_CACHE_SECONDS: a batch's public record
    (key: batch id), its sections as HTML (("html", batch id, pack date, language)) and the scan
    page around the banner (("scan-page", batch id, pack date, language)).

    The verdict and the batch's status are never cached: they come from the scan query itself.
    Opening a recall clears this process's cache (trace.web.genealogy.recalls).

    With TRACE_REDIS_URL the entries are shared by every worker and node through Redis
    (trace.web.cache.SharedCache): the HTML entries carry the lot's status in their keys, and a
    record found with another status than the request's is dropped from Redis too, so a status
    change made on any node shows at once on every node.
    """
    cache: SharedCache[Any] | None = current_app.extensions.get(CACHE_KEY)
    if cache is None:
        cache = SharedCache(
            current_app.config["PUBLIC_CACHE_SECONDS"],
            current_app.config.get("REDIS_URL"),
            # Per database: services (or test and bench runs) sharing one Redis never mix ids.
            namespace=f"trace:public:{_database_tag()}:",
        )
        current_app.extensions[CACHE_KEY] = cache
    return cache


def _database_tag() -> str:
    url = make_url(str(current_app.config["DATABASE_URL"])).render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def batch_record(batch_id: int, status: str | None = None) -> dict[str, Any]:
    """The batch's public record, from this process's cache unless it is stale.

    `status` is the lot's status read in this request. A record cached with another status is
    stale (a recall opened or a hold placed through another worker within PUBLIC_CACHE_SECONDS):
    this process's cache is dropped, so the recall notice with its level, reason and instructions
    and the pages around it show at once. Status changes are rare, so dropping everything is cheap.
    """
    cache = _cache()
    record: dict[str, Any] = cache.get_or_make(
        batch_id, lambda: public_batch_record(db(), batch_id)
    )
    if status is not None and record["status"] != status:
        cache.clear()
        cache.forget(batch_id)  # and from Redis, where another node may have put it
        record = cache.get_or_make(batch_id, lambda: public_batch_record(db(), batch_id))
    return record


def _language() -> str:
    """The page's language, chosen once per request (as the templates' `lang` is)."""
    if "locale" not in g:
        g.locale = select_locale()
    language: str = g.locale
    return language


# The banner's words per verdict: (heading, message). They are translated once per language and
# process: Flask-Babel's gettext costs more per call than the rest of the banner together.
# %(n)s counts people (distinct phones or browsers), %(first)s is when the first of them looked and
# %(where)s roughly where (WHERE_WORDS, or nothing when the region is unknown).
VERDICT_WORDS = {
    "genuine": (_l("正品验证通过"), _l("这是此码的首次查询。")),
    "repeat": (
        _l("此码已被查询过"),
        _l(
            "此码已被 %(n)s 位查询者查询过，首次查询于 %(first)s%(where)s。"
            "如果那不是您或您的家人，谨防假冒。"
        ),
    ),
    "exceeded": (
        _l("查询次数超限，谨防假冒"),
        _l(
            "此码已被 %(n)s 位查询者从不同网络查询过，首次查询于 %(first)s%(where)s。"
            "一个包装通常只有买家本人查询几次，此码很可能已被复制到假冒商品上。"
            "请勿食用，保留包装和购物凭证，并向我们反映。"
        ),
    ),
    "void": (
        _l("此码已作废"),
        _l("此标签已由生产方作废，不应出现在销售的商品上。请勿购买，并向我们反映。"),
    ),
    "recalled": (_l("此批次产品已召回"), _l("此包装所属批次正在召回，请勿食用。")),
    "unknown": (
        _l("此码未登记，可能是假冒产品"),
        _l("我们的系统中没有这个编码。请勿食用，保留包装和购物凭证，并告诉我们在哪里买到的。"),
    ),
}
WHERE_WORDS = _l("（地点约在 %(region)s）")
LABEL_WORDS = {
    "pack_no": _l("包装序号"),
    "code": _l("防伪码"),
    "report": _l("反映此码"),
    "seen": _l("您于 %(time)s 查询过此码。"),
    "since": _l("至今共有 %(n)s 位查询者。"),
}
_translated: dict[str, dict[str, Any]] = {}


def _words(language: str) -> dict[str, Any]:
    words = _translated.get(language)
    if words is None:
        words = {
            "verdicts": {k: (str(h), str(m)) for k, (h, m) in VERDICT_WORDS.items()},
            "labels": {k: str(v) for k, v in LABEL_WORDS.items()},
            "where": str(WHERE_WORDS),
        }
        _translated[language] = words
    return words


def _when(moment: str | None) -> str:
    """HH:MM today (the county's time), with the date on another day."""
    shown: str = current_app.jinja_env.filters["localdatetime"](moment)
    today = current_app.jinja_env.filters["localdate"](utcnow())
    return shown.removeprefix(today + " ") if shown.startswith(today) else shown


def verdict_banner(scan: dict[str, Any], record: dict[str, Any] | None) -> str:
    """The banner for one scan: its template rendered without Flask's per-render extras."""
    words = _words(_language())
    labels = words["labels"]
    heading, message = words["verdicts"][scan["verdict"]]
    env = current_app.jinja_env
    if "%(" in message:
        first = env.filters["localdatetime"](scan["first_scanned_at"])
        region = scan.get("first_region") or ""
        where = words["where"] % {"region": region.replace("/", " ")} if region else ""
        message = message % {"n": scan["scan_count"], "first": first, "where": where}
    notes = []
    if scan.get("you_scanned_at"):
        notes.append(labels["seen"] % {"time": _when(scan["you_scanned_at"])})
        if scan["verdict"] == "genuine" and scan["scan_count"] > 1:
            notes.append(labels["since"] % {"n": scan["scan_count"]})
    template = env.get_template("public/_verdict.html")
    return template.render(
        scan=scan,
        record=record,
        heading=heading,
        message=message,
        notes=notes,
        words=labels,
        report_href=report_url(scan["serial"]),
    )


def record_html(batch_id: int, record: dict[str, Any], pack_date: dt.date | None) -> Markup:
    """The record's sections as HTML, rendered once per batch, pack date and language."""
    key = ("html", batch_id, pack_date, _language(), record["status"])

    def render() -> str:
        return render_template(
            "public/_record.html",
            record=record,
            pack_date=pack_date,
            best_before=best_before(pack_date, record["product"]["shelf_life_days"]),
        )

    return Markup(_cache().get_or_make(key, render))


# Placeholders in the cached scan page; NUL never occurs in rendered text (PostgreSQL refuses it
# in text columns and the templates have none).
BANNER_SLOT = "\x00banner\x00"
REPORT_SLOT = "\x00report\x00"
SWITCH_SLOT = "\x00switch\x00"  # the language switch's token (scan_clients.switch_token)


def scan_page_html(
    scan: dict[str, Any],
    record: dict[str, Any] | None,
    batch_id: int | None,
    pack_date: dt.date | None,
    is_staff: bool,
) -> str:
    """The scan page: the banner rendered for this scan inside the page rendered once per batch,
    pack date and language (for signed-in staff the header differs, so theirs is not cached)."""

    def shell() -> tuple[str, str, str]:
        g.shared_render = True  # rendered for every visitor: no visitor's query in its links
        g.language_suffix = f"&{scan_clients.SWITCH_PARAMETER}={SWITCH_SLOT}"
        sections = (
            record_html(batch_id, record, pack_date)
            if record is not None and batch_id is not None
            else None
        )
        html = render_template(
            "public/scan.html",
            record=record,
            sections=sections,
            banner=Markup(BANNER_SLOT),
            report_href=Markup(REPORT_SLOT),
        )
        before, rest = html.split(BANNER_SLOT)
        middle, after = rest.split(REPORT_SLOT)
        return before, middle, after

    # The status in the key: a page shared through Redis is never one of another status.
    status = record["status"] if record is not None else None
    key = ("scan-page", batch_id, pack_date, _language(), status)
    before, middle, after = shell() if is_staff else _cache().get_or_make(key, shell)
    banner = verdict_banner(scan, record)
    before = before.replace(SWITCH_SLOT, scan_clients.switch_token(scan["serial"]))
    return "".join((before, banner, middle, str(escape(report_url(scan["serial"]))), after))


@bp.app_template_global()
def report_url(code: str | None = None) -> str:
    """Where a shopper reports a problem with a pack (or a lot): one place to change."""
    return REPORT_PATH + (f"?{urlencode({'code': code})}" if code else "")


@bp.app_template_global()
def origin_locator(latitude: str | None, longitude: str | None) -> dict[str, float] | None:
    """Pin and county-seat positions in the locator's frame, or None without coordinates."""
    if not latitude or not longitude:
        return None
    south, north, west, east = COUNTY_BOUNDS
    width, height = LOCATOR_SIZE
    inner_w, inner_h = width - 2 * LOCATOR_MARGIN, height - 2 * LOCATOR_MARGIN

    def place(lat: float, lon: float) -> tuple[float, float]:
        x = LOCATOR_MARGIN + (lon - west) / (east - west) * inner_w
        y = LOCATOR_MARGIN + (north - lat) / (north - south) * inner_h
        # A point outside the county (a typing slip) stays on the frame's edge.
        return (
            round(min(max(x, LOCATOR_MARGIN), width - LOCATOR_MARGIN), 1),
            round(min(max(y, LOCATOR_MARGIN), height - LOCATOR_MARGIN), 1),
        )

    x, y = place(float(latitude), float(longitude))
    seat_x, seat_y = place(*COUNTY_SEAT)
    return {"x": x, "y": y, "seat_x": seat_x, "seat_y": seat_y}


@bp.get("/")
@replica_safe
def home() -> str:
    session = db()
    counts = {
        "producers": session.scalar(select(func.count(Producer.id))) or 0,
        "products": session.scalar(select(func.count(Product.id))) or 0,
        "batches": session.scalar(select(func.count(Batch.id))) or 0,
    }
    return render_template("home.html", counts=counts)


@bp.get("/healthz")
def health() -> Any:
    """200 with the schema revision when the database answers and is at this code's head; 503
    when it is behind or ahead (a deploy half done) or unreachable (the error handler)."""
    state = schema_state(db().connection())
    if not state.at_head:
        body = {"status": "schema_mismatch", "revision": state.revision, "problem": state.problem()}
        return body, 503, {"Retry-After": "30"}
    return {"status": "ok", "revision": state.revision}


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@bp.get("/scan/<serial>")
def scan_page(serial: str) -> Any:
    """The pack's default link: verdict from its scan log, then the batch's public record."""
    serial = serial[:20]
    is_staff = current_actor() is not None
    config = current_app.config
    client, countable = scan_clients.current_client(serial, is_staff)
    outcome = scan_pool.record_scan(
        serial=serial,
        limit=config["SCAN_LIMIT"],
        is_public=not is_staff,
        client=client,
        user_agent=request.user_agent.string,
        log=request.method != "HEAD",
        countable=countable,
        per_address=config["SCAN_CLIENTS_PER_ADDRESS"],
    )
    status = 404 if outcome.verdict is scans.Verdict.UNKNOWN else 200
    record = (
        batch_record(outcome.batch_id, outcome.batch_status)
        if outcome.batch_id is not None
        else None
    )
    shelf_life = record["product"]["shelf_life_days"] if record else None
    body = {
        "verdict": outcome.verdict.value,
        "serial": outcome.serial,
        "sequence": outcome.sequence,
        "scan_count": outcome.scan_count,
        "first_scanned_at": _iso(outcome.first_scanned_at),
        "first_region": outcome.first_region,
        "you_scanned_at": _iso(outcome.you_scanned_at),
        "scan_limit": config["SCAN_LIMIT"],
        "pack_date": _iso(outcome.pack_date),
        "best_before": _iso(best_before(outcome.pack_date, shelf_life)),
        "record": record,
    }
    if wants_json():
        response = jsonify(body)
    else:
        page = scan_page_html(body, record, outcome.batch_id, outcome.pack_date, is_staff)
        response = current_app.response_class(page, mimetype="text/html")
    response.status_code = status
    scan_clients.remember_device(response, client, outcome)
    # Every scan must reach us to be counted: no browser or proxy may answer it from a cache.
    response.headers["Cache-Control"] = "no-store"
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
    return response


def unknown_code_response(serial: str) -> Response:
    """The counterfeit warning for a code that is not ours where it was found (a serial copied
    under another lot): the scan page's unknown verdict, 404, nothing counted."""
    body = {
        "verdict": scans.Verdict.UNKNOWN.value,
        "serial": serial,
        "sequence": None,
        "scan_count": 0,
        "first_scanned_at": None,
        "first_region": "",
        "you_scanned_at": None,
        "scan_limit": current_app.config["SCAN_LIMIT"],
        "pack_date": None,
        "best_before": None,
        "record": None,
    }
    if wants_json():
        response = jsonify(body)
    else:
        page = scan_page_html(body, None, None, None, current_actor() is not None)
        response = current_app.response_class(page, mimetype="text/html")
    response.status_code = 404
    response.headers["Cache-Control"] = "no-store"
    response.vary.update(("Accept", "Accept-Language"))
    return response


@bp.get("/lots/<lot>")
@replica_safe
def batch_page(lot: str) -> Any:
    found = db().execute(select(Batch.id, Batch.status).where(Batch.lot == lot)).first()
    if found is None:
        return _not_found()
    batch_id = found.id
    record = batch_record(batch_id, found.status.value)
    if wants_json():
        return _shareable(jsonify(record), BATCH_CACHING)
    sections = record_html(batch_id, record, None)
    return _shareable(
        current_app.make_response(
            render_template("public/batch.html", record=record, sections=sections)
        ),
        BATCH_CACHING,
    )


@bp.get("/compliance/<number>")
@replica_safe
def compliance_page(number: str) -> Any:
    """What a 承诺达标合格证's QR code opens: the certificate as issued and its lot's status now.

    The promiser is shown as on every public page: a farmer's name and phone masked."""
    record = compliance.find_by_number(db(), number[:24])
    if record is None:
        return _not_found()
    batch = record.batch
    producer = public_producer(batch.producer)
    is_person = producer["credit_code"] is None and batch.producer.kind.value in (
        "farmer",
        "family_farm",
    )
    page = render_template(
        "public/compliance.html",
        cert=record,
        lot=batch.lot,
        status=batch.status.value,
        promiser=producer["name"] if is_person else record.promiser,
        contact=mask_phone(record.contact) if is_person else record.contact,
        issued_at=record.issued_at,
    )
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-cache"  # the lot's status must show at once
    return response


def mask_phone(phone: str) -> str:
    """13987800009 -> 139****0009: a person's number is not published whole."""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


@bp.get("/products/<gtin>")
@replica_safe
def product_page(gtin: str) -> Any:
    session = db()
    product = session.scalar(select(Product).where(Product.gtin == gtin))
    if product is None:
        return _not_found()
    data = public_product(product)
    lots = session.execute(
        select(Batch.lot, Batch.harvested_on, Batch.status, Township.name_zh, Township.name_pinyin)
        .outerjoin(Township, Township.code == Batch.township_code)
        .where(Batch.product_id == product.id)
        .order_by(Batch.harvested_on.desc(), Batch.id.desc())
        .limit(20)
    ).all()
    data["lots"] = [
        {
            "lot": lot,
            "harvested_on": harvested_on.isoformat(),
            "status": status.value,
            "township": township or "",
            "township_en": township_en or "",
        }
        for lot, harvested_on, status, township, township_en in lots
    ]
    # A lot that the resolver could not find under this GTIN (a walk-up from its Digital Link).
    asked = request.args.get("lot", "")[:20]
    unregistered = asked if asked and asked not in {row["lot"] for row in data["lots"]} else ""
    if unregistered and session.scalar(
        select(Batch.id).where(Batch.lot == asked, Batch.product_id == product.id)
    ):
        unregistered = ""
    if wants_json():
        return _shareable(jsonify({**data, "unregistered_lot": unregistered}), PRODUCT_CACHING)
    page = render_template("public/product.html", product=data, unregistered_lot=unregistered)
    return _shareable(current_app.make_response(page), PRODUCT_CACHING)


# A lot's page carries its recall status, which must show at once; a product's hardly changes.
BATCH_CACHING = "no-cache"
PRODUCT_CACHING = "public, max-age=300"


def _shareable(response: Response, caching: str) -> Response:
    """Batch and product pages are the same for every visitor (signed-in staff get no-store)."""
    if current_actor() is None:
        response.headers.setdefault("Cache-Control", caching)
    response.vary.update(("Accept", "Accept-Language"))
    return response


def _not_found() -> tuple[Response | str, int]:
    return error_response(404, _("未找到此编码对应的记录。"), {"code": ["not registered"]})
