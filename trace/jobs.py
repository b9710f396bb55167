"""Runs a background job (trace.services.jobs) to its end, outside any request.

Like the CLI, this is an entry point that owns its transactions: one session reads and writes
the job's file, short ones record progress (so that a status page in another process sees it)
and the outcome. Nothing here knows about Flask: the web layer calls `run_job` in a thread.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import TraceError
from trace.models.jobs import Job, JobStatus
from trace.models.users import User
from trace.services.jobs import KEEP_FILES, WORK, WRITING_KINDS

log = logging.getLogger(__name__)

# Progress is written at most this often: a row update per label would cost more than the label.
PROGRESS_EVERY_SECONDS = 1.0

SessionFactory = Callable[[], Session]
T = TypeVar("T")


def run_job(factory: SessionFactory, job_id: int, directory: Path, host: str) -> None:
    """Do the job's work and record how it ended; never raises (no one would see it).

    `factory` makes sessions; `directory` is where files go; `host` is printed into QR codes.
    The file is written under a temporary name and renamed when complete, so a half-written
    file is never offered for download.
    """
    stored_name = f"{job_id}-{secrets.token_hex(8)}"
    partial = directory / f"{stored_name}.part"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _remove_old_files(directory)
        with factory() as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            owner = session.get(User, job.owner_id)
            # SQLite has one writer at a time: while a writing job's transaction is open, its
            # progress could not be written beside it, so such a job reports only its end there.
            sqlite = session.get_bind().dialect.name == "sqlite"
            live = not (sqlite and job.kind in WRITING_KINDS)
            reporter = _ProgressReporter(factory, job_id, live=live)
            work = WORK[job.kind]
            if job.file_name:
                with partial.open("wb") as out:
                    result_id = work(session, owner, job.parameters, out, host, reporter)
                stored_name += Path(job.file_name).suffix
                os.replace(partial, directory / stored_name)
            else:
                result_id = work(session, owner, job.parameters, None, host, reporter)
                stored_name = ""
            session.commit()  # what the work wrote (a label run's codes), in one transaction
        _finish(factory, job_id, stored_name=stored_name, done=reporter.done, result_id=result_id)
    except Exception as exc:  # the job's end is recorded, whatever went wrong
        partial.unlink(missing_ok=True)
        if isinstance(exc, TraceError):
            message = str(exc)[:500]
        else:  # details go to the log only; the page shows a general message
            log.exception("job %s failed", job_id)
            message = ""
        _fail(factory, job_id, message)


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
