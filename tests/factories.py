"""Small builders of valid records for tests, through the services (so rules and audit apply)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from trace.identifiers import credit_code_check_char
from trace.models.batches import Batch
from trace.models.producers import Producer
from trace.models.products import Product
from trace.models.users import User
from trace.services.batches import create_batch
from trace.services.producers import create_producer
from trace.services.products import create_product

_serial = count(1)


def credit_code(n: int | None = None) -> str:
    body = f"93532326MA{(n or next(_serial)):07d}"
    return body + credit_code_check_char(body)


def gtin(n: int | None = None) -> str:
    from trace.gs1 import check_digit

    body = f"0690999{(n or next(_serial)):06d}"
    return body + check_digit(body)


def producer(session: Session, actor: User, **overrides: Any) -> Producer:
    data: dict[str, Any] = {
        "name": "测试核桃合作社（示例）",
        "kind": "cooperative",
        "township_code": "532326208",
        "village": "三台村",
        "credit_code": credit_code(),
        "phone": "13987800009",
    }
    data.update(overrides)
    # Many tests register several producers with the default phone: no duplicate warning here
    # unless a test asks for the check (confirm_duplicate=False).
    confirm = data.pop("confirm_duplicate", True)
    return create_producer(session, actor, confirm_duplicate=confirm, **data)


def product(session: Session, actor: User, **overrides: Any) -> Product:
    data: dict[str, Any] = {
        "name": "测试核桃（示例）",
        "gtin": gtin(),
        "category": "walnut_in_shell",
        "variety": "三台核桃",
        "net_content_g": 500,
        "brand": "大姚核桃",
    }
    data.update(overrides)
    return create_product(session, actor, **data)


def batch(session: Session, actor: User, **overrides: Any) -> Batch:
    data: dict[str, Any] = {
        "harvested_on": dt.date(2025, 9, 15),
        "quantity": Decimal("100"),
        "unit": "kg",
        "township_code": "532326208",
        "village": "三台村",
        "plot": "1号地块",
    }
    data.update(overrides)
    if "product_id" not in data:
        data["product_id"] = product(session, actor).id
    if "producer_id" not in data:
        data["producer_id"] = producer(session, actor).id
    return create_batch(session, actor, **data)


def passed_inspection(session: Session, actor: User, batch: Batch) -> Any:
    """A passing lab report on every limited item of the batch's category (actor: admin or qc),
    so that labels and shipping may proceed (trace.services.inspections.assert_batch_releasable)."""
    from sqlalchemy import select

    from trace.models.inspections import InspectionLimit
    from trace.services.inspections import record_inspection

    limits = session.scalars(
        select(InspectionLimit).where(InspectionLimit.product_category == batch.product.category)
    )
    results = [{"item": x.item, "value": x.min_value or Decimal(0), "unit": x.unit} for x in limits]
    return record_inspection(
        session,
        actor,
        batch.id,
        lab="测试检测中心（示例）",
        report_no=f"TEST-{batch.lot}-{next(_serial)}",
        sampled_on=batch.harvested_on,
        tested_on=batch.harvested_on,
        results=results,
    )


def as_insider(session: Session) -> None:
    """Act as someone with direct database access, for tamper tests: on PostgreSQL the
    append-only triggers refuse UPDATE/DELETE, so do what a superuser can (replica mode skips
    triggers, foreign-key checks too) for the rest of the test's transaction."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
