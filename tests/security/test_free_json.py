"""Issue 16.4: free-form JSON (event details, brand rule parameters) is bounded: keys, depth and
bytes; too much is a 422 naming the field, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from trace.models.events import TraceEvent

WHEN = "2025-09-25T10:00:00+08:00"


def deep(levels: int) -> dict:
    value: dict = {"v": 1}
    for _ in range(levels - 1):
        value = {"n": value}
    return value


TOO_MUCH = {
    "bytes": {"note": "核" * 3000},  # 9 KB of UTF-8
    "keys": {f"k{i}": i for i in range(200)},
    "depth": deep(12),
    "long key": {"k" * 500: 1},
    "list items": {"items": list(range(500))},
}


@pytest.fixture()
def lot(db_session, make_user):
    return factories.batch(db_session, make_user("admin"))


@pytest.mark.parametrize("shape", TOO_MUCH)
def test_event_details_are_capped(client, as_role, lot, db_session, shape):
    before = db_session.scalar(select(func.count(TraceEvent.id)))
    answer = client.post(
        f"/api/v1/batches/{lot.id}/events",
        json={"event_type": "drying", "occurred_at": WHEN, "details": TOO_MUCH[shape]},
        headers=as_role("qc"),
    )
    assert answer.status_code == 422, answer.get_json()
    assert list(answer.get_json()["errors"]) == ["details"]
    assert db_session.scalar(select(func.count(TraceEvent.id))) == before


def test_ordinary_details_still_pass(client, as_role, lot):
    details = {"moisture_pct": "7.6", "method": "晾晒", "readings": [{"t": 4.1}, {"t": 4.3}]}
    answer = client.post(
        f"/api/v1/batches/{lot.id}/events",
        json={"event_type": "drying", "occurred_at": WHEN, "details": details},
        headers=as_role("qc"),
    )
    assert answer.status_code == 201, answer.get_json()


@pytest.mark.parametrize("shape", ["bytes", "depth"])
def test_brand_rule_params_are_capped(client, as_role, shape):
    answer = client.post(
        "/api/v1/brand-rules",
        json={"kind": "min_grade", "params": TOO_MUCH[shape]},
        headers=as_role("admin"),
    )
    assert answer.status_code == 422, answer.get_json()
    assert list(answer.get_json()["errors"]) == ["params"]
