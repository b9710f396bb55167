"""Benchmark the embedded default under concurrency: 16 scan clients plus staff writes, as served.

Run from the repository root: ``.venv/bin/python bench/bench_concurrency.py``. It makes a SQLite
database of its own in a new temporary folder (named uniquely; removed afterwards unless --keep;
nothing else is touched), migrates it, loads the demo data and issues pack codes, then serves the
app as ``make run`` does (scripts/serve.py: gunicorn and the job worker; before that script
existed, ``gunicorn --workers 2``) on a free port and drives it for --seconds:

- 16 scan clients (threads with keep-alive connections), each GET /scan/{serial} over the codes;
- 2 staff clients through the JSON API: trace events, lot splits and a small label run in turn.

Reported: scans per second, and the count of 5xx answers and of failed connections, for scans
and staff writes apart. The same 16 clients are then pointed at /healthz (one short read) for a
same-run ceiling, and the scan rate is given as a ratio of it. Target: zero 5xx, zero failures.
Writes ``bench/results/concurrency.json``; exits 1 only when the benchmark could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `trace` is also a standard-library module
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "concurrency.json"
SECRET = "bench-concurrency-secret-not-for-production"
STARTUP_SECONDS = 300
SERVE_SCRIPT = ROOT / "scripts" / "serve.py"


def _env(url: str, jobs_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TRACE_DATABASE_URL": url,
        "TRACE_SECRET_KEY": SECRET,
        "TRACE_RATE_LIMITS_ENABLED": "0",  # 16 clients from one address are the point here
        "TRACE_LOG_REQUESTS": "0",
        "TRACE_JOBS_DIR": str(jobs_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("TRACE_REDIS_URL", "FLASK_DEBUG"):
        env.pop(name, None)
    return env


def prepare(url: str, env: dict[str, str], packs: int) -> dict[str, Any]:
    """Migrate, load the demo data (as `make run`), issue `packs` codes; what the clients need."""
    for args in (("db", "upgrade"), ("demo", "load")):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "trace", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
    from trace import create_app
    from trace.demo import DEMO_PASSWORD
    from trace.models.batches import Batch, BatchStatus
    from trace.models.users import Role, User
    from trace.services.labels import issue_label_run, run_serials

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_REQUESTS": False})
    with app.app_context():
        session = app.extensions["trace.sessionmaker"]()
        lots = list(
            session.scalars(
                select(Batch)
                .where(Batch.latitude.is_not(None), Batch.status == BatchStatus.ACTIVE)
                .order_by(Batch.id)
            )
        )
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        if len(lots) < 2 or admin is None:
            raise SystemExit("bench: the demo data has no two active walnut lots")
        run = issue_label_run(session, admin, lots[0].id, packs)
        serials = run_serials(session, run.id)
        prepared = {
            "serials": serials,
            "label_batch": lots[0].id,
            "event_batch": lots[0].id,
            "split_batch": lots[1].id,
            "split_unit": lots[1].unit.value,
            "email": admin.email,
            "password": DEMO_PASSWORD,
        }
        session.commit()
        session.close()
    app.extensions["trace.engine"].dispose()
    return prepared


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(port: int, workers: int) -> list[str]:
    """What `make run` serves with (after its migrate and demo steps)."""
    if SERVE_SCRIPT.exists():
        return [sys.executable, str(SERVE_SCRIPT), "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}", "wsgi:app"]  # fmt: skip


def start_server(command: list[str], env: dict[str, str], port: int, log: Path) -> Any:
    handle = log.open("wb")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=handle, start_new_session=True
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench: the server exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"bench: the server did not answer within {STARTUP_SECONDS} s; see {log}")


def stop_server(process: Any) -> None:
    """Ctrl-C as a person would press it (SIGINT to the server's process group)."""
    import signal

    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Tally:
    """Answers counted by kind of client and status class, across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.samples: dict[str, str] = {}

    def add(self, kind: str, status: int | None, body: bytes = b"") -> None:
        label = f"{kind}_{'fail' if status is None else f'{status // 100}xx'}"
        with self.lock:
            self.counts[label] += 1
            if (status is None or status >= 500) and label not in self.samples:
                self.samples[label] = body[:300].decode("utf-8", "replace")


def _request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    payload = json.dumps(body).encode() if body is not None else None
    heads = {"Accept": "application/json", **(headers or {})}
    if payload is not None:
        heads["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=heads)
    answer = connection.getresponse()
    return answer.status, answer.read()


def _client_loop(port: int, stop: float, work: Any, tally: Tally, kind: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    step = 0
    while time.monotonic() < stop:
        step += 1
        try:
            status, body = work(connection, step)
        except (OSError, http.client.HTTPException) as exc:
            tally.add(kind, None, repr(exc).encode())
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        tally.add(kind, status, body)
    connection.close()


def drive(
    port: int, prepared: dict[str, Any], seconds: float, clients: int, path: str | None = None
) -> dict[str, Any]:
    """`clients` scan clients (or readers of `path`) and, with scans, 2 staff writers."""
    tally = Tally()
    serials: list[str] = prepared["serials"]
    threads: list[threading.Thread] = []
    stop = time.monotonic() + seconds

    def scanner(offset: int) -> Any:
        def work(connection: http.client.HTTPConnection, step: int) -> tuple[int, bytes]:
            if path is not None:
                return _request(connection, "GET", path)
            serial = serials[(offset * 997 + step) % len(serials)]
            return _request(connection, "GET", f"/scan/{serial}", headers={"Accept": "text/html"})

        return work

    for index in range(clients):
        threads.append(
            threading.Thread(target=_client_loop, args=(port, stop, scanner(index), tally, "scan"))
        )
    if path is None:
        token = _token(port, prepared)
        for writer in range(2):
            threads.append(
                threading.Thread(
                    target=_client_loop,
                    args=(port, stop, _staff_work(prepared, token, writer), tally, "staff"),
                )
            )
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    counts = dict(tally.counts)
    scans = sum(v for k, v in counts.items() if k.startswith("scan_") and k != "scan_fail")
    return {
        "seconds": round(elapsed, 2),
        "scans_per_second": round(scans / elapsed, 1),
        "counts": counts,
        "scan_5xx": counts.get("scan_5xx", 0),
        "staff_5xx": counts.get("staff_5xx", 0),
        "failed_connections": counts.get("scan_fail", 0) + counts.get("staff_fail", 0),
        "samples": tally.samples,
    }


def _token(port: int, prepared: dict[str, Any]) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, body = _request(
        connection,
        "POST",
        "/api/v1/tokens",
        {"email": prepared["email"], "password": prepared["password"]},
    )
    connection.close()
    if status != 201:
        raise SystemExit(f"bench: no API token ({status}): {body[:200]!r}")
    return str(json.loads(body)["token"])


def _staff_work(prepared: dict[str, Any], token: str, writer: int) -> Any:
    """Staff writes in turn: an event, a split of a small quantity, now and then a label run."""
    auth = {"Authorization": f"Bearer {token}"}

    def work(connection: http.client.HTTPConnection, step: int) -> tuple[int, bytes]:
        now = dt.datetime.now(dt.UTC).isoformat()
        choice = (step + writer) % 10
        if choice == 0:
            return _request(
                connection,
                "POST",
                f"/api/v1/batches/{prepared['label_batch']}/label-runs",
                {"count": 24},
                auth,
            )
        if choice % 2 == 1:
            return _request(
                connection,
                "POST",
                "/api/v1/lot-operations",
                {
                    "kind": "split",
                    "occurred_at": now,
                    "inputs": [{"batch_id": prepared["split_batch"], "quantity": "0.002"}],
                    "outputs": [
                        {"quantity": "0.001", "unit": prepared["split_unit"]},
                        {"quantity": "0.001", "unit": prepared["split_unit"]},
                    ],
                },
                auth,
            )
        return _request(
            connection,
            "POST",
            f"/api/v1/batches/{prepared['event_batch']}/events",
            {"event_type": "storing", "occurred_at": now, "location": "大姚县 仓库"},
            auth,
        )

    return work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--packs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="only without scripts/serve.py")
    parser.add_argument("--port", type=int, default=0, help="serve on this port (0: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the bench's temporary folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="trace-bench-concurrency-"))
    url = f"sqlite:///{folder / 'trace.db'}"
    env = _env(url, folder / "jobs")
    log = folder / "server.log"
    try:
        prepared = prepare(url, env, args.packs)
        port = args.port or free_port()
        command = serve_command(port, args.workers)
        server = start_server(command, env, port, log)
        try:
            drive(port, prepared, 2, 4)  # warm-up: every worker imports and connects
            loaded = drive(port, prepared, args.seconds, args.clients)
            ceiling = drive(port, prepared, args.seconds / 3, args.clients, path="/healthz")
        finally:
            stop_server(server)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    result = {
        "serve_command": " ".join(Path(c).name if c == sys.executable else c for c in command),
        "clients": args.clients,
        "loaded": loaded,
        "ceiling_per_second": ceiling["scans_per_second"],
        "ratio_to_ceiling": round(loaded["scans_per_second"] / ceiling["scans_per_second"], 3)
        if ceiling["scans_per_second"]
        else None,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"served by: {result['serve_command']}")
    print(f"{args.clients} scan clients + 2 staff writers, {loaded['seconds']} s")
    print(f"  scans/s           {loaded['scans_per_second']}")
    print(f"  /healthz/s        {ceiling['scans_per_second']}  (same clients, same run)")
    print(f"  scan / ceiling    {result['ratio_to_ceiling']}")
    print(f"  scan 5xx          {loaded['scan_5xx']}")
    print(f"  staff 5xx         {loaded['staff_5xx']}")
    print(f"  failed conns      {loaded['failed_connections']}")
    print(f"  all answers       {loaded['counts']}")
    for label, sample in loaded["samples"].items():
        print(f"  first {label}: {sample[:160]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
