"""Label runs issued for one batch from several processes at once: no duplicate, no lost code."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import TEST_PASSWORD_HASH
from trace.db import make_engine
from trace.errors import ValidationError
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


@pytest.fixture(params=["100000"])
def committed_batch(scratch_url, request):
    engine = make_engine(scratch_url)
    with Session(engine, expire_on_commit=False) as session:
        user = User(
            email="concurrency@test.example.cn", role=Role.QC, password_hash=TEST_PASSWORD_HASH
        )
        session.add(user)
        session.flush()
        # 100 t, or 2 t: 4,000 codes of 500 g (the racing runs below ask for 4,800).
        batch = factories.batch(session, user, quantity=Decimal(request.param))
        factories.passed_inspection(session, user, batch)
        session.commit()
        ids = (user.id, batch.id)
    engine.dispose()
    return ids


def _try_runs(url: str, user_id: int, batch_id: int) -> tuple[int, int]:
    """(codes issued, runs refused for capacity) by one process."""
    engine = make_engine(url)
    issued = refused = 0
    for _ in range(RUNS_EACH):
        with Session(engine, expire_on_commit=False) as session:
            actor = session.get(User, user_id)
            try:
                run = issue_label_run(session, actor, batch_id, COUNT)
            except ValidationError as exc:
                assert "count" in exc.errors
                refused += 1
                continue
            session.commit()
            issued += run.count
    engine.dispose()
    return issued, refused


@pytest.mark.parametrize("committed_batch", ["2000"], indirect=True)
def test_parallel_runs_never_take_more_than_the_batch(scratch_url, committed_batch):
    """Capacity is checked under the batch's lock: racing runs cannot both take the last of it."""
    user_id, batch_id = committed_batch
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(_try_runs, [(scratch_url, user_id, batch_id)] * PROCESSES)
    issued = sum(codes for codes, _ in results)
    assert issued == 4000  # exactly what 2,000 kg hold: none lost to the race, none too many
    assert sum(refused for _, refused in results) == PROCESSES * RUNS_EACH - 10


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
