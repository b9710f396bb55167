"""Verify speed: checking one million trace events' hash chains (and the lots' counters), against
a plain SELECT of the same rows measured in the same run; also signing a checkpoint and checking
the database against it.

The events are real links (each hash recomputed from its content and predecessor), loaded with
COPY into a database this script creates under a unique name and drops afterwards; it never
drops a database it did not create.

    .venv/bin/python bench/bench_verify.py [--url POSTGRES_URL] [--events 1000000]
        [--per-lot 10] [--limit-seconds 60] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `trace` is also a stdlib module: the project's must win

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.pgdb import scratch_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = ROOT / "bench" / "results" / "verify.json"
STEPS = ("commissioning", "hulling", "drying", "grading", "inspecting", "packing", "storing")


def fill(url: str, events: int, per_lot: int) -> float:
    """Migrate, then COPY lots and their chained events in; returns the seconds it took."""
    import psycopg
    from alembic import command

    from trace.cli import alembic_config
    from trace.db import make_engine
    from trace.models.producers import Producer, ProducerKind
    from trace.models.products import Product, ProductCategory
    from trace.services.events import GENESIS_HASH, digest_of

    started = time.perf_counter()
    config = alembic_config(url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "heads")
    engine = make_engine(url)
    with Session(engine) as session:
        product = Product(
            name="核桃（示例）", gtin="06901234567892", category=ProductCategory.WALNUT_IN_SHELL
        )
        producer = Producer(
            name="合作社（示例）", kind=ProducerKind.COOPERATIVE, township_code="532326208"
        )
        session.add_all([product, producer])
        session.commit()
        ids = (product.id, producer.id)
    engine.dispose()
    lots = (events + per_lot - 1) // per_lot
    base = dt.datetime(2025, 9, 15, 4, tzinfo=dt.UTC)
    raw = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(raw) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY batches (id, lot, product_id, producer_id, harvested_on, quantity, unit, "
            "township_code, village, plot, grade, status, created_at, event_count) FROM STDIN"
        ) as copy:
            for number in range(1, lots + 1):
                count = min(per_lot, events - (number - 1) * per_lot)
                copy.write_row(
                    (
                        number, f"DY208HT25{number:08d}", *ids, dt.date(2025, 9, 15), 100,
                        "kg", "532326208", "三台村", "", "", "active", base, count,
                    )
                )  # fmt: skip
        with cursor.copy(
            "COPY trace_events (id, batch_id, sequence, event_type, occurred_at, recorded_at, "
            "location, details, prev_hash, hash) FROM STDIN"
        ) as copy:
            event_id = 0
            for number in range(1, lots + 1):
                lot = f"DY208HT25{number:08d}"
                previous = GENESIS_HASH
                for sequence in range(1, min(per_lot, events - event_id) + 1):
                    event_id += 1
                    when = base + dt.timedelta(hours=sequence)
                    details = {"quantity": str(100 + sequence), "unit": "kg"}
                    step = STEPS[(sequence - 1) % len(STEPS)]
                    digest = digest_of(
                        lot, sequence, step, when, when, "三台乡 三台村", None, details, None,
                        previous,
                    )  # fmt: skip
                    copy.write_row(
                        (
                            event_id, number, sequence, step, when, when, "三台乡 三台村",
                            json.dumps(details, ensure_ascii=False), previous, digest,
                        )
                    )  # fmt: skip
                    previous = digest
        # Each lot's newest hash, as append_event would have kept it.
        cursor.execute(
            "UPDATE batches b SET last_event_hash = e.hash FROM trace_events e "
            "WHERE e.batch_id = b.id AND e.sequence = b.event_count"
        )
        cursor.execute("SELECT setval('batches_id_seq', %s)", (lots,))
        cursor.execute("SELECT setval('trace_events_id_seq', %s)", (events,))
        connection.commit()
    return time.perf_counter() - started


CPU: dict[str, float] = {}


def timed(work, name: str = ""):  # type: ignore[no-untyped-def]
    """Wall seconds (the figure asked for), and this process's CPU seconds kept in CPU: on a
    shared, loaded machine the wall clock also counts other people's work."""
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    if name:
        CPU[name] = time.process_time() - cpu
    return result, time.perf_counter() - started


def measure(url: str, events: int) -> dict[str, float]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from trace.db import make_engine
    from trace.models.events import TraceEvent
    from trace.services import checkpoints
    from trace.services.verify import _COLUMNS, verify_chains

    engine = make_engine(url)
    figures: dict[str, float] = {}
    with Session(engine) as session:
        # Warm the cache once so neither side pays for reading the table from disk first.
        session.execute(text("SELECT count(*) FROM trace_events")).scalar_one()
        baseline_query = (
            select(*_COLUMNS)
            .order_by(TraceEvent.batch_id, TraceEvent.sequence)
            .execution_options(yield_per=5000)
        )
        rows, select_s = timed(
            lambda: sum(1 for _ in session.connection().execute(baseline_query)), "select"
        )
        assert rows == events, rows
        report, verify_s = timed(lambda: verify_chains(session), "verify")
        assert report.events == events and report.is_intact, report.broken[:3]
        key = Ed25519PrivateKey.generate()
        cp, checkpoint_s = timed(lambda: checkpoints.create_checkpoint(session, key))
        document = checkpoints.checkpoint_document(cp)
        against, against_s = timed(
            lambda: checkpoints.check_against(session, document["checkpoint"], document["leaves"])
        )
        assert against.is_consistent
        session.rollback()
    engine.dispose()
    figures.update(
        events=events,
        lots=report.lots,
        select_seconds=round(select_s, 2),
        verify_seconds=round(verify_s, 2),
        verify_to_select=round(verify_s / select_s, 2),
        events_per_second=round(events / verify_s),
        checkpoint_seconds=round(checkpoint_s, 2),
        verify_against_seconds=round(against_s, 2),
        select_cpu_seconds=round(CPU["select"], 2),
        verify_cpu_seconds=round(CPU["verify"], 2),
        verify_to_select_cpu=round(CPU["verify"] / CPU["select"], 2),
        load_average=round(os.getloadavg()[0], 1),
        cores=os.cpu_count() or 0,
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("TRACE_BENCH_SERVER_URL", DEFAULT_URL),
        help="a PostgreSQL URL naming the server (its database is not touched)",
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-lot", type=int, default=10)
    parser.add_argument("--limit-seconds", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # A new trace_bench_verify_<random> database, dropped afterwards (bench/pgdb.py).
    with scratch_database(args.url, "verify") as url:
        fill_s = fill(url, args.events, args.per_lot)
        figures = measure(url, args.events)
        figures["fill_seconds"] = round(fill_s, 1)
    figures["limit_seconds"] = args.limit_seconds
    figures["within_limit"] = figures["verify_seconds"] < args.limit_seconds
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"verify: {figures['events']:,} events in {figures['lots']:,} lots in "
            f"{figures['verify_seconds']} s ({figures['events_per_second']:,}/s); a plain SELECT "
            f"of the same rows {figures['select_seconds']} s: ratio {figures['verify_to_select']}"
            f"; checkpoint {figures['checkpoint_seconds']} s, verify --against "
            f"{figures['verify_against_seconds']} s (load {figures['fill_seconds']} s); this "
            f"process's CPU: verify {figures['verify_cpu_seconds']} s, select "
            f"{figures['select_cpu_seconds']} s; load average {figures['load_average']} on "
            f"{figures['cores']} cores"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=1) + "\n")
    if not figures["within_limit"]:
        print(f"FAIL: verify took {figures['verify_seconds']} s, over {args.limit_seconds} s")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
