"""Export memory: the peak resident memory added while streaming N trace events as CSV or XLSX.

Each measurement runs in a fresh process (peak RSS is a per-process high-water mark), against
events the database generates itself. `make bench` runs it on PostgreSQL for 100,000 and
1,000,000 rows, in a database of its own (`trace_bench_export_<random>`, created on the server
TRACE_BENCH_DATABASE_URL names and dropped afterwards); the test suite runs it with --url and
small sizes (tests/genealogy/test_exports.py): then it works in a new schema
`trace_bench_export_<random>` of that database and drops only that (bench/pgdb.py).

    .venv/bin/python bench/bench_export.py [--url URL] [--rows 100000 --rows 1000000]
        [--format csv --format xlsx] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `trace` is also a stdlib module: the project's must win

from sqlalchemy import Engine, Integer, String, insert, literal, literal_column, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # the server only
RESULTS = ROOT / "bench" / "results" / "export.json"


def _engine(url: str) -> Engine:
    from trace.db import make_engine

    return make_engine(url)


def prepare(url: str, sizes: list[int]) -> dict[int, int]:
    """A fresh schema with one lot per size holding that many events; {size: batch_id}."""
    import trace.models  # noqa: F401  (every table on the metadata)
    from trace.db import Base, UTCDateTime
    from trace.models.batches import Batch, Unit
    from trace.models.events import EventType, JSONType, TraceEvent
    from trace.models.producers import Producer, ProducerKind
    from trace.models.products import Product, ProductCategory
    from trace.models.regions import Township

    engine = _engine(url)
    Base.metadata.create_all(engine)
    lots: dict[int, int] = {}
    start = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
    details = {
        "quantity": "12.5",
        "unit": "kg",
        "from": "县公共仓储中心",
        "to": "昆明示例商贸（示例）",
        "shipment": "YS251001-001",
    }
    with Session(engine) as session:
        session.add(Township(code="532326208", name_zh="三台乡", name_pinyin="Santai", kind="x"))
        session.flush()
        product = Product(
            name="核桃（示例）", gtin="06901234567892", category=ProductCategory.WALNUT_IN_SHELL
        )
        producer = Producer(
            name="合作社（示例）", kind=ProducerKind.COOPERATIVE, township_code="532326208"
        )
        session.add_all([product, producer])
        session.flush()
        for number, size in enumerate(sizes, start=1):
            batch = Batch(
                lot=f"DY208HT250915-{number:03d}",
                product_id=product.id,
                producer_id=producer.id,
                harvested_on=dt.date(2025, 9, 15),
                quantity=1000,
                unit=Unit.KG,
                township_code="532326208",
            )
            session.add(batch)
            session.flush()
            series = select(literal_column("1", Integer).label("n")).cte("series", recursive=True)
            series = series.union_all(select((series.c.n + 1).label("n")).where(series.c.n < size))
            rows = select(
                literal(batch.id, Integer),
                series.c.n,
                literal(EventType.SHIPPING.value, String),
                literal(start, UTCDateTime()),
                literal(start, UTCDateTime()),
                literal("县公共仓储中心", String),
                literal(details, JSONType),
                literal("0" * 64, String),
                literal("1" * 64, String),
            )
            columns = [
                "batch_id", "sequence", "event_type", "occurred_at", "recorded_at", "location",
                "details", "prev_hash", "hash",
            ]  # fmt: skip
            session.execute(insert(TraceEvent).from_select(columns, rows))
            lots[size] = batch.id
        session.commit()
    engine.dispose()
    return lots


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def measure(url: str, batch_id: int, fmt: str) -> dict[str, float]:
    """In this process: export the lot, return rows, bytes, seconds and the peak RSS added."""
    from trace.services import exports

    engine = _engine(url)
    with Session(engine) as session:
        session.execute(select(1))  # connect first: the connection's memory is not the export's
        baseline = _peak_kb()
        started = time.perf_counter()
        render = exports.csv_chunks if fmt == "csv" else exports.xlsx_chunks
        produced = 0
        for chunk in render(exports.event_rows(session, exports.ExportScope(batch_id))):
            produced += len(chunk)
        seconds = time.perf_counter() - started
        added = _peak_kb() - baseline
    engine.dispose()
    return {"bytes": produced, "seconds": round(seconds, 2), "peak_added_kb": added}


def run(
    url: str, sizes: list[int], formats: list[str], own_database: bool
) -> list[dict[str, object]]:
    with ExitStack() as scratch:
        if url.startswith("postgresql"):
            from bench.pgdb import BENCH_PREFIX, scratch_database, scratch_schema

            if own_database:
                url = scratch.enter_context(scratch_database(url, "export"))
            url = scratch.enter_context(scratch_schema(url, "export", prefix=BENCH_PREFIX))
        lots = prepare(url, sizes)
        results: list[dict[str, object]] = []
        for fmt in formats:
            for size in sizes:
                child = subprocess.run(
                    [sys.executable, __file__, "--child", "--url", url, "--batch", str(lots[size]),
                     "--format", fmt],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                )  # fmt: skip
                figures = json.loads(child.stdout.strip().splitlines()[-1])
                results.append({"format": fmt, "rows": size, **figures})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        help="work in a new schema of this database (default: a new database on the "
        "server of TRACE_BENCH_DATABASE_URL, or of " + DEFAULT_URL + ")",
    )
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--format", action="append", choices=["csv", "xlsx"])
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.url, args.batch, args.format[0])))
        return
    sizes = args.rows or [100_000, 1_000_000]
    formats = args.format or ["csv", "xlsx"]
    own_database = args.url is None
    url = args.url or os.environ.get("TRACE_BENCH_DATABASE_URL", DEFAULT_URL)
    results = run(url, sizes, formats, own_database)
    if args.json:
        print(json.dumps(results))
        return
    print(f"{'format':<7}{'rows':>10}{'MB out':>10}{'seconds':>10}{'peak RSS added':>18}")
    for r in results:
        print(
            f"{r['format']:<7}{r['rows']:>10,}{r['bytes'] / 1e6:>10.1f}{r['seconds']:>10.1f}"
            f"{r['peak_added_kb'] / 1024:>15.1f} MB"
        )
    if not url.startswith("sqlite"):
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
