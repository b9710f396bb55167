"""Ten years' worth of data, generated: pack codes in realistic label runs and lots, scans over
three years and hash-chained trace events, written with PostgreSQL COPY (psycopg).

    .venv/bin/python bench/scale_data.py --codes 30000000 --scans 10000000 --events 1000000 [--keep]

The database is always a new `trace_bench_scale_<random>` one (bench/pgdb.py: nothing else is ever
dropped, and the URL's own database is never touched); it is migrated to head, the demo data is
loaded, then the generator adds on top of it:

- producers (cooperatives and farmers in every township) and a product per category;
- lots per township, product and harvest day (`DY208HT250915-003`, as trace.services.batches
  names them), harvests over three seasons, walnuts in September to November;
- one or two label runs per lot of 100 to 1,000 codes each (pack sequence numbers follow on within
  the lot), serials of 10 Crockford base32 characters: a keyed Feistel permutation of the code's
  id over 50 bits, so they are unique by construction and look random (no set of 30 million to
  keep; a serial the app issues later is random and is checked by the unique index as always);
- scans: about a third of a code's worth each (most packs never scanned, some scanned by two or
  three buyers), each by a client of its own, from a day after packing to the present, with the
  pack's counters (public_scan_count, first_scanned_at, counted_addresses) and the scan_clients /
  scan_addresses rows the scan service would have written, so verdicts stay as the service computes
  them;
- trace events: a chain per lot (commissioning, hulling, drying, grading, packing, storing, then
  shipping and receiving), each hashed with trace.services.events.digest_of over the previous
  hash, and the lot's event_count / last_event_hash set to the chain's head: `flask verify`
  finds every chain intact.

Indexes, unique and foreign-key constraints of the big tables are dropped before COPY and made
again after it (the fast way, and a check: a broken key would fail there), then VACUUM ANALYZE.
The scan months get their partitions through trace.services.partitions before the COPY.
Prints the time of each step and the disk (pg_total_relation_size) per million codes and scans.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `trace` is also a standard-library module
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.pgdb import create_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # the server only
ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)
GENESIS = "0" * 64
CATEGORIES = [  # (category, lot code, name, share of lots)
    ("walnut_in_shell", "HT", "大姚核桃（带壳）", 0.55),
    ("walnut_kernel", "HR", "大姚核桃仁", 0.25),
    ("honey", "FM", "大姚蜂蜜", 0.12),
    ("vermicelli", "FS", "大姚粉丝", 0.08),
]
STEPS = ["hulling", "drying", "grading", "packing", "storing"]
REGIONS = [
    "云南省昆明市",
    "云南省楚雄彝族自治州",
    "广东省广州市",
    "上海市",
    "北京市",
    "四川省成都市",
]
FAMILIES = ["wechat", "alipay", "chrome", "safari"]
CHUNK = 200_000
# The biggest tables: their keys and indexes go before COPY and come back after it.
BULK_TABLES = ("pack_codes", "scans", "scan_clients", "scan_addresses", "trace_events")


def plain_url(url: str) -> str:
    """psycopg's own form of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# Serials -------------------------------------------------------------------------------------


def serials_for(ids: np.ndarray, key: int) -> list[str]:
    """A 10-character Crockford base32 serial per id: a 4-round Feistel permutation of the id over
    50 bits (two 25-bit halves), keyed, so distinct ids give distinct serials."""
    mask = np.uint64((1 << 25) - 1)
    x = ids.astype(np.uint64)
    left, right = (x >> np.uint64(25)) & mask, x & mask
    for round_key in (key, key * 7 + 3, key * 13 + 5, key * 31 + 11):
        k = np.uint64(round_key & 0xFFFFFFFF)
        mixed = (right * np.uint64(0x9E3779B1) + k) & np.uint64(0xFFFFFFFF)
        mixed ^= mixed >> np.uint64(13)
        mixed = (mixed * np.uint64(0x85EBCA6B)) & np.uint64(0xFFFFFFFF)
        left, right = right, (left ^ mixed) & mask
    value = (left << np.uint64(25)) | right
    shifts = np.arange(45, -1, -5, dtype=np.uint64)
    digits = ((value[:, None] >> shifts[None, :]) & np.uint64(31)).astype(np.intp)
    text = ALPHABET[digits].tobytes().decode()
    return [text[i : i + 10] for i in range(0, len(text), 10)]


