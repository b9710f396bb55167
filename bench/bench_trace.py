"""Trace benchmark: downstream trace of a lot with 1k, 10k and 100k descendant lots (10 pack codes
each) on PostgreSQL, with the growth ratios; the goal is 10k lots / 100k codes under 200 ms.

All three graphs live in the same tables at once (about 111,000 lots, 1.1 million pack codes,
111,000 label runs, 11,000 shipments), built with bulk Core inserts through the real migrations,
so the small trace is measured beside the large data. The database (`trace_bench_trace_<random>`,
on the server of --url or TRACE_BENCH_DATABASE_URL) is created for the run and dropped afterwards
unless --keep; --reuse NAME measures the graphs a --keep run left in database NAME (only a
`trace_bench_` name is accepted; it is kept). See bench/pgdb.py: nothing else is ever dropped.

    .venv/bin/python bench/bench_trace.py [--url URL] [--sizes 1000 10000 100000] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `trace` is also a stdlib module: the project's must win

from alembic import command  # noqa: E402
from sqlalchemy import Engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.pgdb import BENCH_PREFIX, create_database, drop_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # the server only
RESULTS = ROOT / "bench" / "results" / "trace.json"
FANOUT = 10  # each lot split into ten
CODES_PER_LOT = 10
GOAL_MS = 200.0
GOAL_SIZE = 10_000
RUNS = 7
CHUNK = 20_000


@dataclass(frozen=True)
class BenchActor:
    """A regulator for the services' authorize() calls (reads only)."""

    id: int
    role: Any
    township_code: str | None = None
    is_active: bool = True


def chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def next_id(session: Session, table: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def build_graph(session: Session, size: int, tag: str, refs: dict[str, Any]) -> int:
    """A root lot and `size` descendants, each lot split into FANOUT; returns the root's id."""
    from trace.models.batches import Batch
    from trace.models.genealogy import LotLink, LotOperation
    from trace.models.labels import LabelRun, PackCode
    from trace.models.logistics import Shipment, ShipmentLine

    batches, operations = Batch.__table__, LotOperation.__table__
    now = dt.datetime.now(dt.UTC)
    first_batch = next_id(session, batches)
    first_operation = next_id(session, operations)
    first_run = next_id(session, LabelRun.__table__)
    first_shipment = next_id(session, Shipment.__table__)

    def lot_rows() -> Iterator[dict[str, Any]]:
        for k in range(size + 1):  # k = 0 is the root
            yield {
                "id": first_batch + k,
                "lot": f"BT{tag}-{k:07d}",
                "product_id": refs["product_id"],
                "producer_id": refs["producer_id"],
                "harvested_on": dt.date(2025, 9, 15),
                "quantity": 1000,
                "unit": "kg",
                "township_code": "532326208",
                "village": "",
                "plot": "",
                "grade": "",
                "status": "active",
                "created_at": now,
            }

    for part in chunks(lot_rows()):
        session.execute(insert(batches), part)
    parents = range((size - 1) // FANOUT + 1)  # node k's parent is (k - 1) // FANOUT
    for part in chunks(
        {"id": first_operation + p, "kind": "split", "occurred_at": now, "location": "",
         "reference": "", "note": "", "created_at": now}
        for p in parents
    ):  # fmt: skip
        session.execute(insert(operations), part)
    for part in chunks(
        {"parent_batch_id": first_batch + (k - 1) // FANOUT, "child_batch_id": first_batch + k,
         "operation_id": first_operation + (k - 1) // FANOUT}
        for k in range(1, size + 1)
    ):  # fmt: skip
        session.execute(insert(LotLink.__table__), part)
    for part in chunks(
        {"id": first_run + k - 1, "batch_id": first_batch + k, "count": CODES_PER_LOT,
         "template": "a4-3x8", "first_sequence": 1, "pack_date": dt.date(2025, 10, 1),
         "status": "active", "void_reason": "", "reprint_count": 0, "created_at": now}
        for k in range(1, size + 1)
    ):  # fmt: skip
        session.execute(insert(LabelRun.__table__), part)
    for part in chunks(
        {"serial": f"{tag}{k:07d}{n}", "label_run_id": first_run + k - 1,
         "batch_id": first_batch + k, "sequence": n + 1, "status": "active", "void_reason": "",
         "public_scan_count": 0}
        for k in range(1, size + 1)
        for n in range(CODES_PER_LOT)
    ):  # fmt: skip
        session.execute(insert(PackCode.__table__), part)
    shipped = range(FANOUT, size + 1, FANOUT)
    for part in chunks(
        {"id": first_shipment + i, "reference": f"S{tag}{i:07d}", "origin_name": "县质检中心",
         "destination_name": "昆明示例（示例）", "carrier": "", "vehicle": "",
         "status": "delivered", "created_at": now}
        for i, _k in enumerate(shipped)
    ):  # fmt: skip
        session.execute(insert(Shipment.__table__), part)
    for part in chunks(
        {"shipment_id": first_shipment + i, "batch_id": first_batch + k, "quantity": 10}
        for i, k in enumerate(shipped)
    ):  # fmt: skip
        session.execute(insert(ShipmentLine.__table__), part)
    return first_batch


def reset_sequences(session: Session) -> None:
    for table in ("batches", "lot_operations", "label_runs", "shipments"):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )


def backend_cpu_ms(session: Session) -> float:
    """CPU time the session's PostgreSQL backend has used so far (a local server only)."""
    pid = session.scalar(text("SELECT pg_backend_pid()"))
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def timed(session: Session, call: Callable[[], Any], runs: int = RUNS) -> tuple[float, float, Any]:
    """(median wall ms, mean CPU ms of client and database server together, last result) of
    `runs` calls after one warm-up. CPU time barely moves when other work shares the machine;
    wall time does, so both are reported."""
    result = call()
    times = []
    cpu_before = time.process_time() * 1000 + backend_cpu_ms(session)
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    cpu = time.process_time() * 1000 + backend_cpu_ms(session) - cpu_before
    return statistics.median(times), cpu / runs, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TRACE_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", metavar="NAME", help="measure graphs an earlier --keep run left in NAME"
    )
    args = parser.parse_args()

    from trace.cli import alembic_config
    from trace.db import make_engine
    from trace.models.users import Role
    from trace.services import trace_query

    if args.reuse:
        if not args.reuse.startswith(BENCH_PREFIX):
            raise SystemExit(f"bench: --reuse takes a {BENCH_PREFIX}* database a --keep run left")
        url = make_url(args.url).set(database=args.reuse).render_as_string(hide_password=False)
    else:
        url = create_database(args.url, "trace")
    engine: Engine = make_engine(url)
    try:
        roots = existing_roots(engine, args.sizes) if args.reuse else None
        if roots is None:
            config = alembic_config(url)
            config.attributes["configure_logger"] = False
            command.upgrade(config, "heads")
            roots = load(engine, args.sizes)
        reference_ms = reference_query_ms(engine)
        actor = BenchActor(id=1, role=Role.REGULATOR)
        rows = []
        for size in args.sizes:
            root = roots[size]
            with Session(engine) as session:
                downstream_ms, downstream_cpu, traced = timed(
                    session, lambda s=session, r=root: trace_query.trace_downstream(s, actor, r)
                )
                counts_ms, _cpu, _ = timed(
                    session, lambda s=session, r=root: trace_query.downstream_counts(s, r)
                )
                codes_ms, _cpu, codes = timed(
                    session,
                    lambda s=session, r=root: trace_query.downstream_pack_codes(
                        s, actor, r, page=3, per_page=100
                    ),
                )
                ships_ms, _cpu, ships = timed(
                    session, lambda s=session, r=root: trace_query.downstream_shipments(s, actor, r)
                )
                leaf = root + size
                upstream_ms, _cpu, up = timed(
                    session, lambda s=session, r=leaf: trace_query.trace_upstream(s, actor, r)
                )
                load_average = os.getloadavg()[0]
            counts = traced.counts
            assert counts.lots == size and counts.pack_codes == size * CODES_PER_LOT, counts
            assert codes.total == size * CODES_PER_LOT and len(codes.items) == 100
            assert up.sources and up.sources[0].id == root
            assert ships.total == size // FANOUT
            rows.append(
                {
                    "descendant_lots": size,
                    "pack_codes": counts.pack_codes,
                    "label_runs": counts.label_runs,
                    "shipments": counts.shipments,
                    "depth": counts.depth,
                    "downstream_ms": round(downstream_ms, 1),
                    "downstream_cpu_ms": round(downstream_cpu, 1),
                    "load_average": round(load_average, 1),
                    "counts_ms": round(counts_ms, 1),
                    "pack_code_page_ms": round(codes_ms, 1),
                    "shipment_page_ms": round(ships_ms, 1),
                    "upstream_from_leaf_ms": round(upstream_ms, 1),
                }
            )
        report(rows, engine, reference_ms)
    finally:
        engine.dispose()
        if args.reuse or args.keep:
            print(f"kept database {make_url(url).database}")
        else:
            drop_database(url)


def existing_roots(engine: Engine, sizes: list[int]) -> dict[int, int] | None:
    """The roots of graphs of these sizes left by an earlier run, if all are there."""
    with engine.connect() as connection:
        roots = {
            size: connection.scalar(
                text("SELECT id FROM batches WHERE lot = :lot"), {"lot": f"BT{n}-0000000"}
            )
            for n, size in enumerate(sizes, start=1)
        }
    return roots if all(roots.values()) else None  # type: ignore[return-value]


def reference_query_ms(engine: Engine) -> float:
    """How fast this machine is right now: a fixed query (about 60-100 ms on an idle server)."""
    with engine.connect() as connection:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            connection.execute(text("SELECT count(*) FROM generate_series(1, 1000000)"))
            runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def load(engine: Engine, sizes: list[int]) -> dict[int, int]:
    from trace.models.producers import Producer
    from trace.models.products import Product

    started = time.perf_counter()
    with Session(engine) as session:
        product = session.execute(
            insert(Product.__table__).returning(Product.__table__.c.id),
            {"name": "核桃（示例）", "gtin": "06901234567892", "category": "walnut_in_shell",
             "variety": "", "brand": "", "created_at": dt.datetime.now(dt.UTC),
             "updated_at": dt.datetime.now(dt.UTC)},
        ).scalar_one()  # fmt: skip
        producer = session.execute(
            insert(Producer.__table__).returning(Producer.__table__.c.id),
            {"name": "合作社（示例）", "kind": "cooperative", "township_code": "532326208",
             "village": "", "phone": "", "is_poverty_registered": False, "is_gi_authorised": False,
             "created_at": dt.datetime.now(dt.UTC), "updated_at": dt.datetime.now(dt.UTC)},
        ).scalar_one()  # fmt: skip
        refs = {"product_id": product, "producer_id": producer}
        roots = {
            size: build_graph(session, size, f"{number}", refs)
            for number, size in enumerate(sizes, start=1)
        }
        reset_sequences(session)
        session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # As autovacuum would: statistics, and a visibility map for index-only scans.
        connection.execute(text("VACUUM ANALYZE"))
    print(f"loaded {sum(sizes):,} lots in {time.perf_counter() - started:.0f} s")
    return roots


def report(rows: list[dict[str, Any]], engine: Engine, reference_ms: float) -> None:
    print()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; reference query "
        f"(count of generate_series(1, 1000000)) {reference_ms:.0f} ms"
    )
    print(f"{'descendant lots':>16}{'pack codes':>12}{'downstream':>13}{'(CPU)':>11}"
          f"{'counts':>10}{'codes p.3':>11}{'shipments':>11}{'upstream':>10}"
          f"{'load':>6}")  # fmt: skip
    for row in rows:
        print(
            f"{row['descendant_lots']:>16,}{row['pack_codes']:>12,}"
            f"{row['downstream_ms']:>10.1f} ms{row['downstream_cpu_ms']:>8.1f} ms"
            f"{row['counts_ms']:>7.1f} ms"
            f"{row['pack_code_page_ms']:>8.1f} ms{row['shipment_page_ms']:>8.1f} ms"
            f"{row['upstream_from_leaf_ms']:>7.1f} ms{row['load_average']:>6.1f}"
        )
    ratios = []
    for smaller, larger in itertools.pairwise(rows):
        growth = larger["descendant_lots"] / smaller["descendant_lots"]
        ratio = larger["downstream_ms"] / smaller["downstream_ms"]
        cpu_ratio = larger["downstream_cpu_ms"] / smaller["downstream_cpu_ms"]
        exponent = math.log(ratio) / math.log(growth)
        ratios.append(
            {
                "from": smaller["descendant_lots"],
                "to": larger["descendant_lots"],
                "graph_growth": growth,
                "time_ratio": round(ratio, 2),
                "exponent": round(exponent, 2),
                "cpu_ratio": round(cpu_ratio, 2),
                "is_at_most_linear": ratio <= growth * 1.1,
            }
        )
        print(
            f"{smaller['descendant_lots']:>7,} -> {larger['descendant_lots']:<7,} "
            f"graph x{growth:g}, time x{ratio:.2f} (exponent {exponent:.2f}: "
            f"{'at most linear' if ratio <= growth * 1.1 else 'FASTER THAN LINEAR'}), "
            f"CPU x{cpu_ratio:.2f}"
        )
    goal = next((r for r in rows if r["descendant_lots"] == GOAL_SIZE), None)
    verdict = None
    if goal is not None:
        verdict = goal["downstream_ms"] < GOAL_MS
        print(
            f"goal: {GOAL_SIZE:,} lots / {goal['pack_codes']:,} codes in "
            f"{goal['downstream_ms']:.1f} ms (< {GOAL_MS:.0f} ms): {'met' if verdict else 'MISSED'}"
            f"; CPU {goal['downstream_cpu_ms']:.1f} ms, load average {goal['load_average']}"
        )
    with engine.connect() as connection:
        server = connection.scalar(text("SHOW server_version"))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "database": f"PostgreSQL {server}",
                "runs": f"wall: median of {RUNS} after a warm-up; CPU: their mean, client "
                "process plus PostgreSQL backend (/proc), which other load barely moves",
                "cpus": os.cpu_count(),
                "reference_query_ms": round(reference_ms, 1),
                "reference_query": "SELECT count(*) FROM generate_series(1, 1000000): "
                "about 60-100 ms on an idle server; it shows how loaded the machine was",
                "what": "downstream = trace_query.trace_downstream: counts of derived lots, pack "
                "codes, label runs and shipments and the first page (50) of lots; codes p.3 = a "
                "page of 100 pack codes; shipments = first page of shipments; upstream = from the "
                "deepest lot back to the source lot",
                "results": rows,
                "ratios": ratios,
                "goal_met": verdict,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
