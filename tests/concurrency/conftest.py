"""The app served for real, as `make run` serves it (scripts/serve.py: gunicorn with
deploy/gunicorn.conf.py and the job worker), over a database of its own: a new SQLite file, or
a new schema on PostgreSQL (created here, dropped here; nothing else is touched)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy.orm import Session

from bench import pgdb
from tests import factories
from tests.conftest import ROOT, TEST_PASSWORD_HASH
from trace.db import make_engine
from trace.models.users import Role, User
from trace.schema import alembic_config
from trace.services.labels import issue_label_run, run_serials
from trace.services.users import issue_token

SECRET = "served-tests-secret-key-not-for-production"
STARTUP_SECONDS = 120


@contextmanager
def own_database(database_url: str, folder: Path, revision: str = "heads") -> Iterator[str]:
    """A fresh database migrated to `revision`: a SQLite file in `folder`, or on PostgreSQL a
    schema named uniquely in the test database, dropped afterwards."""
    if not database_url.startswith("postgresql"):
        url = f"sqlite:///{folder / 'served.db'}"
        _migrate(url, revision)
        yield url
        return
    # A new trace_test_* schema, dropped afterwards (bench/pgdb.py: never anything else).
    with pgdb.scratch_schema(database_url, "served") as url:
        _migrate(url, revision)
        yield url


def _migrate(url: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, revision)


def environment(url: str, folder: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "TRACE_DATABASE_URL": url,
        "TRACE_SECRET_KEY": SECRET,
        "TRACE_PUBLIC_HOST": "trace.test",
        "TRACE_RATE_LIMITS_ENABLED": "0",
        "TRACE_LOG_REQUESTS": "0",
        "TRACE_JOBS_DIR": str(folder / "jobs"),
        "TRACE_QUEUE_FILE": str(folder / "queue.db"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }
    for name in ("TRACE_REDIS_URL", "FLASK_DEBUG", "TRACE_TEST_DATABASE_URL"):
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        heads = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            heads["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=heads)
        try:
            with urllib.request.urlopen(req, timeout=60) as answer:
                raw = answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            raw = error.read()
            status = error.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw


@contextmanager
def serving(env: dict[str, str], folder: Path) -> Iterator[Served]:
    """scripts/serve.py on a free port; stopped with SIGINT (Ctrl-C) afterwards."""
    port = free_port()
    log = folder / f"serve-{port}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "serve.py"), "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=handle,
            start_new_session=True,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_up(served)
        yield served
    finally:
        stop(process)


def wait_until_up(served: Served) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"the server exited: {served.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(served.base + "/healthz", timeout=2):
                return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.3)
    pytest.fail(f"the server did not answer: {served.log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Seeded:
    token: str
    batch_ids: list[int]
    serials: list[str]
    user_id: int
    extra: dict[str, Any] = field(default_factory=dict)


def seed(url: str, lots: int = 3, packs: int = 200) -> Seeded:
    """Committed records: an admin with an API token, `lots` labellable lots, `packs` codes."""
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            admin = User(
                email=f"served-admin-{uuid.uuid4().hex[:6]}@test.example.cn",
                name="测试admin",
                role=Role.ADMIN,
                password_hash=TEST_PASSWORD_HASH,
            )
            session.add(admin)
            session.flush()
            product = factories.product(session, admin)
            producer = factories.producer(session, admin)
            batches = []
            for _ in range(lots):
                batch = factories.batch(  # room for large label runs (label capacity)
                    session,
                    admin,
                    product_id=product.id,
                    producer_id=producer.id,
                    quantity=Decimal("100000"),
                )
                factories.passed_inspection(session, admin, batch)
                batches.append(batch)
            run = issue_label_run(session, admin, batches[0].id, packs)
            serials = run_serials(session, run.id)
            plain, _ = issue_token(session, admin, dt.timedelta(hours=2))
            session.commit()
            return Seeded(plain, [b.id for b in batches], serials, admin.id)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def served_app(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, Seeded, str]]:
    """One served app per test module, over its own database, with seeded records."""
    folder = tmp_path_factory.mktemp("served")
    with own_database(database_url, folder) as url:
        seeded = seed(url)
        with serving(environment(url, folder), folder) as served:
            yield served, seeded, url
