"""Public pages that need no sign-in: the home page and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from trace.models.batches import Batch
from trace.models.producers import Producer
from trace.models.products import Product
from trace.web.database import db

bp = Blueprint("public", __name__)


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
