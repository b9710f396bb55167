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

``--compare REV`` (e.g. bench_scan.BASELINE_REVISION) measures instead, without the profiler,
the CPU time per request of this process (time.process_time: what the request path itself costs,
nearly blind to other work on a shared machine, unlike a served rate) for a bare Flask constant,
the in-app constant and a first scan, here and in the code of REV (git archive), each in a child
process of this script, the two at the same time (so that both meet the same load), --rounds
times each, and prints the medians and the ratios
bare / constant and bare / scan for both. The scan's database work on the server side is not in
this process's CPU time; the wall time is printed beside it.
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
            cwd=os.getcwd(), env=env, check=True, capture_output=True, timeout=600,
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
            "LOG_REQUESTS": os.environ.get("TRACE_LOG_REQUESTS", "1") != "0",
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


def _cpu(calls: list[Callable[[], int]]) -> tuple[float, float]:
    """(CPU, wall) microseconds per call of this process."""
    cpu, wall = time.process_time(), time.perf_counter()
    for call in calls:
        call()
    return (
        (time.process_time() - cpu) / len(calls) * 1e6,
        (time.perf_counter() - wall) / len(calls) * 1e6,
    )


def _bare_caller() -> Callable[[], int]:
    from flask import Flask, Response

    bare = Flask("bare")
    bare.add_url_rule("/bench/constant", "constant", lambda: Response(b"ok", mimetype="text/plain"))
    return _caller(bare, "/bench/constant", 0)


def _measure(url: str, requests: int, rounds: int) -> dict[str, list[float]]:
    """CPU and wall microseconds per request of the three, `rounds` times each."""
    count = 20 + rounds * requests
    app, serials = _prepare(url, count, False, 30)
    bare = _bare_caller()
    constant = _caller(app, "/bench/constant", 0)
    scans = [_caller(app, f"/scan/{s}", n) for n, s in enumerate(serials)]
    for call in (bare, constant, *scans[:20]):  # warm
        call()
    figures: dict[str, list[float]] = {}
    for number in range(rounds):
        first = 20 + number * requests
        for name, calls in (
            ("bare", [bare] * requests),
            ("constant", [constant] * requests),
            ("scan", scans[first : first + requests]),
        ):
            cpu, wall = _cpu(calls)
            figures.setdefault(f"{name}_cpu_us", []).append(cpu)
            figures.setdefault(f"{name}_wall_us", []).append(wall)
    app.extensions["trace.engine"].dispose()
    return figures


def _compare(args: argparse.Namespace) -> int:
    """This code and `args.compare`'s, each in its own database, CPU time per request."""
    import json
    import statistics

    from bench.bench_scan import export_tree

    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        tree = export_tree(args.compare, Path(tmp))
        if tree is None:
            return 1
        # Both at once: whatever else the machine does then, both pay for it alike.
        children: dict[str, subprocess.Popen[str]] = {}
        for label, root in (("after", ROOT), ("before", tree)):
            command = [
                sys.executable, str(ROOT / "bench" / "profile_request.py"),
                "--requests", str(args.requests), "--rounds", str(args.rounds),
                "--measure-json", "--root", str(root),
            ]  # fmt: skip
            if args.database_url:
                command += ["--database-url", args.database_url]
            env = dict(os.environ)
            if root != ROOT:
                from trace.config import IP_REGION_DB

                env.setdefault("TRACE_IP_REGION_DB", str(IP_REGION_DB))
            children[label] = subprocess.Popen(
                command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
        for label, child in children.items():
            out, err = child.communicate(timeout=1800)
            if child.returncode != 0:
                print(f"bench: {label} failed: {err[-2000:]}", file=sys.stderr)
                return 1
            results[label] = json.loads(out.strip().splitlines()[-1])
    load = os.getloadavg()[0]
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"CPU time per request in one process ({database}; {args.requests} requests x "
        f"{args.rounds} rounds; load {load:.1f}); medians:"
    )
    print(f"{'':8}{'bare us':>9}{'const us':>10}{'scan us':>9}{'scan wall':>11}"
          f"{'bare/const':>12}{'bare/scan':>11}")  # fmt: skip
    summary = {}
    for label in ("before", "after"):
        figures = {k: statistics.median(v) for k, v in results[label].items()}
        row = {
            **figures,
            "bare_to_constant": figures["bare_cpu_us"] / figures["constant_cpu_us"],
            "bare_to_scan": figures["bare_cpu_us"] / figures["scan_cpu_us"],
        }
        summary[label] = row
        print(
            f"{label:8}{row['bare_cpu_us']:9.0f}{row['constant_cpu_us']:10.0f}"
            f"{row['scan_cpu_us']:9.0f}{row['scan_wall_us']:11.0f}"
            f"{row['bare_to_constant']:12.2f}{row['bare_to_scan']:11.2f}"
        )
    out = ROOT / "bench" / "results" / f"request-cpu-{database.lower()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"load": load, "before_revision": args.compare, **summary}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


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
    parser.add_argument("--compare", default="", help="a git revision: CPU time, both codes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--measure-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compare:
        return _compare(args)
    root = Path(args.root)
    if root != ROOT:  # the code measured is another tree's (--compare's child)
        sys.path.insert(0, str(root))
        for name in [m for m in sys.modules if m == "trace" or m.startswith("trace.")]:
            del sys.modules[name]
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        os.environ["TRACE_INSTANCE_DIR"] = tmp
        server = args.database_url
        url = create_database(server, "profile") if server else f"sqlite:///{tmp}/trace.db"
        try:
            if args.measure_json:
                import json

                print(json.dumps(_measure(url, args.requests, args.rounds)))
                return 0
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
