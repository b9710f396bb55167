"""Tamper evidence: what plain `verify` catches from the lots' own counters, and what only a
signed checkpoint kept elsewhere catches (`verify --against`), lot by lot."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, update

from tests.records.conftest import (
    chain_of,
    delete_and_rehash,
    delete_events,
    fix_counters,
    insider,
    run_cli,
)
from trace.models.batches import Batch
from trace.models.events import EventType, TraceEvent
from trace.services.events import GENESIS_HASH, append_event, digest_of


def rehash_from(session, batch, sequence, location):
    """Edit event `sequence` and re-hash it and every later event: each link holds again."""
    previous = GENESIS_HASH
    for event in chain_of(session, batch):
        place_location = location if event.sequence == sequence else event.location
        if event.sequence >= sequence:
            digest = digest_of(
                batch.lot,
                event.sequence,
                event.event_type.value,
                event.occurred_at,
                event.recorded_at,
                place_location,
                event.actor_id,
                event.details,
                event.corrects_event_id,
                previous,
            )
            session.execute(
                update(TraceEvent)
                .where(TraceEvent.id == event.id)
                .values(location=place_location, prev_hash=previous, hash=digest)
                .execution_options(synchronize_session=False)
            )
            previous = digest
        else:
            previous = event.hash


def test_plain_verify_catches_the_three_cases_made_through_the_events_table(
    app, db_session, make_lot
):
    truncated, emptied, rehashed, intact = (make_lot() for _ in range(4))
    assert run_cli(app, "verify").exit_code == 0
    insider(db_session)
    delete_events(db_session, truncated, [3, 4])  # the newest two, e.g. a failed inspection
    delete_events(db_session, emptied)  # every event of the lot
    delete_and_rehash(db_session, rehashed, 2)  # a middle one, the rest renumbered, re-hashed
    assert [e.sequence for e in chain_of(db_session, rehashed)] == [1, 2, 3]
    result = run_cli(app, "verify")
    assert result.exit_code == 1
    assert f"lot {truncated.lot}: chain missing_newest: expected 4, found 2" in result.stderr
    assert f"lot {emptied.lot}: chain no_events: expected 4, found 0" in result.stderr
    assert f"lot {rehashed.lot}: chain missing_newest: expected 4, found 3" in result.stderr
    assert intact.lot not in result.stderr


def test_a_rehashed_edit_keeping_the_count_is_caught_by_the_recorded_head(
    app, db_session, make_lot
):
    lot = make_lot()
    insider(db_session)
    rehash_from(db_session, lot, 2, "另一个村")
    result = run_cli(app, "verify", "--lot", lot.lot)
    assert result.exit_code == 1
    assert f"lot {lot.lot}: chain head_mismatch" in result.stderr


def test_verify_against_a_checkpoint_names_each_of_the_six_cases(
    app, db_session, make_lot, admin, tmp_path
):
    edited, middle, newest, emptied, gone, rehashed, recomputed, grown = (
        make_lot() for _ in range(8)
    )
    document = tmp_path / "checkpoint-1.json"
    made = run_cli(app, "checkpoint", "--out", str(document))
    assert made.exit_code == 0, made.output
    assert "checkpoint 1: 8 lots, 32 events" in made.output
    # Work after the checkpoint is not a change: a lot that grew stays consistent.
    append_event(
        db_session, admin, grown, EventType.SHIPPING, dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
    )
    db_session.flush()

    insider(db_session)
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.batch_id == edited.id, TraceEvent.sequence == 2)
        .values(location="另一个村")
        .execution_options(synchronize_session=False)
    )
    delete_events(db_session, middle, [2])
    # The careful insider also rewrites the lots' counters: plain verify cannot see these four.
    delete_events(db_session, newest, [4])
    fix_counters(db_session, newest)
    delete_events(db_session, emptied)
    fix_counters(db_session, emptied)
    delete_events(db_session, gone)
    db_session.execute(
        delete(Batch).where(Batch.id == gone.id).execution_options(synchronize_session=False)
    )
    delete_and_rehash(db_session, rehashed, 2)
    fix_counters(db_session, rehashed)
    rehash_from(db_session, recomputed, 3, "另一个村")
    fix_counters(db_session, recomputed)

    plain = run_cli(app, "verify")
    assert plain.exit_code == 1
    assert f"lot {edited.lot}: event" in plain.stderr and "hash_mismatch" in plain.stderr
    assert f"lot {middle.lot}: event" in plain.stderr and "sequence_gap" in plain.stderr
    for hidden in (newest, emptied, gone, rehashed, recomputed, grown):
        assert hidden.lot not in plain.stderr

    against = run_cli(app, "verify", "--against", str(document))
    assert against.exit_code == 1
    assert "checkpoint 1 of" in against.output and "signature good" in against.output
    changed = against.stderr
    assert f"CHANGED lot {edited.lot}: hash_mismatch" in changed
    assert f"CHANGED lot {middle.lot}: sequence_gap" in changed
    assert f"CHANGED lot {newest.lot}: truncated: had 4 events, now 3" in changed
    assert f"CHANGED lot {emptied.lot}: truncated: had 4 events, now 0" in changed
    assert f"CHANGED lot {gone.lot}: lot_deleted: had 4 events, the lot is gone" in changed
    assert f"CHANGED lot {rehashed.lot}: truncated: had 4 events, now 3" in changed
    assert f"CHANGED lot {recomputed.lot}: rewritten: event 4 was" in changed
    assert grown.lot not in changed


def test_an_untouched_database_is_consistent_and_the_check_is_kept(
    app, db_session, make_lot, tmp_path
):
    make_lot()
    document = tmp_path / "cp.json"
    assert run_cli(app, "checkpoint", "--out", str(document)).exit_code == 0
    result = run_cli(app, "verify", "--against", str(document), "--record")
    assert result.exit_code == 0, result.output
    assert "consistent with the checkpoint" in result.output
    from trace.services.checkpoints import latest_check

    check = latest_check(db_session)
    assert check is not None and check.is_consistent and check.checkpoint_sequence == 1
    assert json.loads(document.read_text())["checkpoint"]["lot_count"] == check.lots_checked
