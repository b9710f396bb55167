"""The scale benchmark (`make bench-scale`): the product at ten years' volume against a small
database, measured in the same run on the same machine.

    .venv/bin/python bench/scale_bench.py [--reuse trace_bench_scale_XXXX] [--codes N ...]

The big database is built by bench/scale_data.py (30 million pack codes, 10 million scans over
three years, 1 million hash-chained events by default) into a new `trace_bench_scale_<random>`
database that is KEPT (its name is printed; building takes long) unless --drop; --reuse NAME
measures one an earlier run left (only a trace_bench_scale_ name is accepted). The small database
(`trace_bench_scalesmall_<random>`: migrations and the demo data only) is made for the run and
dropped. On both, the same --lots lots are registered with --packs
fresh codes each, through the real services (bench_scan's prepare, runnable again on a reused
database), and then:

- scans: bench/bench_scan.py's harness (gunicorn sync workers + wrk, 32 connections, fresh packs
  per round) alternating small / big for --rounds rounds; median rate and p99 and their ratios
  (target: big within 1.5x of small);
- label run: a 100,000-code run issued and committed through trace.services.labels on a released
  lot, alternating small / big twice; the ratio of the medians (target: about 1);
- trace: a 10,000-lot downstream subgraph (bench/bench_trace.py's build_graph, 10 codes a lot)
  added to each, trace_downstream timed as bench_trace times it (target < 200 ms);
- pages: the regulator's lot page and lot search, and the public lot page, through the app in
  process (Flask test client, a regulator's API token), median of 7 after a warm-up
  (target < 100 ms).

Writes bench/results/scale.json. The exit status is 0 when the figures were measured, whether or
not the targets were met; 1 when the benchmark could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `trace` is also a standard-library module
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import bench_scan, bench_trace, scale_data  # noqa: E402
from bench.pgdb import BENCH_PREFIX, create_database, drop_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scale.json"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PAGE_RUNS = 7
LOG = Path(tempfile.gettempdir()) / "bench-scale-gunicorn"


def _engine(url: str) -> Any:
    from trace.db import make_engine

    return make_engine(url)


def _admin_and_model(session: Session) -> tuple[Any, Any]:
    from trace.models.batches import Batch, BatchStatus
    from trace.models.users import Role, User

    model = session.scalars(
        select(Batch)
        .where(Batch.latitude.is_not(None), Batch.status == BatchStatus.ACTIVE)
        .order_by(Batch.id)
    ).first()
    admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
    return admin, model


def _released(session: Session, admin: Any, model: Any, quantity: str) -> int:
    """A new walnut lot like `model`, with a passed lab report of a number of its own; its id."""
    from trace.models.inspections import InspectionLimit
    from trace.services.batches import create_batch
    from trace.services.inspections import record_inspection

    limits = session.scalars(
        select(InspectionLimit).where(InspectionLimit.product_category == model.product.category)
    ).all()
    batch = create_batch(
        session, admin, product_id=model.product_id, producer_id=model.producer_id,
        harvested_on=model.harvested_on, quantity=Decimal(quantity), unit="kg",
        township_code=model.township_code, village=model.village, plot=model.plot,
        latitude=model.latitude, longitude=model.longitude, altitude_m=model.altitude_m,
    )  # fmt: skip
    record_inspection(
        session, admin, batch.id, lab="县质检中心（示例）",
        report_no=f"SCALE-{secrets.token_hex(6)}", sampled_on=batch.harvested_on,
        tested_on=batch.harvested_on,
        results=[
            {"item": x.item, "value": x.min_value or Decimal(0), "unit": x.unit} for x in limits
        ],
    )  # fmt: skip
    return int(batch.id)


def released_lot(url: str, quantity: str = "100000") -> int:
    """A new released walnut lot in the database `url` names; its id."""
    engine = _engine(url)
    with Session(engine) as session:
        admin, model = _admin_and_model(session)
        batch_id = _released(session, admin, model, quantity)
        session.commit()
    engine.dispose()
    return batch_id


def prepare(url: str, lots: int, packs: int) -> list[list[str]]:
    """As bench/bench_scan.py's prepare() (migrations, demo data, `lots` released lots of
    `packs` codes each through the real services), but runnable again on a database an earlier
    run prepared (lab report numbers of their own); the serials per lot."""
    from trace.services.labels import issue_label_run, run_serials

    scale_data.migrate_and_demo(url)
    engine = _engine(url)
    serials: list[list[str]] = []
    with Session(engine) as session:
        admin, model = _admin_and_model(session)
        for number in range(lots):
            batch_id = _released(session, admin, model, "3000")
            run = issue_label_run(session, admin, batch_id, packs)
            serials.append(run_serials(session, run.id))
            if number % 100 == 99:
                session.commit()
        session.commit()
    engine.dispose()
    return serials


def label_run_seconds(url: str, batch_id: int, count: int) -> float:
    """Seconds to issue `count` codes for the lot and commit them."""
    from trace.services.labels import issue_label_run

    engine = _engine(url)
    with Session(engine) as session:
        admin, _model = _admin_and_model(session)
        started = time.perf_counter()
        issue_label_run(session, admin, batch_id, count)
        session.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def trace_subgraph(url: str, size: int) -> dict[str, float]:
    """Add a `size`-lot downstream graph; trace_downstream timed (median ms, CPU ms)."""
    from trace.models.users import Role
    from trace.services import trace_query

    engine = _engine(url)
    with Session(engine) as session:
        _admin, model = _admin_and_model(session)
        refs = {"product_id": model.product_id, "producer_id": model.producer_id}
        root = bench_trace.build_graph(session, size, secrets.token_hex(2).upper(), refs)
        bench_trace.reset_sequences(session)
        session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("batches", "lot_links", "lot_operations", "label_runs", "pack_codes"):
            connection.execute(text(f"ANALYZE {table}"))
    actor = bench_trace.BenchActor(id=1, role=Role.REGULATOR)
    with Session(engine) as session:
        wall, cpu, traced = bench_trace.timed(
            session, lambda: trace_query.trace_downstream(session, actor, root)
        )
        assert traced.counts.lots == size, traced.counts
    engine.dispose()
    return {"downstream_ms": round(wall, 1), "downstream_cpu_ms": round(cpu, 1)}


def page_times(url: str, lot_ids: dict[str, int]) -> dict[str, float]:
    """Median ms of the regulator's lot page and search and the public lot page, in process."""
    from trace import create_app
    from trace.models.batches import Batch
    from trace.models.users import Role, User
    from trace.services.users import issue_token
    from trace.web.database import EXTENSION_KEY

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": bench_scan.SECRET, "LOG_REQUESTS": False,
         "RATE_LIMITS_ENABLED": False}
    )  # fmt: skip
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        regulator = session.scalars(select(User).where(User.role == Role.REGULATOR)).first()
        token, _record = issue_token(session, regulator, dt.timedelta(hours=2))
        lots = {name: session.get(Batch, batch_id).lot for name, batch_id in lot_ids.items()}
        session.commit()
        session.close()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    pages: dict[str, str] = {}
    for name, batch_id in lot_ids.items():
        pages[f"regulator_lot_page_{name}"] = f"/regulator/lots/{batch_id}"
        pages[f"public_lot_page_{name}"] = f"/lots/{lots[name]}"
    pages["regulator_search_all"] = "/regulator/lots"
    pages["regulator_search_lot_prefix"] = "/regulator/lots?lot=DY208HT"
    pages["regulator_search_township"] = "/regulator/lots?township_code=532326208"
    pages["regulator_search_producer"] = "/regulator/lots?producer=%E5%90%88%E4%BD%9C%E7%A4%BE"
    times: dict[str, float] = {}
    database = make_url(url).database
    for name, path in pages.items():
        answer = client.get(path, headers=headers)
        if answer.status_code != 200:
            raise SystemExit(f"bench: {path} answered {answer.status_code}")
        runs = []
        cpu_before = time.process_time() * 1000 + _server_cpu_ms(database)
        for _ in range(PAGE_RUNS):
            started = time.perf_counter()
            client.get(path, headers=headers)
            runs.append((time.perf_counter() - started) * 1000)
        cpu = time.process_time() * 1000 + _server_cpu_ms(database) - cpu_before
        times[name] = round(statistics.median(runs), 1)
        # CPU of the app and its database backends per request: it barely moves when other
        # work shares the machine, wall time does.
        times[f"{name}_cpu"] = round(cpu / PAGE_RUNS, 1)
    app.extensions["trace.engine"].dispose()
    return times


