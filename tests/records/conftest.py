"""Fixtures for tamper evidence, checkpoints, backups and retention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tests import factories
from trace.models.batches import Batch
from trace.models.events import EventType, TraceEvent
from trace.models.users import User
from trace.services.events import GENESIS_HASH, append_event, digest_of


@pytest.fixture()
def admin(make_user: Callable[..., User]) -> User:
    return make_user("admin")


insider = factories.as_insider


@pytest.fixture()
def make_lot(db_session: Session, admin: User) -> Callable[..., Batch]:
    """A lot with `events` events in its chain (the harvest event first)."""

    def make(events: int = 4) -> Batch:
        batch = factories.batch(db_session, admin)
        steps = [EventType.HULLING, EventType.DRYING, EventType.GRADING, EventType.STORING]
        for n in range(events - 1):
            append_event(
                db_session,
                admin,
                batch,
                steps[n % len(steps)],
                dt.datetime(2025, 9, 16 + n, 10, tzinfo=dt.UTC),
                "三台村",
                {"note": f"第{n + 2}步"},
            )
        db_session.flush()
        return batch

    return make


def chain_of(session: Session, batch: Batch) -> list[TraceEvent]:
    return list(
        session.scalars(
            select(TraceEvent)
            .where(TraceEvent.batch_id == batch.id)
            .order_by(TraceEvent.sequence)
            .execution_options(populate_existing=True)
        )
    )


def delete_events(session: Session, batch: Batch, sequences: list[int] | None = None) -> None:
    """Plain SQL DELETE of some (or all) of a lot's events, past the ORM's guard."""
    query = delete(TraceEvent).where(TraceEvent.batch_id == batch.id)
    if sequences is not None:
        query = query.where(TraceEvent.sequence.in_(sequences))
    session.execute(query.execution_options(synchronize_session=False))


def delete_and_rehash(session: Session, batch: Batch, sequence: int) -> None:
    """The careful insider: delete one event, renumber and re-hash the rest so that every
    link holds again."""
    events = [e for e in chain_of(session, batch) if e.sequence != sequence]
    delete_events(session, batch, [sequence])
    previous = GENESIS_HASH
    for place, event in enumerate(events, start=1):
        digest = digest_of(
            batch.lot,
            place,
            event.event_type.value,
            event.occurred_at,
            event.recorded_at,
            event.location,
            event.actor_id,
            event.details,
            event.corrects_event_id,
            previous,
        )
        session.execute(
            update(TraceEvent)
            .where(TraceEvent.id == event.id)
            .values(sequence=place, prev_hash=previous, hash=digest)
            .execution_options(synchronize_session=False)
        )
        previous = digest


def fix_counters(session: Session, batch: Batch) -> None:
    """...and who also rewrites the lot's own counters, which plain verify compares with."""
    events = chain_of(session, batch)
    session.execute(
        update(Batch)
        .where(Batch.id == batch.id)
        .values(
            event_count=len(events),
            last_event_hash=events[-1].hash if events else GENESIS_HASH,
        )
        .execution_options(synchronize_session=False)
    )


def run_cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))
