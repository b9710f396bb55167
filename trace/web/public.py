"""Public pages that need no sign-in: home, the pack scan page, batch and product pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from trace.models.batches import Batch
from trace.models.producers import Producer
from trace.models.products import Product
from trace.services import scans
from trace.services.public_record import public_batch_record, public_product
from trace.web.auth import current_actor
from trace.web.cache import TTLCache
from trace.web.database import db
from trace.web.errors import error_response, wants_json

bp = Blueprint("public", __name__)


def _records() -> TTLCache[dict[str, Any]]:
    """One cache per app: a batch's public record is reused for PUBLIC_CACHE_SECONDS.

    The verdict and a recall are never cached: they come from the scan query itself.
    """
    cache = current_app.extensions.get("trace.public_records")
    if cache is None:
        cache = TTLCache(current_app.config["PUBLIC_CACHE_SECONDS"])
        current_app.extensions["trace.public_records"] = cache
    return cache


def batch_record(batch_id: int) -> dict[str, Any]:
    return _records().get_or_make(batch_id, lambda: public_batch_record(db(), batch_id))


@bp.get("/")
def home() -> str:
    session = db()
    counts = {
        "producers": session.scalar(select(func.count(Producer.id))) or 0,
        "products": session.scalar(select(func.count(Product.id))) or 0,
        "batches": session.scalar(select(func.count(Batch.id))) or 0,
    }
    return render_template("home.html", counts=counts)


@bp.get("/healthz")
def health() -> dict[str, str]:
    db().execute(select(1))
    return {"status": "ok"}


@bp.get("/scan/<serial>")
def scan_page(serial: str) -> Any:
    """The pack's default link: verdict from its scan log, then the batch's public record."""
    session = db()
    outcome = scans.record_scan(
        session.connection(),
        serial[:20],
        limit=current_app.config["SCAN_LIMIT"],
        is_public=current_actor() is None,
        client=scans.client_hash(current_app.config["SECRET_KEY"], request.remote_addr or ""),
        user_agent=request.user_agent.string,
        log=request.method != "HEAD",
    )
    session.commit()
    status = 404 if outcome.verdict is scans.Verdict.UNKNOWN else 200
    record = batch_record(outcome.batch_id) if outcome.batch_id is not None else None
    body = {
        "verdict": outcome.verdict.value,
        "serial": outcome.serial,
        "sequence": outcome.sequence,
        "scan_count": outcome.scan_count,
        "first_scanned_at": (
            outcome.first_scanned_at.isoformat() if outcome.first_scanned_at else None
        ),
        "scan_limit": current_app.config["SCAN_LIMIT"],
        "record": record,
    }
    if wants_json():
        return jsonify(body), status
    return render_template("public/scan.html", scan=body, record=record), status


@bp.get("/lots/<lot>")
def batch_page(lot: str) -> Any:
    batch_id = db().scalar(select(Batch.id).where(Batch.lot == lot))
    if batch_id is None:
        return _not_found()
    record = batch_record(batch_id)
    if wants_json():
        return jsonify(record)
    return render_template("public/batch.html", record=record)


@bp.get("/products/<gtin>")
def product_page(gtin: str) -> Any:
    product = db().scalar(select(Product).where(Product.gtin == gtin))
    if product is None:
        return _not_found()
    data = public_product(product)
    if wants_json():
        return jsonify(data)
    return render_template("public/product.html", product=data)


def _not_found() -> tuple[Response | str, int]:
    return error_response(404, _("未找到此编码对应的记录。"), {"code": ["not registered"]})