# COPY ----------------------------------------------------------------------------------------


def _null(value: Any) -> str:
    return "\\N" if value is None else str(value)


def copy_rows(cursor: psycopg.Cursor[Any], table: str, columns: str, lines: Iterator[str]) -> int:
    """COPY text lines (tab-separated, newline-ended) into `table`, in chunks; the row count."""
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= CHUNK:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer = []
        if buffer:
            copy.write("".join(buffer))
            count += len(buffer)
    return count


def drop_keys(cursor: psycopg.Cursor[Any]) -> list[str]:
    """Drop the bulk tables' keys, unique constraints, foreign keys (theirs and those pointing
    at them) and indexes; the statements that make them again, in a working order."""
    tables = list(BULK_TABLES)
    cursor.execute(
        "SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid), c.contype "
        "FROM pg_constraint c WHERE c.contype IN ('p', 'u', 'f') AND c.conparentid = 0 AND "
        "(c.conrelid::regclass::text = ANY(%s) OR (c.contype = 'f' AND "
        "c.confrelid::regclass::text = ANY(%s)))",
        (tables, tables),
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) "
        "AND NOT t.relispartition AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.indexrelid)",
        (tables,),
    )
    indexes = cursor.fetchall()
    foreign = [c for c in constraints if c[3] == "f"]
    keys = [c for c in constraints if c[3] != "f"]
    for name, table, _definition, _kind in foreign + keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return (
        [f"ALTER TABLE {t} ADD CONSTRAINT {n} {d}" for n, t, d, _k in keys]
        # A partitioned table's index reads back as "ON ONLY parent": made so, its partitions
        # would have none. Without ONLY it is made on every partition.
        + [d.replace(" ON ONLY ", " ON ", 1) for _n, d in indexes]
        + [f"ALTER TABLE {t} ADD CONSTRAINT {n} {d}" for n, t, d, _k in foreign]
    )


# The data ------------------------------------------------------------------------------------


class Generator:
    """Everything drawn from one seeded random generator, so a size and seed give the same data."""

    def __init__(self, codes: int, scans: int, events: int, seed: int, today: dt.date) -> None:
        self.codes, self.scans, self.events = codes, scans, events
        self.rng = np.random.default_rng(seed)
        self.key = seed * 2654435761 + 1
        self.today = today
        self.start = dt.date(today.year - 3, 9, 1)
        self.now = dt.datetime.combine(today, dt.time(), dt.UTC)

    def harvest_day(self, category: str) -> dt.date:
        year = self.start.year + int(self.rng.integers(0, 3))
        if category.startswith("walnut"):  # September to November
            day = dt.date(year, 9, 1) + dt.timedelta(days=int(self.rng.integers(0, 91)))
        else:
            day = dt.date(year, 9, 1) + dt.timedelta(days=int(self.rng.integers(0, 365)))
        return min(day, self.today - dt.timedelta(days=30))

    def plan_lots(
        self,
        townships: list[str],
        products: dict[str, int],
        producers: list[tuple[int, str]],
        existing: list[str],
    ) -> list[dict[str, Any]]:
        """Lots with their runs' sizes until the codes are all placed."""
        by_township: dict[str, list[int]] = {}
        for producer_id, township in producers:
            by_township.setdefault(township, []).append(producer_id)
        shares = np.array([c[3] for c in CATEGORIES])
        lots: list[dict[str, Any]] = []
        taken: dict[str, int] = {}  # the last sequence used per lot prefix (the demo's too)
        for lot in existing:
            prefix, _dash, number = lot.rpartition("-")
            if number.isdigit():
                taken[prefix + "-"] = max(taken.get(prefix + "-", 0), int(number))
        placed = 0
        while placed < self.codes:
            category, code, _name, _share = CATEGORIES[int(self.rng.choice(4, p=shares))]
            township = townships[int(self.rng.integers(0, len(townships)))]
            harvested = self.harvest_day(category)
            prefix = f"DY{township[-3:]}{code}{harvested:%y%m%d}-"
            sequence = taken.get(prefix, 0) + 1
            if sequence > 999:
                continue
            taken[prefix] = sequence
            runs = []
            for _ in range(1 if self.rng.random() < 0.55 else 2):
                size = int(min(self.rng.integers(100, 1001), self.codes - placed))
                if size <= 0:
                    break
                runs.append(size)
                placed += size
            owners = by_township[township]
            lots.append(
                {
                    "lot": f"{prefix}{sequence:03d}",
                    "category": category,
                    "product_id": products[category],
                    "producer_id": owners[int(self.rng.integers(0, len(owners)))],
                    "township": township,
                    "harvested_on": harvested,
                    "runs": runs,
                }
            )
        return lots


