"""Runs a background job (trace.services.jobs) to its end, outside any request.

Like the CLI, this is an entry point that owns its transactions: one session reads and writes
the job's file, short ones record progress (so that a status page in another process sees it)
and the outcome. Nothing here knows about Flask or the queue: trace.queue's worker calls
`run_job` for each job taken from the queue, and `recover_jobs` for jobs cut off by a crash.

Doing a job twice never doubles its work: a job is taken by one worker at a time (`_claim`),
a finished or failed job is not run again, and a label run's codes are issued under an
idempotency key, so a job whose worker died after the codes were committed finds that run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from trace.db import reading_session, utcnow
from trace.errors import TraceError
from trace.messages import describe
from trace.models.jobs import Job, JobStatus
from trace.models.users import User
from trace.services.jobs import KEEP_FILES, WORK, WRITING_KINDS

log = logging.getLogger(__name__)

# Progress is written at most this often: a row update per label would cost more than the label.
PROGRESS_EVERY_SECONDS = 1.0

SessionFactory = Callable[[], Session]
T = TypeVar("T")


class RetryLater(Exception):
    """The job failed for a reason that may pass (the database busy or away): the queue runs
    it again after a delay. The job is back to waiting meanwhile, never left `running`."""


def run_job(
    factory: SessionFactory, job_id: int, directory: Path, host: str, *, final: bool = True
) -> None:
    """Do the job's work and record how it ended.

    `factory` makes sessions; `directory` is where files go; `host` is printed into QR codes.
    The file is written under a temporary name and renamed when complete, so a half-written
    file is never offered for download. A job already taken by another worker, finished or
    failed is left alone. A domain error (TraceError) fails the job with its message; any
    other error raises RetryLater unless this is the `final` attempt, which fails the job.
    """
    if not _claim(factory, job_id):
        return
    stored_name = f"{job_id}-{secrets.token_hex(8)}"
    partial = directory / f"{stored_name}.part"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _remove_old_files(directory)
        with _work_session(factory, job_id) as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            # The work may need the job's own id (a label run's idempotency key).
            parameters = {**job.parameters, "job_id": job.id}
            owner = session.get(User, job.owner_id)
            # SQLite has one writer at a time: while a writing job's transaction is open, its
            # progress could not be written beside it, so such a job reports only its end there.
            sqlite = session.get_bind().dialect.name == "sqlite"
            live = not (sqlite and job.kind in WRITING_KINDS)
            reporter = _ProgressReporter(factory, job_id, live=live)
            work = WORK[job.kind]
            if job.file_name:
                with partial.open("wb") as out:
                    result_id = work(session, owner, parameters, out, host, reporter)
                stored_name += Path(job.file_name).suffix
                os.replace(partial, directory / stored_name)
            else:
                result_id = work(session, owner, parameters, None, host, reporter)
                stored_name = ""
            session.commit()  # what the work wrote (a label run's codes), in one transaction
        _finish(factory, job_id, stored_name=stored_name, done=reporter.done, result_id=result_id)
    except Exception as exc:  # the job's end is recorded, whatever went wrong
        with contextlib.suppress(OSError):  # the folder itself may be what failed
            partial.unlink(missing_ok=True)
        if isinstance(exc, TraceError):
            _fail(factory, job_id, describe(exc.message)[:500])  # its Chinese wording
            return
        log.exception("job %s failed", job_id)  # details to the log; the page says it failed
        if not final and _release(factory, job_id):
            raise RetryLater(f"job {job_id}") from exc
        _fail(factory, job_id, "")


def _work_session(factory: SessionFactory, job_id: int) -> Session:
    """A writing session for work that writes; for the others a reading one, which on SQLite
    holds no write lock for the minutes a large PDF takes."""
    with factory() as session:
        kind = session.scalar(select(Job.kind).where(Job.id == job_id))
    if kind in WRITING_KINDS or not isinstance(factory, sessionmaker):
        return factory()
    return reading_session(factory)


def _claim(factory: SessionFactory, job_id: int) -> bool:
    """Take the waiting job for this worker (one statement: two workers cannot both take it)."""
    with factory() as session:
        now = utcnow()
        taken = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.started_at.is_(None))
            .values(started_at=now, heartbeat_at=now, attempts=Job.attempts + 1)
        )
        session.commit()
        return bool(getattr(taken, "rowcount", 0))


def _release(factory: SessionFactory, job_id: int) -> bool:
    """Put the taken job back to waiting, for the queue's retry. False if that failed too."""
    try:
        with factory() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
                .values(started_at=None, heartbeat_at=utcnow())
            )
            session.commit()
        return True
    except Exception:
        log.exception("could not put job %s back in the queue", job_id)
        return False


