"""Benchmark the scan page under concurrent load: scans per second against the framework's ceiling.

Run from the repository root: ``.venv/bin/python bench/bench_scan.py``. In a PostgreSQL database
of its own (``trace_bench_scan_<random>``, created on the server TRACE_BENCH_DATABASE_URL names
and dropped afterwards unless --keep; bench/pgdb.py: nothing else is ever dropped) it migrates,
loads the demo data and issues a few thousand pack codes, then serves bench/scan_wsgi.py with
gunicorn and drives it with Debian's wrk (32 connections, 10 s each, after a warm-up):

- scan:     GET /scan/{serial}, cycling over the serials, so every request is a real scan that
            computes its verdict, logs the scan and renders the page;
- constant: GET /bench/constant, a 2-byte answer through the same app and the same gunicorn
            configuration: the ceiling of the framework and server on this machine.

The two alternate for --rounds rounds (3) and the median of each is reported. gunicorn runs sync
workers, 2 x cores + 1 of them (see --workers). gthread workers (2 x 16 threads, keep-alive) were
measured too: one GIL per process queues the scans behind each other (p99 about 300 ms here).

Prints a table and writes ``bench/results/scan.json``. Targets: scan rate >= 1/3 of the ceiling,
p99 < 100 ms, no errors. The exit status is 0 even when a target is missed (the figures are the
result); it is 1 only when the benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# `trace` is also a standard-library module: the repository root must come first on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.pgdb import create_database, drop_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scan.json"
LOG = Path(tempfile.gettempdir()) / "bench-scan-gunicorn.log"  # kept for a look after a failure
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # the server only
SECRET = "bench-scan-secret-key-not-for-production"
TARGET_RATIO = 1 / 3
TARGET_P99_MS = 100.0
STARTUP_SECONDS = 300  # every worker imports the app; slow on a busy machine

# Each wrk thread starts at its own place in the list, so threads do not scan the same pack at
# the same moment; done() prints wrk's own figures as one JSON line.
LUA = """
local serials = {%(serials)s}
local path = "%(path)s"
local counter = 0
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  counter = (id or 0) * 997
end

request = function()
  if path ~= "" then
    return wrk.format("GET", path)
  end
  counter = counter + 1
  return wrk.format("GET", "/scan/" .. serials[(counter %% #serials) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""


def database_url() -> str:
    return os.environ.get("TRACE_BENCH_DATABASE_URL", DEFAULT_URL)


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TRACE_DATABASE_URL": url,
        "TRACE_SECRET_KEY": SECRET,
        "TRACE_RATE_LIMITS_ENABLED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def prepare(url: str, packs: int) -> tuple[list[str], str]:
    """Migrate, load the demo data and issue `packs` codes for a demo walnut lot."""
    for args in (("db", "upgrade"), ("demo", "load")):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "trace", *args],
            cwd=ROOT,
            env=_env(url),
            check=True,
            capture_output=True,
            timeout=600,
        )
    from trace import create_app
    from trace.models.batches import Batch, BatchStatus
    from trace.models.users import Role, User
    from trace.services.labels import issue_label_run, run_serials
    from trace.web.database import EXTENSION_KEY

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_REQUESTS": False})
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        batch = session.scalars(
            select(Batch)
            .where(Batch.latitude.is_not(None), Batch.status == BatchStatus.ACTIVE)
            .order_by(Batch.id)
        ).first()
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        if batch is None or admin is None:
            raise SystemExit("bench: the demo data has no active walnut lot to label")
        run = issue_label_run(session, admin, batch.id, packs)
        serials = run_serials(session, run.id)
        lot = batch.lot
        session.commit()
        session.close()
    app.extensions["trace.engine"].dispose()
    return serials, lot


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(
    url: str, port: int, args: argparse.Namespace, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "gunicorn",
        "--chdir", str(ROOT),
        "--pythonpath", str(ROOT / "bench"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--worker-class", args.worker_class,
        "--threads", str(args.threads),
        "--backlog", "2048",
        "--log-level", "warning",
        "scan_wsgi:app",
    ]  # fmt: skip
    handle = log.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=_env(url), stdout=handle, stderr=handle)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench: gunicorn exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"bench: gunicorn did not answer within {STARTUP_SECONDS} s; see {log}")


