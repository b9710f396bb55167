"""Background jobs on the queue worker (`flask --app trace worker`), a process of its own: a job
whose worker is killed is resumed by the next worker and never doubles its codes; a job that
keeps failing is retried, then marked failed; no job is left `running`."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.concurrency.conftest import SECRET, environment, own_database, seed
from tests.conftest import ROOT
from trace import create_app
from trace.db import make_engine, reading
from trace.jobs import RetryLater, recover_jobs, run_job
from trace.models.jobs import Job, JobStatus
from trace.models.labels import LabelRun, PackCode
from trace.models.users import User
from trace.queue import enqueue
from trace.services import jobs as job_service
from trace.services.labels import issue_label_run

COUNT = 60_000


def _app(url, folder):
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "QUEUE_FILE": str(folder / "queue.db"),
            "JOBS_DIR": str(folder / "jobs"),
            "LOG_REQUESTS": False,
        }
    )


def _start_issue_job(url, seeded, count=COUNT) -> int:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        admin = session.get(User, seeded.user_id)
        job = job_service.start_label_issue(
            session, admin, seeded.batch_ids[1], count, "a4-3x8", uuid.uuid4().hex
        )
        session.commit()
        job_id = job.id
    engine.dispose()
    return job_id


def _job(url, job_id) -> Job:
    engine = make_engine(url)
    # Reading only: on SQLite it must not wait for the worker's write lock.
    with Session(reading(engine), expire_on_commit=False) as session:
        job = session.get(Job, job_id)
        assert job is not None
    engine.dispose()
    return job


def _worker(url, folder, **env):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "trace", "worker"],
        cwd=ROOT,
        env=environment(url, folder, **env),
        stdout=subprocess.DEVNULL,
        stderr=(folder / "worker.log").open("ab"),
    )


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_a_killed_worker_s_job_is_resumed_and_issues_its_codes_once(database_url, tmp_path):
    with own_database(database_url, tmp_path) as url:
        seeded = seed(url, lots=2, packs=10)
        app = _app(url, tmp_path)
        job_id = _start_issue_job(url, seeded)
        enqueue(app, job_id)
        worker = _worker(url, tmp_path, TRACE_JOBS_STALE_SECONDS="2")
        try:
            _wait(lambda: _job(url, job_id).started_at is not None, 120, "the worker to take it")
            worker.send_signal(signal.SIGKILL)  # a crash, an OOM kill, a pulled plug
            worker.wait()
            cut_off = _job(url, job_id)
            assert cut_off.status is JobStatus.RUNNING, "the job ended before the kill"
            time.sleep(2.5)  # its heartbeat goes stale
            worker = _worker(url, tmp_path, TRACE_JOBS_STALE_SECONDS="2")
            finished = _wait(
                lambda: (j := _job(url, job_id)).status is not JobStatus.RUNNING and j, 240,
                "the resumed job",
            )  # fmt: skip
        finally:
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=60)
        assert finished.status is JobStatus.FINISHED, finished.error
        assert finished.attempts == 2
        engine = make_engine(url)
        with Session(engine) as session:
            runs = list(
                session.scalars(select(LabelRun).where(LabelRun.batch_id == seeded.batch_ids[1]))
            )
            codes = session.scalar(
                select(func.count())
                .select_from(PackCode)
                .where(PackCode.batch_id == seeded.batch_ids[1])
            )
        engine.dispose()
        assert [run.id for run in runs] == [finished.result_id]
        assert codes == COUNT


def test_a_job_cut_off_after_its_codes_were_committed_finds_them(database_url, tmp_path):
    with own_database(database_url, tmp_path) as url:
        seeded = seed(url, lots=2, packs=10)
        job_id = _start_issue_job(url, seeded, count=500)
        engine = make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as session:  # the worker committed the codes, then died
            job = session.get(Job, job_id)
            admin = session.get(User, seeded.user_id)
            run = issue_label_run(
                session, admin, seeded.batch_ids[1], 500, idempotency_key=job.idempotency_key
            )
            long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(started_at=long_ago, heartbeat_at=long_ago, attempts=1)
            )
            session.commit()
            run_id = run.id
        ran: list[int] = []

        def rerun(resumed_id: int) -> None:
            ran.append(resumed_id)
            run_job(factory, resumed_id, tmp_path / "jobs", "trace.test")

        outcome = recover_jobs(
            factory,
            rerun,
            stale_after=dt.timedelta(minutes=2),
            requeue_after=dt.timedelta(minutes=10),
            max_attempts=3,
        )
        assert outcome["resumed"] == [job_id] and ran == [job_id]
        with factory() as session:
            job = session.get(Job, job_id)
            runs = session.scalar(
                select(func.count())
                .select_from(LabelRun)
                .where(LabelRun.batch_id == seeded.batch_ids[1])
            )
            assert (job.status, job.result_id, runs) == (JobStatus.FINISHED, run_id, 1)
        engine.dispose()


def test_a_failing_job_is_retried_then_marked_failed_never_left_running(database_url, tmp_path):
    with own_database(database_url, tmp_path) as url:
        seeded = seed(url, lots=1, packs=30)
        engine = make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as session:
            admin = session.get(User, seeded.user_id)
            run = session.scalars(select(LabelRun)).one()
            job = job_service.start_label_pdf(session, admin, run.id)
            session.commit()
            job_id = job.id
        blocked = tmp_path / "not-a-folder"
        blocked.write_text("a file where the jobs folder should be")  # writing the PDF fails
        with pytest.raises(RetryLater):
            run_job(factory, job_id, blocked, "trace.test", final=False)
        with factory() as session:
            waiting = session.get(Job, job_id)
            assert (waiting.status, waiting.started_at) == (JobStatus.RUNNING, None)
            assert job_service.is_waiting(waiting)
        run_job(factory, job_id, blocked, "trace.test", final=True)
        with factory() as session:
            failed = session.get(Job, job_id)
            assert failed.status is JobStatus.FAILED and failed.attempts == 2
        # A job taken and cut off too often fails instead of being resumed again.
        with factory() as session:
            other = job_service.start_label_pdf(session, session.get(User, seeded.user_id), run.id)
            long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
            other.started_at, other.heartbeat_at, other.attempts = long_ago, long_ago, 3
            session.commit()
            other_id = other.id
        outcome = recover_jobs(
            factory,
            lambda _id: pytest.fail("must not be queued again"),
            stale_after=dt.timedelta(minutes=2),
            requeue_after=dt.timedelta(minutes=10),
            max_attempts=3,
        )
        assert outcome["failed"] == [other_id]
        with factory() as session:
            assert session.get(Job, other_id).status is JobStatus.FAILED
        engine.dispose()
