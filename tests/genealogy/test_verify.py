"""Tamper evidence: `flask --app trace verify` and the regulator's verify endpoint catch edits
made straight in the database, past the ORM's append-only guard."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, update

from tests.factories import as_insider
from trace.models.events import EventType, TraceEvent
from trace.services.events import append_event


@pytest.fixture()
def chain(db_session, walnuts, admin):
    """The harvest event plus two more: three links."""
    for days, event_type in ((2, EventType.HULLING), (5, EventType.DRYING)):
        append_event(
            db_session,
            admin,
            walnuts,
            event_type,
            dt.datetime(2025, 9, 15 + days, 10, tzinfo=dt.UTC),
            "三台村",
            {"note": "晒场"},
        )
    db_session.flush()
    return list(
        db_session.scalars(
            select(TraceEvent)
            .where(TraceEvent.batch_id == walnuts.id)
            .order_by(TraceEvent.sequence)
        )
    )


def run_verify(app, *args):
    return app.test_cli_runner().invoke(args=["verify", *args])


def test_intact_chains_pass(app, chain, walnuts):
    result = run_verify(app, "--lot", walnuts.lot)
    assert result.exit_code == 0, result.output
    assert "checked 3 events in 1 lots" in result.output
    assert "all chains intact" in result.output


def test_an_edited_event_is_named(app, db_session, chain, walnuts):
    # A Core UPDATE: the ORM's before_update refusal never sees it, as with a hand-edited table.
    as_insider(db_session)
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.id == chain[1].id)
        .values(location="另一个村")
        .execution_options(synchronize_session=False)
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"lot {walnuts.lot}: event {chain[1].id} (sequence 2) hash_mismatch" in result.stderr


def test_a_rehashed_edit_breaks_the_next_link(app, db_session, chain, walnuts):
    """An editor who also rewrites the edited event's hash is caught by the next event."""
    as_insider(db_session)
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.id == chain[1].id)
        .values(hash="f" * 64)
        .execution_options(synchronize_session=False)
    )
    result = run_verify(app, "--lot", walnuts.lot)
    assert result.exit_code == 1
    # The first broken link is the edited event itself (its content no longer hashes to "fff…").
    assert f"event {chain[1].id} (sequence 2) hash_mismatch" in result.stderr


def test_prev_hash_and_deleted_events_are_caught(app, db_session, chain, walnuts):
    as_insider(db_session)
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.id == chain[2].id)
        .values(prev_hash="0" * 64)
        .execution_options(synchronize_session=False)
    )
    result = run_verify(app, "--lot", walnuts.lot)
    assert f"event {chain[2].id} (sequence 3) prev_hash_mismatch" in result.stderr
    db_session.execute(
        delete(TraceEvent)
        .where(TraceEvent.id == chain[1].id)
        .execution_options(synchronize_session=False)
    )
    gap = run_verify(app, "--lot", walnuts.lot)
    assert gap.exit_code == 1
    assert f"event {chain[2].id} (sequence 3) sequence_gap" in gap.stderr


def test_unknown_lot_is_an_error(app):
    result = run_verify(app, "--lot", "NO-SUCH-LOT")
    assert result.exit_code != 0 and "no such lot" in result.stderr


def test_regulators_verify_one_lot_through_the_api(client, as_role, db_session, chain, walnuts):
    url = f"/api/v1/batches/{walnuts.id}/verify"
    headers = as_role("regulator")
    ok = client.get(url, headers=headers)
    assert ok.status_code == 200
    assert ok.get_json() == {
        "batch_id": walnuts.id,
        "lot": walnuts.lot,
        "events": 3,
        "is_intact": True,
        "broken": None,
    }
    as_insider(db_session)
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.id == chain[0].id)
        .values(details={"quantity": "999", "unit": "kg"})
        .execution_options(synchronize_session=False)
    )
    broken = client.get(url, headers=headers).get_json()
    assert broken["is_intact"] is False
    assert broken["broken"]["event_id"] == chain[0].id
    assert broken["broken"]["sequence"] == 1
    assert broken["broken"]["problem"] == "hash_mismatch"
    assert broken["broken"]["found"] == chain[0].hash
    assert client.get(url, headers=as_role("station")).status_code == 403
    assert client.get("/api/v1/batches/987654/verify", headers=headers).status_code == 404