def reference_data(cursor: psycopg.Cursor[Any], now: dt.datetime) -> tuple[
    list[str], dict[str, int], list[tuple[int, str]]
]:  # fmt: skip
    """Townships (seeded by the migrations), a product per category and producers in each."""
    from trace.gs1.charsets import check_digit

    cursor.execute("SELECT code FROM townships ORDER BY code")
    townships = [row[0] for row in cursor.fetchall()]
    products: dict[str, int] = {}
    for number, (category, _code, name, _share) in enumerate(CATEGORIES):
        body = f"6901299{number:05d}"
        cursor.execute(
            "INSERT INTO products (name, gtin, category, variety, net_content_g, brand, "
            "created_at, updated_at) VALUES (%s, %s, %s, '', 500, '大姚', %s, %s) RETURNING id",
            (f"{name}（生成）", f"0{body}{check_digit('0' + body)}", category, now, now),
        )
        products[category] = cursor.fetchone()[0]  # type: ignore[index]
    producers: list[tuple[int, str]] = []
    for township in townships:
        for number in range(250):
            kind = "cooperative" if number < 10 else "farmer"
            credit = f"93532326{township[-3:]}{number:07d}" if kind == "cooperative" else None
            cursor.execute(
                "INSERT INTO producers (name, kind, township_code, village, credit_code, phone, "
                "is_poverty_registered, is_gi_authorised, created_at, updated_at) VALUES "
                "(%s, %s, %s, '', %s, '', false, false, %s, %s) RETURNING id",
                (f"生成{township[-3:]}-{number:03d}", kind, township, credit, now, now),
            )
            producers.append((cursor.fetchone()[0], township))  # type: ignore[index]
    return townships, products, producers