def recover_jobs(
    factory: SessionFactory,
    enqueue: Callable[[int], None],
    *,
    stale_after: dt.timedelta,
    requeue_after: dt.timedelta,
    max_attempts: int,
    now: dt.datetime | None = None,
) -> dict[str, list[int]]:
    """Jobs cut off by a crash are resumed or failed, never left `running`.

    A taken job whose heartbeat stopped more than `stale_after` ago (its worker was killed) goes
    back to the queue if it has had fewer than `max_attempts` takes, else it fails. A job waiting
    longer than `requeue_after` (its queue message lost: a queue file removed, Redis flushed) is
    queued again; a second message for one job is harmless, as only one worker can take it.
    Answers the ids {"resumed": [...], "failed": [...], "requeued": [...]}.
    """
    now = now or utcnow()
    outcome: dict[str, list[int]] = {"resumed": [], "failed": [], "requeued": []}
    with factory() as session:
        cut_off = list(
            session.scalars(
                select(Job).where(
                    Job.status == JobStatus.RUNNING,
                    Job.started_at.is_not(None),
                    Job.heartbeat_at < now - stale_after,
                )
            )
        )
        waiting = list(
            session.scalars(
                select(Job).where(
                    Job.status == JobStatus.RUNNING,
                    Job.started_at.is_(None),
                    Job.heartbeat_at < now - requeue_after,
                )
            )
        )
        for job in cut_off:
            if job.attempts < max_attempts:
                job.started_at = None
                job.heartbeat_at = now
                outcome["resumed"].append(job.id)
            else:
                job.status = JobStatus.FAILED
                job.error = ""
                job.finished_at = now
                outcome["failed"].append(job.id)
        for job in waiting:
            job.heartbeat_at = now
            outcome["requeued"].append(job.id)
        session.commit()
    for job_id in outcome["resumed"] + outcome["requeued"]:
        enqueue(job_id)
    if any(outcome.values()):
        log.warning("jobs recovered: %s", outcome)
    return outcome


class _ProgressReporter:
    """Counts items as they pass and writes the count now and then in a short transaction."""

    def __init__(self, factory: SessionFactory, job_id: int, *, live: bool = True) -> None:
        self.factory = factory
        self.job_id = job_id
        self.live = live
        self.done = 0
        self._written_at = time.monotonic()

    def counted(self, items: Iterable[T]) -> Iterator[T]:
        for item in items:
            yield item
            self.done += 1
            if time.monotonic() - self._written_at >= PROGRESS_EVERY_SECONDS:
                self._write()

    def reached(self, done: int) -> None:
        self.done = done
        if time.monotonic() - self._written_at >= PROGRESS_EVERY_SECONDS:
            self._write()

    def _write(self) -> None:
        self._written_at = time.monotonic()
        if not self.live:
            return
        with self.factory() as session:
            session.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(done=self.done, heartbeat_at=utcnow())
            )
            session.commit()


def _finish(
    factory: SessionFactory, job_id: int, *, stored_name: str, done: int, result_id: int | None
) -> None:
    with factory() as session:
        now = utcnow()
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status=JobStatus.FINISHED,
                stored_name=stored_name,
                result_id=result_id,
                done=done,
                heartbeat_at=now,
                finished_at=now,
            )
        )
        session.commit()


def _fail(factory: SessionFactory, job_id: int, message: str) -> None:
    try:
        with factory() as session:
            now = utcnow()
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status=JobStatus.FAILED, error=message, heartbeat_at=now, finished_at=now)
            )
            session.commit()
    except Exception:  # the database itself is gone: the stopped heartbeat shows the job cut off
        log.exception("could not record that job %s failed", job_id)


def _remove_old_files(directory: Path) -> None:
    """Files of jobs finished more than KEEP_FILES ago (or abandoned half-written) go."""
    limit = time.time() - KEEP_FILES.total_seconds()
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # removed by another process meanwhile
            continue