def _server_cpu_ms(database: str | None) -> float:
    """CPU time used so far by the local PostgreSQL backends connected to `database`."""
    engine = _engine(DEFAULT_URL)
    with engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}
        ).scalars()
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    engine.dispose()
    return total


def biggest_generated_lot(url: str) -> int:
    """A generated lot with its share of codes, scans and events (the most scanned one)."""
    engine = _engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT batch_id FROM label_runs WHERE batch_id IN (SELECT id FROM batches "
                "WHERE event_count > 5 ORDER BY id DESC LIMIT 2000) GROUP BY batch_id "
                "ORDER BY sum(count) DESC LIMIT 1"
            )
        ).scalar()
    engine.dispose()
    if found is None:
        raise SystemExit("bench: the big database has no generated lot")
    return int(found)


def scans(
    urls: dict[str, str], serials: dict[str, list[list[str]]], args: argparse.Namespace
) -> dict[str, Any]:
    """bench_scan's harness, alternating the databases round by round."""
    wrk_path = shutil.which("wrk")
    if wrk_path is None:
        raise SystemExit("bench: wrk is not installed (apt-get install wrk)")
    server_prefix, wrk_prefix, pinned = bench_scan.pinning()
    wrk = [*wrk_prefix, wrk_path]
    gunicorn = SimpleNamespace(workers=args.workers, worker_class="sync", threads=1)
    processes = []
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        bases, luas = {}, {}
        try:
            for name, url in urls.items():
                stats = work / f"stats-{name}"
                stats.mkdir()
                port = bench_scan.free_port()
                processes.append(
                    bench_scan.start_gunicorn(
                        "scan_wsgi", url, port, gunicorn, Path(f"{LOG}-{name}.log"),  # type: ignore[arg-type]
                        server_prefix, stats,
                    )
                )  # fmt: skip
                bases[name] = f"http://127.0.0.1:{port}"
                sequences = bench_scan.plan(serials[name], args.rounds + 1, args.repeat_share)
                luas[name] = [
                    bench_scan.lua_script(work, f"{name}{n}", s) for n, s in enumerate(sequences)
                ]
            for name in urls:  # warm-up (every worker's imports and caches), on packs of its own
                bench_scan.run_wrk(
                    wrk, bases[name], luas[name][0], args.warmup, args.connections, 1
                )
            for number in range(args.rounds):
                result = {}
                for name in urls:
                    result[name] = bench_scan.run_wrk(
                        wrk, bases[name], luas[name][number + 1], args.seconds,
                        args.connections, 1,
                    )  # fmt: skip
                small_rate, small_p99 = result["small"]["rate"], result["small"]["p99_ms"]
                result["rate_ratio"] = result["big"]["rate"] / small_rate if small_rate else None
                result["p99_ratio"] = result["big"]["p99_ms"] / small_p99 if small_p99 else None
                result["load_average"] = os.getloadavg()[0]
                rounds.append(result)
                print(
                    f"  round {number + 1}: small {result['small']['rate']:.0f}/s p99 "
                    f"{result['small']['p99_ms']:.1f} ms, big {result['big']['rate']:.0f}/s p99 "
                    f"{result['big']['p99_ms']:.1f} ms",
                    flush=True,
                )
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    return {
        "pinning": pinned,
        "rounds": rounds,
        "small_rate": statistics.median(r["small"]["rate"] for r in rounds),
        "big_rate": statistics.median(r["big"]["rate"] for r in rounds),
        "small_p99_ms": statistics.median(r["small"]["p99_ms"] for r in rounds),
        "big_p99_ms": statistics.median(r["big"]["p99_ms"] for r in rounds),
        "rate_ratio_big_to_small": _median(r["rate_ratio"] for r in rounds),
        "p99_ratio_big_to_small": _median(r["p99_ratio"] for r in rounds),
        "errors": sum(r[n]["error_count"] for r in rounds for n in ("small", "big")),
    }


