"""Profile requests through the whole app in one process (cProfile): where a scan and a constant
route spend their time, hooks included.

Run from the repository root: ``.venv/bin/python bench/profile_request.py [--requests N]
[--database-url URL] [--top N] [--rate-limits]``. Without --database-url it works in a SQLite file
of a temporary folder; with a PostgreSQL server URL it makes a trace_bench_profile_* database
there (bench/pgdb.py) and drops it. It migrates, loads the demo data, then calls the WSGI app
directly (no server, no sockets) for N constant requests and N first scans of distinct packs,
and prints the functions with the most cumulative and own time for each. The figures are per
request, in microseconds; they are for finding the costs, the served benchmark
(bench/bench_scan.py) is the measurement.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from werkzeug.test import EnvironBuilder  # noqa: E402

from bench.pgdb import create_database, drop_database  # noqa: E402

SECRET = "bench-profile-secret-key-not-for-production"


def _prepare(
    url: str, packs: int, rate_limits: bool, cache_seconds: float
) -> tuple[Any, list[str]]:
    env = {**os.environ, "TRACE_DATABASE_URL": url, "TRACE_SECRET_KEY": SECRET}
    for args in (("db", "upgrade"), ("demo", "load")):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "trace", *args],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    from flask import Response

    from trace import create_app
    from trace.models.batches import Batch
    from trace.models.users import Role, User
    from trace.services.labels import issue_label_run, run_serials
    from trace.web import access
    from trace.web.database import EXTENSION_KEY

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "RATE_LIMITS_ENABLED": rate_limits,
            "RATE_LIMIT_PUBLIC": "1000000 per minute",
            "PUBLIC_CACHE_SECONDS": cache_seconds,
        }
    )
    app.add_url_rule("/bench/constant", "bench_constant", lambda: Response(b"ok"))
    access.ACCESS["bench_constant"] = access.PUBLIC
    from sqlalchemy import select

    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        batch = session.scalars(select(Batch).order_by(Batch.id)).first()
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        assert batch is not None and admin is not None
        run = issue_label_run(session, admin, batch.id, packs)
        serials = run_serials(session, run.id)
        session.commit()
        session.close()
    return app, serials


def _caller(app: Any, path: str, address: int) -> Callable[[], int]:
    def call() -> int:
        environ = EnvironBuilder(
            path=path,
            headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile", "Accept-Language": "zh-CN"},
            environ_base={"REMOTE_ADDR": f"10.0.{address // 250}.{address % 250 + 1}"},
        ).get_environ()
        status: list[str] = []
        body = b"".join(app.wsgi_app(environ, lambda s, h, e=None: status.append(s)))
        assert status[0][:3] in {"200", "404"}, (path, status, body[:200])
        return len(body)

    return call


def _profile(name: str, calls: list[Callable[[], int]], top: int) -> None:
    for call in calls[:20]:  # warm: imports, caches, connections
        call()
    # Each half its own requests: a scan is a first scan once only.
    half = (len(calls) - 20) // 2
    timed, measured = calls[20 : 20 + half], calls[20 + half :]
    started = time.perf_counter()
    for call in timed:
        call()
    plain = (time.perf_counter() - started) / len(timed) * 1e6
    profiler = cProfile.Profile()
    profiler.enable()
    for call in measured:
        call()
    profiler.disable()
    print(f"\n== {name}: {plain:.0f} us per request unprofiled ({len(measured)} requests)")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(f"-- by {order}")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server; else SQLite")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--rate-limits", action="store_true", help="count requests (high limit)")
    parser.add_argument(
        "--cache-seconds",
        type=float,
        default=30,
        help="TRACE_PUBLIC_CACHE_SECONDS; 0: every scan misses",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        os.environ["TRACE_INSTANCE_DIR"] = tmp
        server = args.database_url
        url = create_database(server, "profile") if server else f"sqlite:///{tmp}/trace.db"
        try:
            count = 2 * args.requests + 20
            app, serials = _prepare(url, count, args.rate_limits, args.cache_seconds)
            _profile(
                "constant route",
                [_caller(app, "/bench/constant", n) for n in range(count)],
                args.top,
            )
            _profile(
                "first scans (verdict, scan log, page)",
                [_caller(app, f"/scan/{s}", n) for n, s in enumerate(serials[:count])],
                args.top,
            )
            app.extensions["trace.engine"].dispose()
        finally:
            if server:
                drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