def run_wrk(
    wrk: str, base: str, script: Path, seconds: float, connections: int, threads: int
) -> dict[str, Any]:
    answer = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
         "-s", str(script), base],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    line = next(x for x in answer.stdout.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    errors = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")}
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "rate": raw["requests"] / (raw["duration_us"] / 1e6),
        "bytes_per_response": raw["bytes"] / max(raw["requests"], 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "error_count": sum(errors.values()),
    }


def count_scans(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = int(connection.execute(text("SELECT count(*) FROM scans")).scalar_one())
    engine.dispose()
    return count


def lua_script(directory: Path, name: str, serials: list[str], path: str = "") -> Path:
    script = directory / f"{name}.lua"
    script.write_text(
        LUA % {"serials": ",".join(f'"{s}"' for s in serials), "path": path}, encoding="utf-8"
    )
    return script


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate (all runs are kept in the JSON too)."""
    return sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=int, default=3000, help="pack codes to issue and cycle")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="alternate measurements; median")
    # gunicorn's own rule for sync workers: 2 x cores + 1. Sync workers are its default and what
    # `make run` serves with: behind a proxy they answer one request per connection (no
    # keep-alive), as a proxy's HTTP/1.0 upstream requests come. The same for both measurements.
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None:
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    url = database_url()
    if not url.startswith("postgresql"):
        print("bench: TRACE_BENCH_DATABASE_URL must be a PostgreSQL URL", file=sys.stderr)
        return 1

    started = time.monotonic()
    load_before = list(os.getloadavg())  # other work on the machine skews every figure
    url = create_database(url, "scan")
    process: subprocess.Popen[bytes] | None = None
    try:
        serials, lot = prepare(url, args.packs)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
            work = Path(tmp)
            process = start_gunicorn(url, port, args, LOG)
            scan_lua = lua_script(work, "scan", serials)
            constant_lua = lua_script(work, "constant", [], "/bench/constant")
            for script in (scan_lua, constant_lua):  # import, connect, fill caches, JIT nothing
                run_wrk(wrk, base, script, args.warmup, args.connections, args.wrk_threads)
            scans: list[dict[str, Any]] = []
            constants: list[dict[str, Any]] = []
            logged = 0
            for _round in range(args.rounds):
                constants.append(
                    run_wrk(wrk, base, constant_lua, args.seconds, args.connections,
                            args.wrk_threads)
                )  # fmt: skip
                before = count_scans(url)
                scans.append(
                    run_wrk(wrk, base, scan_lua, args.seconds, args.connections, args.wrk_threads)
                )
                logged += count_scans(url) - before
            with urllib.request.urlopen(f"{base}/scan/{serials[0]}") as answer:
                page_bytes = len(answer.read())
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        if args.keep:
            print(f"kept database {make_url(url).database}")
        else:
            drop_database(url)

    scan, constant = _median_run(scans), _median_run(constants)
    ratio = scan["rate"] / constant["rate"]
    errors = sum(r["error_count"] for r in scans + constants)
    result = {
        "benchmark": "scan page under load (gunicorn + wrk, PostgreSQL)",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "database": make_url(url).render_as_string(hide_password=True),
        "lot": lot,
        "packs": len(serials),
        "gunicorn": {
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
        },
        "wrk": {
            "connections": args.connections,
            "threads": args.wrk_threads,
            "seconds": args.seconds,
            "warmup_seconds": args.warmup,
            "rounds": args.rounds,
        },
        "scan": scan,
        "constant": constant,
        "ratio": ratio,
        "scans_logged": logged,
        "scan_requests": sum(r["requests"] for r in scans),
        "scan_page_bytes": page_bytes,
        "targets": {
            "ratio": TARGET_RATIO,
            "p99_ms": TARGET_P99_MS,
            "met": ratio >= TARGET_RATIO and scan["p99_ms"] < TARGET_P99_MS and errors == 0,
        },
        "runs": {"scan": scans, "constant": constants},
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    rows = [
        ("", "requests/s", "p50 ms", "p99 ms", "max ms", "errors"),
        *(
            (name, f"{r['rate']:.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}",
             f"{r['max_ms']:.1f}", str(r["error_count"]))
            for name, r in (("scan /scan/{serial}", scan), ("constant 2 bytes", constant))
        ),
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(
        f"gunicorn {args.workers} x {args.worker_class} (threads {args.threads}), wrk "
        f"{args.connections} connections x {args.seconds:g} s, {len(serials)} packs, "
        f"{os.cpu_count()} CPUs, load {load_before[0]:.1f} before"
    )
    for row in rows:
        print("  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in
                        enumerate(zip(row, widths, strict=True))))  # fmt: skip
    verdict = "met" if result["targets"]["met"] else "NOT met"
    print(
        f"ratio {ratio:.2f} (target >= {TARGET_RATIO:.2f}), scan p99 {scan['p99_ms']:.1f} ms "
        f"(target < {TARGET_P99_MS:g}), errors {errors}: targets {verdict}; "
        f"{logged} scans logged for {result['scan_requests']} scan requests; "
        f"page {page_bytes} bytes"
    )
    if args.rounds > 1:
        print("rounds: scan " + ", ".join(f"{r['rate']:.0f}" for r in scans)
              + "; constant " + ", ".join(f"{r['rate']:.0f}" for r in constants))  # fmt: skip
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