def next_id(cursor: psycopg.Cursor[Any], table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    return int(cursor.fetchone()[0])  # type: ignore[index]


def generate(url: str, codes: int, scans: int, events: int, seed: int = 7) -> dict[str, Any]:
    """Fill the (migrated) database `url` names; the figures of the run."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from trace.services.events import digest_of
    from trace.services.partitions import (
        add_months,
        attached_months,
        create_partition,
        is_partitioned,
        month_start,
    )

    today = dt.datetime.now(dt.UTC).date()
    gen = Generator(codes, scans, events, seed, today)
    timings: dict[str, float] = {}
    began = time.perf_counter()

    def step(name: str, since: float) -> float:
        timings[name] = round(time.perf_counter() - since, 1)
        print(f"  {name}: {timings[name]} s", flush=True)
        return time.perf_counter()

    now = gen.now
    engine = create_engine(url)
    with Session(engine) as session, tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        # One transaction for all of it, shared by psycopg's COPY and the services' statements.
        connection = session.connection().connection.driver_connection
        cursor = connection.cursor()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        townships, products, producers = reference_data(cursor, now)
        cursor.execute("SELECT lot FROM batches")
        lots = gen.plan_lots(townships, products, producers, [r[0] for r in cursor.fetchall()])
        first_batch = next_id(cursor, "batches")
        first_run = next_id(cursor, "label_runs")
        first_code = next_id(cursor, "pack_codes")
        first_event = next_id(cursor, "trace_events")
        first_scan = next_id(cursor, "scans")
        mark = step("plan", began)

        # Trace events first: the lots' rows carry their chains' heads.
        per_lot = events / max(len(lots), 1)
        heads: list[tuple[int, str]] = []
        event_lines: list[str] = []
        event_id = first_event
        for index, lot in enumerate(lots):
            wanted = int(per_lot) + (1 if gen.rng.random() < per_lot - int(per_lot) else 0)
            count = max(wanted, 1) if index < events else 0
            moment = dt.datetime.combine(lot["harvested_on"], dt.time(8), dt.UTC)
            previous = GENESIS
            for number in range(1, count + 1):
                if number == 1:
                    kind = "commissioning"
                elif number - 2 < len(STEPS):
                    kind = STEPS[number - 2]
                else:
                    kind = "shipping" if number % 2 else "receiving"
                moment = moment + dt.timedelta(hours=int(gen.rng.integers(2, 72)))
                recorded = moment + dt.timedelta(minutes=5)
                details = {"quantity_kg": int(gen.rng.integers(50, 3000))}
                location = f"大姚县{lot['township'][-3:]}"
                digest = digest_of(
                    lot["lot"], number, kind, moment, recorded, location, None, details, None,
                    previous,
                )  # fmt: skip
                event_lines.append(
                    f"{event_id}\t{first_batch + index}\t{number}\t{kind}\t{moment.isoformat()}\t"
                    f"{recorded.isoformat()}\t{location}\t\\N\t{json.dumps(details)}\t\\N\t"
                    f"{previous}\t{digest}\n"
                )
                previous = digest
                event_id += 1
            heads.append((count, previous))
        mark = step("hash chains", mark)

        batch_lines = (
            f"{first_batch + i}\t{lot['lot']}\t{lot['product_id']}\t{lot['producer_id']}\t"
            f"{lot['harvested_on'].isoformat()}\t{sum(lot['runs']) // 2}\tkg\t{lot['township']}\t"
            f"\t\t\\N\t\\N\t\\N\t\tactive\t\\N\t{now.isoformat()}\t{heads[i][0]}\t{heads[i][1]}\t\n"
            for i, lot in enumerate(lots)
        )
        copy_rows(
            cursor, "batches",
            "id, lot, product_id, producer_id, harvested_on, quantity, unit, township_code, "
            "village, plot, latitude, longitude, altitude_m, grade, status, created_by_id, "
            "created_at, event_count, last_event_hash, sales_region",
            batch_lines,
        )  # fmt: skip
        runs: list[
            tuple[int, int, int, int, dt.date]
        ] = []  # (run id, batch id, first seq, count, packed)
        run_id = first_run
        for index, lot in enumerate(lots):
            sequence = 1
            packed = lot["harvested_on"] + dt.timedelta(days=int(gen.rng.integers(5, 60)))
            for size in lot["runs"]:
                runs.append((run_id, first_batch + index, sequence, size, min(packed, today)))
                sequence += size
                run_id += 1
                packed += dt.timedelta(days=int(gen.rng.integers(1, 30)))
        copy_rows(
            cursor, "label_runs",
            "id, batch_id, count, template, first_sequence, pack_date, status, void_reason, "
            "reprint_count, created_at, product_id",
            (
                f"{r}\t{b}\t{n}\ta4-3x8\t{s}\t{p.isoformat()}\tactive\t\t0\t"
                f"{dt.datetime.combine(p, dt.time(9), dt.UTC).isoformat()}\t\\N\n"
                for r, b, s, n, p in runs
            ),
        )  # fmt: skip
        mark = step("lots and runs", mark)

        rebuild = drop_keys(cursor)
        if is_partitioned(session, "scans"):  # the scans' months, by the app's own service
            month, have = month_start(gen.start), set(attached_months(session, "scans"))
            while month <= month_start(today):
                if month not in have:
                    create_partition(session, "scans", month)
                month = add_months(month, 1)
        mark = step("keys dropped, partitions", mark)

        files = {name: Path(tmp) / f"{name}.tsv" for name in ("scans", "clients", "addresses")}
        handles = {name: path.open("w", encoding="utf-8") for name, path in files.items()}
        code_lines = _codes_and_scans(gen, runs, first_code, first_scan, handles)
        counts = {}
        counts["pack_codes"] = copy_rows(
            cursor, "pack_codes",
            "id, serial, label_run_id, batch_id, sequence, status, void_reason, public_scan_count, "
            "first_scanned_at, counted_addresses, first_region",
            code_lines,
        )  # fmt: skip
        mark = step("COPY pack_codes (+ drawing the scans)", mark)
        for handle in handles.values():
            handle.close()
        for name, table, columns in (
            ("scans", "scans", "id, pack_code_id, batch_id, scanned_at, client_hash, "
             "user_agent_family, is_public, verdict, is_counted, region"),
            ("clients", "scan_clients", "pack_code_id, client_key, seen_at, verdict"),
            ("addresses", "scan_addresses", "pack_code_id, address_hash, clients"),
        ):  # fmt: skip
            with files[name].open(encoding="utf-8") as lines:
                counts[table] = copy_rows(cursor, table, columns, lines)
            files[name].unlink()
        mark = step("COPY scans, scan_clients, scan_addresses", mark)
        counts["trace_events"] = copy_rows(
            cursor, "trace_events",
            "id, batch_id, sequence, event_type, occurred_at, recorded_at, location, actor_id, "
            "details, corrects_event_id, prev_hash, hash",
            iter(event_lines),
        )  # fmt: skip
        del event_lines
        mark = step("COPY trace_events", mark)
        for statement in rebuild:
            cursor.execute(statement)
        mark = step("keys and indexes rebuilt", mark)
        counts["audit_entries"] = add_audit_entries(session, first_batch, first_run, first_event)
        mark = step("audit entries", mark)
        for table in ("batches", "label_runs", "pack_codes", "scans", "trace_events"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        session.commit()
    engine.dispose()
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        mark = step("VACUUM ANALYZE", mark)
        sizes = {
            table: int(
                connection.execute(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "WHERE c.oid = CAST(%s AS regclass) OR c.oid IN (SELECT inhrelid FROM "
                    "pg_inherits WHERE inhparent = CAST(%s AS regclass))",
                    (table, table),
                ).fetchone()[0]  # type: ignore[index]
            )
            for table in ("pack_codes", "label_runs", "batches", "scans", "scan_clients",
                          "scan_addresses", "trace_events", "audit_entries")
        }  # fmt: skip
    total = time.perf_counter() - began
    mib = 1024 * 1024
    result = {
        "lots": len(lots),
        "label_runs": len(runs),
        "rows": counts,
        "seconds": round(total, 1),
        "steps_seconds": timings,
        "bytes": sizes,
        "mib_per_million_codes": round(
            (sizes["pack_codes"] + sizes["label_runs"]) / mib / (counts["pack_codes"] / 1e6), 1
        ),
        "mib_per_million_scans": round(
            (sizes["scans"] + sizes["scan_clients"] + sizes["scan_addresses"])
            / mib
            / max(counts["scans"] / 1e6, 1e-9),
            1,
        ),
        "mib_per_million_scans_log_only": round(
            sizes["scans"] / mib / max(counts["scans"] / 1e6, 1e-9), 1
        ),
    }
    return result


AUDITED = [  # (action, table, the moment the service would have written it)
    ("batch.create", "batches", "(harvested_on + time '18:00') AT TIME ZONE 'UTC'"),
    ("label_run.issue", "label_runs", "created_at"),
    ("event.append", "trace_events", "recorded_at"),
]


def add_audit_entries(session: Any, first_batch: int, first_run: int, first_event: int) -> int:
    """The audit entries the services write for each lot, label run and event (a snapshot of the
    row, as trace.services.audit does), for the generated rows from the given ids on; their months
    get partitions first (trace.services.partitions). Written inside the database from the rows
    already loaded (INSERT ... SELECT: no round trip per row). The number written."""
    from sqlalchemy import text

    from trace.services.partitions import (
        add_months,
        attached_months,
        create_partition,
        is_partitioned,
        month_start,
    )

    firsts = {"batches": first_batch, "label_runs": first_run, "trace_events": first_event}
    if is_partitioned(session, "audit_entries"):
        earliest = session.scalar(
            text("SELECT min(harvested_on) FROM batches WHERE id >= :id"), {"id": first_batch}
        )
        if earliest is not None:
            month, have = month_start(earliest), set(attached_months(session, "audit_entries"))
            while month <= month_start(dt.datetime.now(dt.UTC)):
                if month not in have:
                    create_partition(session, "audit_entries", month)
                month = add_months(month, 1)
    written = 0
    for action, table, moment in AUDITED:
        result = session.execute(
            text(
                "INSERT INTO audit_entries (actor_id, action, entity_type, entity_id, before, "
                f"after, note, at) SELECT NULL, '{action}', '{table}', r.id::text, NULL, "
                f"to_jsonb(r) - 'hash' - 'prev_hash', '', {moment} FROM {table} r "
                "WHERE r.id >= :first"
            ),
            {"first": firsts[table]},
        )
        written += result.rowcount
    return written


def _codes_and_scans(
    gen: Generator, runs: list[tuple[int, int, int, int, dt.date]], first_code: int,
    first_scan: int, out: dict[str, Any],
) -> Iterator[str]:  # fmt: skip
    """The pack code lines, lazily; the scans drawn with them go to the `out` files as COPY lines
    (scans, clients, addresses)."""
    write_scan, write_client, write_address = (
        out["scans"].write,
        out["clients"].write,
        out["addresses"].write,
    )
    mean = gen.scans / max(gen.codes, 1)
    # P(k scans) for k = 0..3, with the mean asked for (most packs never scanned).
    weights = np.array([0.0, 0.80, 0.16, 0.04])
    per_scanned = float((weights * np.arange(4)).sum())
    scanned_share = min(mean / per_scanned, 1.0)
    probabilities = np.concatenate([[1 - scanned_share], weights[1:] * scanned_share])
    state = {"scan_id": first_scan, "left": gen.scans}
    horizon = (gen.today - dt.timedelta(days=1)).toordinal()

    def lines() -> Iterator[str]:
        code_id = first_code
        rng = gen.rng
        for run_id, batch_id, first_sequence, size, packed in runs:
            ids = np.arange(code_id, code_id + size, dtype=np.int64)
            serials = serials_for(ids, gen.key)
            scans_per = rng.choice(4, size=size, p=probabilities)
            start = packed.toordinal() + 1
            for offset in range(size):
                count = int(scans_per[offset])
                if count > state["left"]:
                    count = state["left"]
                first_at = "\\N"
                region = ""
                if count and start <= horizon:
                    state["left"] -= count
                    times = sorted(
                        dt.datetime.fromordinal(int(d)).replace(tzinfo=dt.UTC)
                        + dt.timedelta(seconds=int(s))
                        for d, s in zip(
                            rng.integers(start, min(start + 365, horizon) + 1, size=count),
                            rng.integers(0, 86400, size=count),
                            strict=True,
                        )
                    )
                    region = REGIONS[int(rng.integers(0, len(REGIONS)))]
                    for number, moment in enumerate(times, start=1):
                        verdict = "genuine" if number == 1 else "repeat"
                        stamp = moment.isoformat()
                        client = os.urandom(16).hex()
                        address = os.urandom(16).hex()
                        write_scan(
                            f"{state['scan_id']}\t{code_id + offset}\t{batch_id}\t{stamp}\t"
                            f"{address}\t{FAMILIES[number % 4]}\tt\t{verdict}\tt\t{region}\n"
                        )
                        write_client(f"{code_id + offset}\t{client}\t{stamp}\t{verdict}\n")
                        write_address(f"{code_id + offset}\t{address}\t1\n")
                        state["scan_id"] += 1
                    first_at = times[0].isoformat()
                else:
                    count = 0
                yield (
                    f"{code_id + offset}\t{serials[offset]}\t{run_id}\t{batch_id}\t"
                    f"{first_sequence + offset}\tactive\t\t{count}\t{first_at}\t{count}\t{region}\n"
                )
            code_id += size

    return lines()


def migrate_and_demo(url: str) -> None:
    """The real migrations, then the demo data (users, products, lots), as `make run` does."""
    import subprocess

    env = {**os.environ, "TRACE_DATABASE_URL": url, "PYTHONDONTWRITEBYTECODE": "1"}
    for args in (("db", "upgrade"), ("demo", "load")):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "trace", *args],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=900,
        )  # fmt: skip


def build(
    server: str, codes: int, scans: int, events: int, seed: int = 7
) -> tuple[str, dict[str, Any]]:
    """A new trace_bench_scale_* database with the data; its URL and the figures."""
    url = create_database(server, "scale")
    started = time.perf_counter()
    migrate_and_demo(url)
    print(f"  migrate + demo: {time.perf_counter() - started:.1f} s", flush=True)
    figures = generate(url, codes, scans, events, seed)
    figures["seconds_with_migrations"] = round(time.perf_counter() - started, 1)
    return url, figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TRACE_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--codes", type=int, default=30_000_000)
    parser.add_argument("--scans", type=int, default=10_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url, figures = build(args.url, args.codes, args.scans, args.events, args.seed)
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    print(f"kept database {make_url(url).database}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
