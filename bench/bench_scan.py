"""Benchmark the scan page under concurrent load: scans per second against two ceilings.

Run from the repository root: ``.venv/bin/python bench/bench_scan.py``. In a PostgreSQL database
of its own (``trace_bench_scan_<random>``, created on the server TRACE_BENCH_DATABASE_URL names
and dropped afterwards unless --keep; bench/pgdb.py: nothing else is ever dropped) it migrates,
loads the demo data, then registers --lots walnut lots (each with a passed lab report) and issues
--packs codes for each. Scans are spread over all of them as in the field: each round scans its
own packs, shuffled across lots, mostly for the first time (--repeat-share of the requests scan
again a pack scanned a little earlier, as a buyer checking twice does), so the per-lot caches of
the five workers miss as they would and the verdicts are mostly "genuine". The hit and miss
counts of those caches (counted inside the workers, bench/scan_wsgi.py) and the verdicts logged
are reported per round.

The measurements alternate for --rounds rounds, each driven by Debian's wrk (32 connections,
10 s, after a warm-up):

- bare:     GET /bench/constant of a bare Flask app (bench/bare_wsgi.py) on the same gunicorn
            configuration: the ceiling of Flask and gunicorn alone on this machine;
- constant: GET /bench/constant, a 2-byte answer through the real app (its hooks: access,
            headers, language, log): the ceiling of the product's framework;
- scan:     GET /scan/{serial}, each a real scan that computes its verdict, logs the scan and
            renders the page;
- before constant, before scan: the same two served by the code of --before (a git revision,
            by default the last one before issue 21's lean request path, BASELINE_REVISION),
            exported to a temporary folder and run against the same database, so that the
            change is measured under the same load as the code it replaces (--before '' skips).

With TRACE_BENCH_REDIS_URL set, every server measured gets it as TRACE_REDIS_URL (the job queue,
and for this code the public-record cache its workers share). With --sqlite the database is a
SQLite file in a temporary folder instead (the embedded
default: the scan log's commit then waits for SQLite's fsync).

Each round's ratios (scan / constant and scan / bare) are taken from measurements of that round,
and the median of the per-round ratios is reported: the machine is shared and its load changes
between rounds. Where taskset and two or more CPUs exist, wrk runs pinned to the last CPU and
gunicorn to the others, so the load generator does not take the servers' CPU (PostgreSQL is not
pinned). gunicorn runs sync workers, 2 x cores + 1 of them (see --workers).

Prints a table and writes ``bench/results/scan.json`` (``scan-sqlite.json``). Targets (issue
21): median scan / bare >= 1/3, scan p99 < 50 ms, no errors; the load average is reported
beside them (the machine is shared). The exit status is 0 even when a target is missed (the
figures are the result); it is 1 only when the benchmark could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# `trace` is also a standard-library module: the repository root must come first on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.pgdb import create_database, drop_database  # noqa: E402
from bench.scan_stats import KINDS, difference, read_stats  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scan.json"
LOG = Path(tempfile.gettempdir()) / "bench-scan-gunicorn.log"  # kept for a look after a failure
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # the server only
SECRET = "bench-scan-secret-key-not-for-production"
TARGET_RATIO = 1 / 3  # of the bare Flask constant's rate
TARGET_P99_MS = 50.0
# main before issue 21 (the lean request path): what --before serves by default.
BASELINE_REVISION = "6d22771b09c62ff780a0f88e7bdd8eb97187a4c2"
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
    redis = os.environ.get("TRACE_BENCH_REDIS_URL", "")
    return {
        **os.environ,
        # Production's shape: the public-record cache shared through Redis (unset: none).
        "TRACE_REDIS_URL": redis,
        "TRACE_DATABASE_URL": url,
        "TRACE_SECRET_KEY": SECRET,
        "TRACE_RATE_LIMITS_ENABLED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def prepare(url: str, lots: int, packs: int) -> list[list[str]]:
    """Migrate, load the demo data, then register `lots` walnut lots like the demo's first
    (each with a passed lab report) and issue `packs` codes for each; the serials per lot."""
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
    from trace.models.inspections import InspectionLimit
    from trace.models.users import Role, User
    from trace.services.batches import create_batch
    from trace.services.inspections import record_inspection
    from trace.services.labels import issue_label_run, run_serials
    from trace.web.database import EXTENSION_KEY

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_REQUESTS": False})
    serials: list[list[str]] = []
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        model = session.scalars(
            select(Batch)
            .where(Batch.latitude.is_not(None), Batch.status == BatchStatus.ACTIVE)
            .order_by(Batch.id)
        ).first()
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        if model is None or admin is None:
            raise SystemExit("bench: the demo data has no active walnut lot to copy")
        limits = session.scalars(
            select(InspectionLimit).where(
                InspectionLimit.product_category == model.product.category
            )
        ).all()
        results = [
            {"item": x.item, "value": x.min_value or Decimal(0), "unit": x.unit} for x in limits
        ]
        for number in range(lots):
            batch = create_batch(
                session,
                admin,
                product_id=model.product_id,
                producer_id=model.producer_id,
                harvested_on=model.harvested_on - dt.timedelta(days=number % 40),
                quantity=Decimal("3000"),
                unit="kg",
                township_code=model.township_code,
                village=model.village,
                plot=model.plot,
                latitude=model.latitude,
                longitude=model.longitude,
                altitude_m=model.altitude_m,
            )
            record_inspection(
                session, admin, batch.id, lab="县质检中心（示例）", report_no=f"BENCH-{number}",
                sampled_on=batch.harvested_on, tested_on=batch.harvested_on, results=results,
            )  # fmt: skip
            run = issue_label_run(session, admin, batch.id, packs)
            serials.append(run_serials(session, run.id))
            if number % 100 == 99:
                session.commit()
        session.commit()
        session.close()
    app.extensions["trace.engine"].dispose()
    return serials


def plan(
    serials: list[list[str]], slices: int, repeat_share: float, seed: int = 23
) -> list[list[str]]:
    """`slices` request sequences over disjoint sets of packs, shuffled across lots: each pack
    once (a first scan), and after a share of them a second scan of a pack scanned a little
    earlier in the same sequence (a repeat)."""
    rng = random.Random(seed)
    packs = [serial for lot in serials for serial in lot]
    rng.shuffle(packs)
    size = len(packs) // slices
    sequences = []
    for number in range(slices):
        sequence: list[str] = []
        for serial in packs[number * size : (number + 1) * size]:
            sequence.append(serial)
            if len(sequence) > 50 and rng.random() < repeat_share:
                sequence.append(sequence[-rng.randint(10, 50)])
        sequences.append(sequence)
    return sequences


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinning() -> tuple[list[str], list[str], str]:
    """taskset prefixes for (servers, wrk), and what was done."""
    cpus = sorted(os.sched_getaffinity(0))
    taskset = shutil.which("taskset")
    if taskset is None or len(cpus) < 2:
        return [], [], "none (needs taskset and two CPUs)"
    servers, load = cpus[:-1], cpus[-1]
    described = f"gunicorn on CPU {','.join(map(str, servers))}, wrk on CPU {load}"
    return (
        [taskset, "-c", ",".join(map(str, servers))],
        [taskset, "-c", str(load)],
        described,
    )


def start_gunicorn(
    module: str, url: str, port: int, args: argparse.Namespace, log: Path, prefix: list[str],
    stats: Path, root: Path = ROOT, ready_path: str = "/healthz",
) -> subprocess.Popen[bytes]:  # fmt: skip
    command = [
        *prefix,
        sys.executable, "-m", "gunicorn",
        "--chdir", str(root),
        "--pythonpath", str(root / "bench"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--worker-class", args.worker_class,
        "--threads", str(args.threads),
        "--backlog", "2048",
        "--log-level", "warning",
        f"{module}:app",
    ]  # fmt: skip
    handle = log.open("wb")
    env = {**_env(url), "TRACE_BENCH_STATS_DIR": str(stats)}
    if root != ROOT:  # an older tree: this checkout's installed data files
        env["TRACE_IP_REGION_DB"] = env.get("TRACE_IP_REGION_DB") or str(_ip_region_db())
    process = subprocess.Popen(command, cwd=root, env=env, stdout=handle, stderr=handle)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench: gunicorn exited; see {log}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}{ready_path}", timeout=2
            ) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"bench: gunicorn did not answer within {STARTUP_SECONDS} s; see {log}")


def _ip_region_db() -> Path:
    from trace.config import IP_REGION_DB

    return IP_REGION_DB


def export_tree(revision: str, folder: Path) -> Path | None:
    """The code of `revision` in `folder` (git archive), with this checkout's compiled message
    catalogues; None (and why, printed) when it cannot be had (a shallow clone, say)."""
    tree = folder / "before"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    if archive.returncode != 0:
        print(f"bench: no before run: git archive {revision}: {archive.stderr.decode().strip()}")
        return None
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    for catalogue in (ROOT / "trace" / "translations").glob("*/LC_MESSAGES/*.mo"):
        target = tree / catalogue.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(catalogue, target)
    return tree


def run_wrk(
    wrk: list[str], base: str, script: Path, seconds: float, connections: int, threads: int
) -> dict[str, Any]:
    answer = subprocess.run(
        [*wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
         "--timeout", "5s", "-s", str(script), base],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    line = next(x for x in answer.stdout.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    errors = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")}
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        # Never zero (a ratio's denominator): a run without one answer counts as one.
        "rate": max(raw["requests"], 1) / (raw["duration_us"] / 1e6),
        "bytes_per_response": raw["bytes"] / max(raw["requests"], 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "error_count": sum(errors.values()),
    }


def last_scan_id(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = int(connection.execute(text("SELECT coalesce(max(id), 0) FROM scans")).scalar_one())
    engine.dispose()
    return found


def verdicts_since(url: str, scan_id: int) -> dict[str, int]:
    """The verdicts of the public scans logged after `scan_id`."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT verdict, count(*) FROM scans WHERE id > :id AND is_public GROUP BY 1"),
            {"id": scan_id},
        ).all()
    engine.dispose()
    return {verdict: int(count) for verdict, count in rows}


