"""Label runs issued for one batch from several processes at once: no duplicate, no lost code."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import TEST_PASSWORD_HASH
from trace.db import make_engine
from trace.models import PackCode, User
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
def committed_batch(scratch_url):
    engine = make_engine(scratch_url)
    with Session(engine, expire_on_commit=False) as session:
        user = User(
            email="concurrency@test.example.cn", role=Role.QC, password_hash=TEST_PASSWORD_HASH
        )
        session.add(user)
        session.flush()
        batch = factories.batch(session, user)
        factories.passed_inspection(session, user, batch)
        session.commit()
        ids = (user.id, batch.id)
    engine.dispose()
    return ids


def test_parallel_runs_keep_serials_and_numbers_unique(scratch_url, committed_batch):
    user_id, batch_id = committed_batch
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(_issue_runs, [(scratch_url, user_id, batch_id)] * PROCESSES)
    run_ids = [run_id for ids in results for run_id in ids]
    assert len(set(run_ids)) == PROCESSES * RUNS_EACH
    expected = PROCESSES * RUNS_EACH * COUNT
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        serials = connection.scalar(
            select(func.count(func.distinct(PackCode.serial))).where(PackCode.batch_id == batch_id)
        )
        sequences = connection.scalars(
            select(PackCode.sequence)
            .where(PackCode.batch_id == batch_id)
            .order_by(PackCode.sequence)
        ).all()
    engine.dispose()
    assert serials == expected
    assert sequences == list(range(1, expected + 1))