class _PagesOnly(Exception):
    """--only pages: skip to the page timings."""


def _median(values: Any) -> float | None:
    measured = [v for v in values if v is not None]
    return statistics.median(measured) if measured else None


def timed_step(name: str, call: Callable[[], Any]) -> Any:
    print(f"== {name}", flush=True)
    started = time.perf_counter()
    result = call()
    print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TRACE_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", metavar="NAME", help="a trace_bench_scale_* database to reuse")
    parser.add_argument("--drop", action="store_true", help="drop the big database afterwards")
    parser.add_argument("--codes", type=int, default=30_000_000)
    parser.add_argument("--scans", type=int, default=10_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--lots", type=int, default=400, help="lots registered for the scans")
    parser.add_argument("--packs", type=int, default=24, help="codes per lot for the scans")
    parser.add_argument("--repeat-share", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--label-count", type=int, default=100_000)
    parser.add_argument("--trace-size", type=int, default=10_000)
    parser.add_argument(
        "--only", choices=["all", "pages"], default="all", help="pages: only the page timings"
    )
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        print("bench: TRACE_BENCH_DATABASE_URL must be a PostgreSQL URL", file=sys.stderr)
        return 1

    load_before = list(os.getloadavg())
    result: dict[str, Any] = {"benchmark": "scale: ten years' volume against a small database"}
    if args.reuse:
        if not args.reuse.startswith(f"{BENCH_PREFIX}scale_"):
            print(f"bench: --reuse takes a {BENCH_PREFIX}scale_* database", file=sys.stderr)
            return 1
        big = make_url(args.url).set(database=args.reuse).render_as_string(hide_password=False)
        result["build"] = {"reused": args.reuse}
    else:
        big, figures = timed_step(
            f"building {args.codes:,} codes, {args.scans:,} scans, {args.events:,} events",
            lambda: scale_data.build(args.url, args.codes, args.scans, args.events),
        )
        result["build"] = figures
        print(json.dumps(figures, ensure_ascii=False), flush=True)
        print(f"   big database: {make_url(big).database}", flush=True)
    small = create_database(args.url, "scalesmall")
    urls = {"small": small, "big": big}
    try:
        try:
            with _engine(big).connect() as connection:
                result["big_rows"] = {
                    table: int(
                        connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    )
                    for table in ("batches", "label_runs", "pack_codes", "scans", "trace_events")
                }
            if args.only == "pages":
                for url in urls.values():
                    scale_data.migrate_and_demo(url)
                raise _PagesOnly
            serials = {
                name: timed_step(
                    f"prepare {name}: {args.lots} lots x {args.packs} codes",
                    lambda u=url: prepare(u, args.lots, args.packs),
                )
                for name, url in urls.items()
            }
            result["scans"] = timed_step(
                "scans (gunicorn + wrk)", lambda: scans(urls, serials, args)
            )

            lots = {name: released_lot(url) for name, url in urls.items()}
            label: dict[str, list[float]] = {"small": [], "big": []}
            for _ in range(2):
                for name, url in urls.items():
                    label[name].append(
                        timed_step(
                            f"label run {args.label_count:,} on {name}",
                            lambda u=url, n=name: label_run_seconds(u, lots[n], args.label_count),
                        )
                    )
                    lots[name] = released_lot(url)  # the next run on a lot of its own
            result["label_run"] = {
                "count": args.label_count,
                "small_seconds": [round(x, 2) for x in label["small"]],
                "big_seconds": [round(x, 2) for x in label["big"]],
                "ratio_big_to_small": round(
                    statistics.median(label["big"]) / statistics.median(label["small"]), 2
                ),
            }
            result["trace"] = {
                name: timed_step(
                    f"trace {args.trace_size:,}-lot subgraph on {name}",
                    lambda u=url: trace_subgraph(u, args.trace_size),
                )
                for name, url in urls.items()
            }
        except _PagesOnly:
            pass
        page_lots = {name: {"bench_lot": released_lot(url, "3000")} for name, url in urls.items()}
        page_lots["big"]["generated_lot"] = biggest_generated_lot(big)
        result["pages_ms"] = {
            name: timed_step(f"pages on {name}", lambda u=url, n=name: page_times(u, page_lots[n]))
            for name, url in urls.items()
        }
    finally:
        drop_database(small)
        if args.drop and not args.reuse:
            drop_database(big)
        else:
            print(f"kept database {make_url(big).database} (--reuse it next time)")
    result["load_average_before"] = load_before
    result["load_average_after"] = list(os.getloadavg())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    report(result)
    return 0


def report(result: dict[str, Any]) -> None:
    print()
    print(f"rows in the big database: {result['big_rows']}")
    if "scans" not in result:
        for name, pages in result["pages_ms"].items():
            print(f"pages on {name} (ms, target < 100): {pages}")
        return
    s = result["scans"]
    if "seconds" in result["build"]:
        b = result["build"]
        print(
            f"build: {b['seconds']} s of generation ({b['seconds_with_migrations']} s with "
            f"migrations and demo); {b['mib_per_million_codes']} MiB per million codes, "
            f"{b['mib_per_million_scans']} MiB per million scans "
            f"({b['mib_per_million_scans_log_only']} MiB of it the scan log)"
        )
    print(
        f"scans: small {s['small_rate']:.0f}/s p99 {s['small_p99_ms']:.1f} ms; big "
        f"{s['big_rate']:.0f}/s p99 {s['big_p99_ms']:.1f} ms; rate ratio big/small "
        f"{s['rate_ratio_big_to_small']}, p99 ratio {s['p99_ratio_big_to_small']} "
        f"(target p99 <= 1.5x, rate >= 1/1.5); errors {s['errors']}"
    )
    lr = result["label_run"]
    print(
        f"label run of {lr['count']:,}: small {lr['small_seconds']} s, big {lr['big_seconds']} s,"
        f" ratio {lr['ratio_big_to_small']}"
    )
    for name, figures in result["trace"].items():
        print(f"trace subgraph on {name}: {figures} (target < 200 ms)")
    for name, pages in result["pages_ms"].items():
        print(f"pages on {name} (ms, target < 100): {pages}")


if __name__ == "__main__":
    raise SystemExit(main())