def lua_script(directory: Path, name: str, serials: list[str], path: str = "") -> Path:
    script = directory / f"{name}.lua"
    script.write_text(
        LUA % {"serials": ",".join(f'"{s}"' for s in serials), "path": path}, encoding="utf-8"
    )
    return script


def hit_rates(cache: dict[str, dict[str, int]]) -> dict[str, float | None]:
    rates: dict[str, float | None] = {}
    for kind in KINDS:
        total = cache[kind]["hits"] + cache[kind]["misses"]
        rates[kind] = cache[kind]["hits"] / total if total else None
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=800, help="walnut lots to register")
    parser.add_argument("--packs", type=int, default=24, help="pack codes issued per lot")
    parser.add_argument("--repeat-share", type=float, default=0.1, help="second scans")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all; medians")
    # Issue 21's configuration: 4 sync workers for every server measured. Behind a proxy sync
    # workers answer one request per connection (no keep-alive), as a proxy's HTTP/1.0 upstream
    # requests come. The same for all measurements.
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--before", default=BASELINE_REVISION, help="git revision measured beside ('' skips)"
    )
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    wrk_path = shutil.which("wrk")
    if wrk_path is None:
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    server = database_url()
    if not args.sqlite and not server.startswith("postgresql"):
        print("bench: TRACE_BENCH_DATABASE_URL must be a PostgreSQL URL", file=sys.stderr)
        return 1

    started = time.monotonic()
    load_before = list(os.getloadavg())  # other work on the machine skews every figure
    server_prefix, wrk_prefix, pinned = pinning()
    wrk = [*wrk_prefix, wrk_path]
    scratch = tempfile.TemporaryDirectory(prefix="bench-scan-")
    work = Path(scratch.name)
    url = f"sqlite:///{work}/trace.db" if args.sqlite else create_database(server, "scan")
    processes: list[subprocess.Popen[bytes]] = []
    rounds: list[dict[str, Any]] = []
    before_tree = export_tree(args.before, work) if args.before else None
    try:
        prepare_started = time.monotonic()
        serials = prepare(url, args.lots, args.packs)
        prepare_seconds = time.monotonic() - prepare_started
        # A warm-up and each round's scans: packs of their own, for each code measured.
        sequences = plan(serials, 2 * (args.rounds + 1), args.repeat_share)
        stats = work / "stats"
        stats.mkdir()
        app_port, bare_port, old_port = free_port(), free_port(), free_port()
        app_base, bare_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
        old_base = f"http://127.0.0.1:{old_port}"
        processes.append(
            start_gunicorn("scan_wsgi", url, app_port, args, LOG, server_prefix, stats)
        )
        if before_tree is not None:
            old_stats = work / "old-stats"
            old_stats.mkdir()
            processes.append(
                start_gunicorn(
                    "scan_wsgi", url, old_port, args, LOG.with_suffix(".before.log"),
                    server_prefix, old_stats, root=before_tree, ready_path="/bench/constant",
                )
            )  # fmt: skip
        processes.append(
            start_gunicorn(
                "bare_wsgi", url, bare_port, args, LOG.with_suffix(".bare.log"),
                server_prefix, work,
            )
        )  # fmt: skip
        constant_lua = lua_script(work, "constant", [], "/bench/constant")
        scan_luas = [lua_script(work, f"scan{n}", sequence) for n, sequence in enumerate(sequences)]
        # Warm-up: imports, connections; the scan warm-up uses packs of its own.
        run_wrk(wrk, bare_base, constant_lua, args.warmup, args.connections, args.wrk_threads)
        run_wrk(wrk, app_base, constant_lua, args.warmup, args.connections, args.wrk_threads)
        run_wrk(wrk, app_base, scan_luas[0], args.warmup, args.connections, args.wrk_threads)
        if before_tree is not None:
            run_wrk(wrk, old_base, constant_lua, args.warmup, args.connections, 1)
            run_wrk(wrk, old_base, scan_luas[-1], args.warmup, args.connections, 1)
        for number in range(args.rounds):
            bare = run_wrk(
                wrk, bare_base, constant_lua, args.seconds, args.connections, args.wrk_threads
            )
            constant = run_wrk(
                wrk, app_base, constant_lua, args.seconds, args.connections, args.wrk_threads
            )
            before_cache, before_scan = read_stats(stats), last_scan_id(url)
            scan = run_wrk(
                wrk, app_base, scan_luas[number + 1], args.seconds, args.connections,
                args.wrk_threads,
            )  # fmt: skip
            time.sleep(0.2)  # the last responses' counters
            cache = difference(read_stats(stats), before_cache)
            old: dict[str, Any] = {}
            if before_tree is not None:
                old["constant"] = run_wrk(
                    wrk, old_base, constant_lua, args.seconds, args.connections,
                    args.wrk_threads,
                )  # fmt: skip
                old["scan"] = run_wrk(
                    wrk, old_base, scan_luas[args.rounds + 1 + number], args.seconds,
                    args.connections, args.wrk_threads,
                )  # fmt: skip
                old["constant_to_bare"] = old["constant"]["rate"] / bare["rate"]
                old["scan_to_bare"] = old["scan"]["rate"] / bare["rate"]
            rounds.append(
                {
                    "bare": bare,
                    "constant": constant,
                    "scan": scan,
                    "before": old,
                    "ratio_to_constant": scan["rate"] / constant["rate"],
                    "ratio_to_bare": scan["rate"] / bare["rate"],
                    "constant_to_bare": constant["rate"] / bare["rate"],
                    "planned_requests": len(sequences[number + 1]),
                    "cache": cache,
                    "cache_hit_rate": hit_rates(cache),
                    "verdicts": verdicts_since(url, before_scan),
                    "load_average": os.getloadavg()[0],
                }
            )
        with urllib.request.urlopen(f"{app_base}/scan/{serials[0][0]}") as answer:
            page_bytes = len(answer.read())
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=40)  # gunicorn's graceful stop: requests under way finish
            except subprocess.TimeoutExpired:  # sync workers still waiting for SQLite's lock
                process.kill()
                process.wait()
        if args.sqlite:
            pass
        elif args.keep:
            print(f"kept database {make_url(url).database}")
        else:
            drop_database(url)
        scratch.cleanup()

    ratio = statistics.median(r["ratio_to_constant"] for r in rounds)
    ratio_bare = statistics.median(r["ratio_to_bare"] for r in rounds)
    constant_bare = statistics.median(r["constant_to_bare"] for r in rounds)
    p99 = statistics.median(r["scan"]["p99_ms"] for r in rounds)
    errors = sum(r[k]["error_count"] for r in rounds for k in ("bare", "constant", "scan"))
    before: dict[str, Any] = {}
    if before_tree is not None:
        before = {
            "revision": args.before,
            "median_scan_to_bare": statistics.median(r["before"]["scan_to_bare"] for r in rounds),
            "median_constant_to_bare": statistics.median(
                r["before"]["constant_to_bare"] for r in rounds
            ),
            "median_scan_p99_ms": statistics.median(r["before"]["scan"]["p99_ms"] for r in rounds),
            "errors": sum(
                r["before"][k]["error_count"] for r in rounds for k in ("constant", "scan")
            ),
        }
    cache_total = {
        kind: {k: sum(r["cache"][kind][k] for r in rounds) for k in ("hits", "misses")}
        for kind in KINDS
    }
    verdicts: dict[str, int] = {}
    for r in rounds:
        for verdict, count in r["verdicts"].items():
            verdicts[verdict] = verdicts.get(verdict, 0) + count
    database = "SQLite" if args.sqlite else "PostgreSQL"
    result = {
        "benchmark": f"scan page under load (gunicorn + wrk, {database})",
        "redis": os.environ.get("TRACE_BENCH_REDIS_URL") or None,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "pinning": pinned,
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "database": "a SQLite file" if args.sqlite else "trace_bench_scan_* (created and dropped)",
        "lots": args.lots,
        "packs_per_lot": args.packs,
        "packs": sum(len(lot) for lot in serials),
        "prepare_seconds": round(prepare_seconds, 1),
        "repeat_share_planned": args.repeat_share,
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
        "median_ratio_to_constant": ratio,
        "median_ratio_to_bare": ratio_bare,
        "median_constant_to_bare": constant_bare,
        "median_scan_p99_ms": p99,
        "errors": errors,
        "before": before,
        "cache": cache_total,
        "cache_hit_rate": hit_rates(cache_total),
        "verdicts": verdicts,
        "scan_page_bytes": page_bytes,
        "targets": {
            "ratio": TARGET_RATIO,
            "p99_ms": TARGET_P99_MS,
            "met": ratio_bare >= TARGET_RATIO and p99 < TARGET_P99_MS and errors == 0,
        },
        "rounds": rounds,
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    results = RESULTS.with_name("scan-sqlite.json") if args.sqlite else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.0f}%"

    print(
        f"gunicorn {args.workers} x {args.worker_class} (threads {args.threads}), wrk "
        f"{args.connections} connections x {args.seconds:g} s; pinning: {pinned}; "
        f"{args.lots} lots x {args.packs} packs; {database}, Redis "
        f"{os.environ.get('TRACE_BENCH_REDIS_URL') or 'none'}; {os.cpu_count()} CPUs, load "
        f"{load_before[0]:.1f} before, {result['load_average_after'][0]:.1f} after"
    )
    header = ("round", "load", "bare/s", "const/s", "scan/s", "scan/const", "scan/bare",
              "const/bare", "p99 ms", "old const/bare", "old scan/bare", "old p99",
              "record hit", "page hit", "verdicts")  # fmt: skip
    rows = [header]
    for number, r in enumerate(rounds, start=1):
        mix = ", ".join(f"{k} {v}" for k, v in sorted(r["verdicts"].items()))
        rates = r["cache_hit_rate"]
        old = r["before"]
        rows.append(
            (str(number), f"{r['load_average']:.1f}", f"{r['bare']['rate']:.0f}",
             f"{r['constant']['rate']:.0f}", f"{r['scan']['rate']:.0f}",
             f"{r['ratio_to_constant']:.2f}", f"{r['ratio_to_bare']:.2f}",
             f"{r['constant_to_bare']:.2f}", f"{r['scan']['p99_ms']:.0f}",
             f"{old['constant_to_bare']:.2f}" if old else "-",
             f"{old['scan_to_bare']:.2f}" if old else "-",
             f"{old['scan']['p99_ms']:.0f}" if old else "-",
             pct(rates["record"]), pct(rates["scan-page"]), mix)
        )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    verdict = "met" if result["targets"]["met"] else "NOT met"
    total = sum(verdicts.values()) or 1
    print(
        f"AFTER  (this code), medians of per-round ratios: scan/bare {ratio_bare:.2f} (target >= "
        f"{TARGET_RATIO:.2f}), in-app constant/bare {constant_bare:.2f}, scan/constant "
        f"{ratio:.2f}; scan p99 {p99:.1f} ms (target < {TARGET_P99_MS:g}); errors {errors}: "
        f"targets {verdict}"
    )
    if before:
        print(
            f"BEFORE ({args.before[:10]}), same run: scan/bare "
            f"{before['median_scan_to_bare']:.2f}, "
            f"in-app constant/bare {before['median_constant_to_bare']:.2f}; scan p99 "
            f"{before['median_scan_p99_ms']:.1f} ms; errors {before['errors']}"
        )
    rates = result["cache_hit_rate"]
    print(
        f"cache hit rates over all rounds: record {pct(rates['record'])}, html "
        f"{pct(rates['html'])}, page {pct(rates['scan-page'])}; verdicts "
        + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sorted(verdicts.items()))
        + f"; page {page_bytes} bytes"
    )
    print(f"wrote {results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
