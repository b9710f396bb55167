"""The background job queue: huey, with its own worker process beside the web server.

Why huey: a small, well-kept task queue whose storage can be a SQLite file (the embedded
default needs nothing else to run) or Redis (TRACE_REDIS_URL), with retries, a periodic
scheduler and a consumer that stops gracefully on SIGINT. Celery or RQ would need a broker
(Redis or RabbitMQ) even on a laptop.

The queue holds only job ids; the job itself (what to do, how far it got, how it ended) lives
in the jobs table (trace.models.jobs), so any web process shows its progress and a lost
queue message is found again by `recover_jobs`. The web layer saves and commits a job, then
calls `enqueue`; `flask --app trace worker` (started by `make run` beside gunicorn) runs them.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy.engine import make_url

from trace import storage
from trace.jobs import RetryLater, recover_jobs, run_job

log = logging.getLogger(__name__)

EXTENSION_KEY = "trace.queue"
# A job failing for a passing reason (database busy or away) is tried this often in all ...
ATTEMPTS = 3
# ... this many seconds apart.
RETRY_DELAY_SECONDS = 10
# A waiting job whose queue message was lost is queued again after this long.
REQUEUE_AFTER = dt.timedelta(minutes=10)


def queue_file(app: Flask) -> Path:
    """The SQLite file of the queue: beside a SQLite database (each database its own queue),
    else instance/queue.db; TRACE_QUEUE_FILE overrides."""
    configured = app.config.get("QUEUE_FILE")
    if configured:
        return Path(configured)
    url = make_url(str(app.config["DATABASE_URL"]))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(f"{database.stem}-queue.db")
    return storage.instance_dir(app.config) / "queue.db"


class JobQueue:
    """The app's huey instance and its job task, built on first use (building a SqliteHuey
    creates its file; an app that never queues a job creates nothing)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._built: tuple[Huey, Any] | None = None

    def get(self) -> tuple[Huey, Any]:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def _build(self) -> tuple[Huey, Any]:
        app = self.app
        redis_url = app.config.get("REDIS_URL")
        huey: Huey
        if redis_url:
            huey = RedisHuey("trace-jobs", url=str(redis_url))
        else:
            path = queue_file(app)
            path.parent.mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey("trace-jobs", filename=str(path))

        @huey.task(retries=ATTEMPTS - 1, retry_delay=RETRY_DELAY_SECONDS, context=True, name="job")
        def run_job_task(job_id: int, task: Any = None) -> None:
            final = task is None or not task.retries
            with app.app_context():
                try:
                    run_job(
                        _factory(app), job_id, jobs_dir(app), str(app.config["PUBLIC_HOST"]),
                        final=final,
                    )  # fmt: skip
                except RetryLater:
                    log.warning("job %s will be tried again in %s s", job_id, RETRY_DELAY_SECONDS)
                    raise

        @huey.periodic_task(crontab(minute="*"), name="recover-jobs")
        def recover_task() -> None:
            recover(app)

        # The daily records jobs (trace.records_jobs), at night in Dayao: crontab is in UTC
        # (huey's default), 18:15 UTC = 02:15 in Asia/Shanghai. The check, checkpoint and
        # retention first, then the backup, which then carries the new checkpoint and archives.
        @huey.periodic_task(crontab(hour="18", minute="15"), name="records-daily")
        def records_task() -> None:
            from trace.records_jobs import daily_records

            for line in daily_records(app):
                log.info("records-daily: %s", line)

        @huey.periodic_task(crontab(hour="18", minute="45"), name="records-backup")
        def backup_task() -> None:
            from trace.records_jobs import scheduled_backup

            log.info("records-backup: %s", scheduled_backup(app))

        # Issue 19: yesterday's logistics file for the prefecture platform, 02:30 in Dayao.
        @huey.periodic_task(crontab(hour="18", minute="30"), name="logistics-daily")
        def logistics_task() -> None:
            from trace.logistics_jobs import daily_logistics_export

            for path in daily_logistics_export(app):
                log.info("logistics-daily: %s", path)

        return huey, run_job_task


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = JobQueue(app)


def jobs_dir(app: Flask) -> Path:
    """JOBS_DIR, or instance/jobs: outside the web root, served only through the download view."""
    return storage.jobs_dir(app.config)


def enqueue(app: Flask, job_id: int) -> None:
    """Queue the saved and committed job for the worker."""
    _huey, task = app.extensions[EXTENSION_KEY].get()
    task(job_id)


def recover(app: Flask) -> dict[str, list[int]]:
    """Resume or fail jobs cut off by a crash; queue again those whose message was lost."""
    with app.app_context():
        return recover_jobs(
            _factory(app),
            lambda job_id: enqueue(app, job_id),
            stale_after=dt.timedelta(seconds=int(app.config["JOBS_STALE_SECONDS"])),
            requeue_after=REQUEUE_AFTER,
            max_attempts=ATTEMPTS,
        )


def run_worker(app: Flask, workers: int) -> None:
    """Run the queue's consumer in this process until SIGINT (graceful: running jobs end) or
    SIGTERM (at once: running jobs are resumed by the next worker's recovery)."""
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(name)s] %(message)s")
    huey, _task = app.extensions[EXTENSION_KEY].get()
    recover(app)  # jobs cut off when the last worker stopped
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()


def _factory(app: Flask) -> Any:
    return app.extensions["trace.sessionmaker"]
