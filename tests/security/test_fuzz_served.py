"""The schema fuzzer against the app as served: gunicorn with two workers on a real database (a
fresh SQLite file, or a schema of its own on PostgreSQL), migrated and loaded with the demo data
by the CLI as `make run` does, and Schemathesis with two concurrent workers over real HTTP.

No answer may be a 5xx. Unlike test_fuzz_api.py (the WSGI app in a rolled-back transaction) the
writes commit, two requests run at once, and the server's own parsing (headers, bodies, query
strings) is in the path. Examples per operation: TRACE_FUZZ_EXAMPLES (default 5); the port:
TRACE_FUZZ_PORT (default 8510; 8511 for PostgreSQL).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bench import pgdb
from tests.conftest import ROOT

EXAMPLES = os.environ.get("TRACE_FUZZ_EXAMPLES", "5")
PASSWORD = "fuzz-served-password-1"
ADMIN = "fuzz-admin@test.example.cn"
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"  # kept after the run (pytest's tmp dirs rotate away)


def _database(database_url: str, folder: Path) -> str:
    """A database of the fuzz run's own: nothing it commits reaches the other tests (on PostgreSQL
    a new trace_test_* schema from bench/pgdb.py, which alone may drop it)."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{folder / 'fuzz.db'}"
    return pgdb.create_schema(database_url, "fuzz")


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        pgdb.drop_schema(url)


def _request(url: str, body: dict[str, str] | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture()
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    url = _database(database_url, tmp_path)
    port = int(
        os.environ.get("TRACE_FUZZ_PORT", "8511" if url.startswith("postgresql") else "8510")
    )
    env = {
        **os.environ,
        "TRACE_DATABASE_URL": url,
        "TRACE_SECRET_KEY": "fuzz-served-secret-key",
        "TRACE_ALLOWED_HOSTS": f"127.0.0.1:{port}",
        "TRACE_UPLOAD_DIR": str(tmp_path / "uploads"),
        "TRACE_FEEDBACK_UPLOAD_DIR": str(tmp_path / "photos"),
        # One client address makes every request: the budgets must not turn the run into 429s.
        "TRACE_RATE_LIMIT_API": "100000 per minute",
        "TRACE_RATE_LIMIT_PUBLIC": "100000 per minute",
        "TRACE_RATE_LIMIT_SIGNIN_ACCOUNT": "100000 per minute",
        "TRACE_RATE_LIMIT_SIGNIN_ADDRESS": "100000 per minute",
    }
    env.pop("FLASK_DEBUG", None)
    flask = [str(BIN / "flask"), "--app", "trace"]
    for command in (
        ["db", "upgrade"],
        ["demo", "load"],
        ["users", "create", ADMIN, "--role", "admin", "--password", PASSWORD],
    ):
        subprocess.run(
            flask + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
        )
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"fuzz-served-{make_url(url).get_backend_name()}.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if _request(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + log_path.read_text())
        yield base, log_path
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
        _drop(url)


def test_served_api_survives_two_parallel_fuzzers(served: tuple[str, Path], tmp_path: Path) -> None:
    base, log_path = served
    # A few tokens first: the fuzzer's own is then not id 1, the first value it tries for ids.
    for _ in range(4):
        status, body = _request(f"{base}/api/v1/tokens", {"email": ADMIN, "password": PASSWORD})
        assert status == 201, body
    token = json.loads(body)["token"]
    report = ARTIFACTS / f"{log_path.stem}.ndjson"
    run = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks",
            "not_a_server_error",
            "--workers",
            "2",
            "--max-examples",
            EXAMPLES,
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            "16",
            "--generation-database",
            "none",
            "--request-timeout",
            "60",
            "--header",
            f"Authorization: Bearer {token}",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
            # Not the fuzzer revoking its own token: that ends the run early (fuzzed in-process
            # by test_fuzz_api.py).
            "--exclude-name",
            "DELETE /api/v1/tokens/{token_id}",
            "--no-color",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=3000,
    )
    summary = run.stdout[-6000:]
    print(summary)
    server_errors = [line for line in log_path.read_text().splitlines() if "Traceback" in line]
    assert run.returncode == 0, summary + run.stderr[-2000:]
    assert server_errors == []
