"""Batches: lot assignment, the harvest event, the hash chain and append-only events."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import JINBI, SANTAI
from trace.models.batches import Batch
from trace.models.events import AppendOnlyError, TraceEvent
from trace.services.events import GENESIS_HASH, event_digest

LOT_RE = re.compile(r"^DY\d{3}[A-Z]{2}\d{6}-\d{3}$")


@pytest.fixture()
def refs(db_session, make_user):
    admin = make_user("admin")
    return {
        "product_id": factories.product(db_session, admin).id,
        "producer_id": factories.producer(db_session, admin).id,
    }


def harvest(refs, **overrides):
    body = {
        **refs,
        "harvested_on": "2025-09-15",
        "quantity": "1250.5",
        "unit": "kg",
        "township_code": SANTAI,
        "village": "三台村",
        "plot": "新彝村小组 2号地块",
    }
    body.update(overrides)
    return body


def test_create_assigns_a_readable_unique_lot(client, as_role, refs):
    headers = as_role("station")
    first = client.post("/api/v1/batches", json=harvest(refs), headers=headers)
    second = client.post("/api/v1/batches", json=harvest(refs), headers=headers)
    assert first.status_code == 201, first.get_json()
    lots = [first.get_json()["lot"], second.get_json()["lot"]]
    assert lots[0].startswith("DY208HT250915-")
    assert all(LOT_RE.match(lot) and len(lot) <= 20 for lot in lots)
    assert lots[0] != lots[1]
    assert first.get_json()["quantity"] == "1250.500"


def test_harvest_event_starts_the_chain(client, as_role, refs):
    headers = as_role("station")
    batch = client.post("/api/v1/batches", json=harvest(refs), headers=headers).get_json()
    events = client.get(f"/api/v1/batches/{batch['id']}/events", headers=headers).get_json()
    assert [e["event_type"] for e in events] == ["commissioning"]
    assert events[0]["prev_hash"] == GENESIS_HASH and len(events[0]["hash"]) == 64


def test_events_chain_and_corrections(client, as_role, refs, db_session):
    headers = as_role("qc")
    batch = client.post("/api/v1/batches", json=harvest(refs), headers=headers).get_json()
    url = f"/api/v1/batches/{batch['id']}/events"
    drying = client.post(
        url,
        json={
            "event_type": "drying",
            "occurred_at": "2025-09-19T10:00:00+08:00",
            "location": "三台村晒场",
            "details": {"moisture_pct": "9.1"},
        },
        headers=headers,
    ).get_json()
    fix = client.post(
        url,
        json={
            "event_type": "correcting",
            "occurred_at": "2025-09-19T10:00:00+08:00",
            "details": {"moisture_pct": "7.9"},
            "corrects_event_id": drying["id"],
        },
        headers=headers,
    )
    assert fix.status_code == 201
    events = client.get(url, headers=headers).get_json()
    assert [e["sequence"] for e in events] == [1, 2, 3]
    for earlier, later in pairwise(events):
        assert later["prev_hash"] == earlier["hash"]
    stored = db_session.scalars(
        select(TraceEvent).where(TraceEvent.batch_id == batch["id"]).order_by(TraceEvent.sequence)
    ).all()
    assert all(event_digest(e, batch["lot"]) == e.hash for e in stored)


def test_events_are_append_only(db_session, make_user):
    batch = factories.batch(db_session, make_user("admin"))
    event = db_session.scalars(select(TraceEvent).where(TraceEvent.batch_id == batch.id)).one()
    event.location = "somewhere else"
    with pytest.raises(AppendOnlyError):
        db_session.flush()


def test_event_in_the_future_or_naive_is_refused(client, as_role, refs):
    headers = as_role("qc")
    batch = client.post("/api/v1/batches", json=harvest(refs), headers=headers).get_json()
    url = f"/api/v1/batches/{batch['id']}/events"
    future = client.post(
        url,
        json={"event_type": "drying", "occurred_at": "2099-01-01T00:00:00+08:00"},
        headers=headers,
    )
    assert future.status_code == 422 and "occurred_at" in future.get_json()["errors"]
    naive = client.post(
        url, json={"event_type": "drying", "occurred_at": "2025-09-19T10:00:00"}, headers=headers
    )
    assert naive.status_code == 422 and "occurred_at" in naive.get_json()["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("product_id", 999999),
        ("producer_id", 999999),
        ("township_code", "532326999"),
        ("quantity", "0"),
        ("unit", "bushel"),
        ("harvested_on", "2099-01-01"),
        ("harvested_on", "15/09/2025"),
    ],
)
def test_bad_field_is_named_and_nothing_written(client, as_role, refs, db_session, field, value):
    before = (
        db_session.scalar(select(func.count(Batch.id))),
        db_session.scalar(select(func.count(TraceEvent.id))),
    )
    answer = client.post(
        "/api/v1/batches", json=harvest(refs, **{field: value}), headers=as_role("admin")
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    after = (
        db_session.scalar(select(func.count(Batch.id))),
        db_session.scalar(select(func.count(TraceEvent.id))),
    )
    assert after == before


def test_station_cannot_register_batches_elsewhere(client, as_role, refs):
    answer = client.post(
        "/api/v1/batches", json=harvest(refs, township_code=JINBI), headers=as_role("station")
    )
    assert answer.status_code == 403


def test_filters(client, as_role, refs):
    headers = as_role("qc")
    client.post("/api/v1/batches", json=harvest(refs), headers=headers)
    client.post("/api/v1/batches", json=harvest(refs, harvested_on="2025-10-20"), headers=headers)
    page = client.get(
        f"/api/v1/batches?producer_id={refs['producer_id']}&harvested_from=2025-10-01",
        headers=headers,
    ).get_json()
    assert [b["harvested_on"] for b in page["items"]] == ["2025-10-20"]
    assert client.get("/api/v1/batches/999999", headers=headers).status_code == 404
