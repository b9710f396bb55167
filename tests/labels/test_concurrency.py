"""Label runs issued for one batch from several processes at once: no duplicate, no lost code."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import TEST_PASSWORD_HASH
from trace.db import make_engine
from trace.models import AuditEntry, Batch, LabelRun, PackCode, Producer, Product, TraceEvent, User
from trace.models.users import Role
from trace.services.labels import issue_label_run

PROCESSES = 4
RUNS_EACH = 3
COUNT = 400


def _issue_runs(url: str, user_id: int, batch_id: int) -> list[int]:
    engine = make_engine(url)
    run_ids = []
    for _ in range(RUNS_EACH):
        with Session(engine, expire_on_commit=False) as session:
            actor = session.get(User, user_id)
            run = issue_label_run(session, actor, batch_id, COUNT)
            session.commit()
            run_ids.append(run.id)
    engine.dispose()
    return run_ids


@pytest.fixture()
def committed_batch(engine, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "row locking across processes is tested on PostgreSQL (the production database)"
        )
    with Session(engine, expire_on_commit=False) as session:
        user = User(
            email="concurrency@test.example.cn", role=Role.QC, password_hash=TEST_PASSWORD_HASH
        )
        session.add(user)
        session.flush()
        batch = factories.batch(session, user)
        factories.passed_inspection(session, user, batch)
        session.commit()
        ids = (user.id, batch.id, batch.product_id, batch.producer_id)
    yield ids
    user_id, batch_id, product_id, producer_id = ids
    with engine.begin() as connection:  # Core deletes: the ORM refuses to delete append-only rows
        connection.execute(delete(AuditEntry).where(AuditEntry.actor_id == user_id))
        connection.execute(delete(PackCode).where(PackCode.batch_id == batch_id))
        connection.execute(delete(LabelRun).where(LabelRun.batch_id == batch_id))
        connection.execute(delete(TraceEvent).where(TraceEvent.batch_id == batch_id))
        connection.execute(delete(Batch).where(Batch.id == batch_id))
        connection.execute(delete(Product).where(Product.id == product_id))
        connection.execute(delete(Producer).where(Producer.id == producer_id))
        connection.execute(delete(User).where(User.id == user_id))


def test_parallel_runs_keep_serials_and_numbers_unique(engine, database_url, committed_batch):
    user_id, batch_id, _product_id, _producer_id = committed_batch
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(_issue_runs, [(database_url, user_id, batch_id)] * PROCESSES)
    run_ids = [run_id for ids in results for run_id in ids]
    assert len(set(run_ids)) == PROCESSES * RUNS_EACH
    expected = PROCESSES * RUNS_EACH * COUNT
    with engine.connect() as connection:
        serials = connection.scalar(
            select(func.count(func.distinct(PackCode.serial))).where(PackCode.batch_id == batch_id)
        )
        sequences = connection.scalars(
            select(PackCode.sequence)
            .where(PackCode.batch_id == batch_id)
            .order_by(PackCode.sequence)
        ).all()
    assert serials == expected
    assert sequences == list(range(1, expected + 1))
