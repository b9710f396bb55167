"""Lots to split, merge and transform, created through the services like real ones."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from trace.models.batches import Batch
from trace.models.genealogy import LotLink, LotOperation
from trace.models.users import User

WHEN = "2025-09-25T10:00:00+08:00"


@pytest.fixture()
def admin(make_user: Callable[..., User]) -> User:
    return make_user("admin")


@pytest.fixture()
def walnuts(db_session: Session, admin: User) -> Batch:
    """1000 kg of in-shell walnuts harvested in 三台乡 on 2025-09-15."""
    return factories.batch(db_session, admin, quantity=Decimal("1000"))


def counts(session: Session) -> tuple[int, int, int]:
    """(operations, links, batches): nothing may be written when an operation is refused."""
    return (
        session.scalar(select(func.count(LotOperation.id))) or 0,
        session.scalar(select(func.count(LotLink.id))) or 0,
        session.scalar(select(func.count(Batch.id))) or 0,
    )


def operation(
    kind: str,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    return {"kind": kind, "occurred_at": WHEN, "inputs": inputs, "outputs": outputs, **extra}


def post_operation(client: FlaskClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/api/v1/lot-operations", json=body, headers=headers)


def split(
    client: FlaskClient, headers: dict[str, str], batch: Batch, *quantities: str
) -> dict[str, Any]:
    """Split `batch` (all its kilograms) into grade lots of these sizes; returns the operation."""
    grades = ["特级", "一级", "二级", "三级"]
    body = operation(
        "split",
        [{"batch_id": batch.id, "quantity": str(sum(Decimal(q) for q in quantities))}],
        [{"quantity": q, "unit": "kg", "grade": grades[i % 4]} for i, q in enumerate(quantities)],
    )
    answer = post_operation(client, headers, body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def release(session: Session, actor: User, batch_id: int) -> Batch:
    """A passed inspection, which labels and shipping need (trace.services.inspections)."""
    batch = session.get(Batch, batch_id)
    assert batch is not None
    factories.passed_inspection(session, actor, batch)
    return batch


def label(session: Session, actor: User, batch_id: int, count: int) -> Any:
    """Issue `count` pack codes for the lot, inspecting it first."""
    from trace.services.labels import issue_label_run

    release(session, actor, batch_id)
    return issue_label_run(session, actor, batch_id, count)
