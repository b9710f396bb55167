"""End-to-end label run on PostgreSQL: codes issued in one transaction, A4 3x8 PDF rendered.

Compares, in the same run, the naive renderer (qrcode -> PNG -> reportlab drawImage, from
bench_label_render.py) with ours, both fed by the real issuing service and database. Also measures
the peak memory of a 100,000-label run (issue + stream the PDF) in a fresh process, next to a
10,000-label run, to show it stays flat.

Run from the repository root: `.venv/bin/python bench/bench_label_run.py`. Works in a database of
its own, `trace_bench_labels_<random>`, created on the server TRACE_BENCH_DATABASE_URL names
(default: the local PostgreSQL) and dropped afterwards; it never drops or empties the database the
URL names (bench/pgdb.py). Prints a table and writes bench/results/label_run.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `trace` is also a standard-library module
    sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.bench_label_render import render_naive  # noqa: E402
from bench.pgdb import scratch_database  # noqa: E402
from trace.cli import alembic_config  # noqa: E402
from trace.db import make_engine  # noqa: E402
from trace.models.users import Role, User  # noqa: E402
from trace.printing import load_template, render_sheet_pdf  # noqa: E402
from trace.services.batches import create_batch  # noqa: E402
from trace.services.inspections import record_inspection  # noqa: E402
from trace.services.labels import issue_label_run, pack_labels  # noqa: E402
from trace.services.producers import create_producer  # noqa: E402
from trace.services.products import create_product  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # the server only
RESULTS = ROOT / "bench" / "results" / "label_run.json"
HOST = "trace.dayao.example.cn"
PASSING = [
    {"item": "aflatoxin_b1", "value": Decimal("1.2"), "unit": "µg/kg"},
    {"item": "acid_value", "value": Decimal("0.8"), "unit": "mg/g"},
    {"item": "peroxide_value", "value": Decimal("0.03"), "unit": "g/100g"},
    {"item": "moisture", "value": Decimal("6.9"), "unit": "%"},
    {"item": "lead", "value": Decimal("0.05"), "unit": "mg/kg"},
]


class CountingSink(io.RawIOBase):
    """Swallows the PDF, counting bytes: the measurement is issuing and rendering, not disk."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        return len(data)


def prepare(url: str) -> tuple[int, int]:
    """Migrate and create a released walnut lot; returns (qc user id, batch id)."""
    config = alembic_config(url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "heads")
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        admin = User(email="bench@bench.example.cn", role=Role.ADMIN, password_hash="x")
        qc = User(email="qc@bench.example.cn", role=Role.QC, password_hash="x")
        session.add_all([admin, qc])
        session.flush()
        product = create_product(
            session,
            admin,
            name="大姚核桃（三台薄壳）",
            gtin="06901234567892",
            category="walnut_in_shell",
            net_content_g=500,
            brand="大姚核桃",
            shelf_life_days=365,
        )
        producer = create_producer(
            session,
            admin,
            name="三台乡核桃专业合作社（示例）",
            kind="farmer",
            township_code="532326208",
            village="三台村",
        )
        batch = create_batch(
            session,
            admin,
            product_id=product.id,
            producer_id=producer.id,
            harvested_on=dt.date(2025, 9, 15),
            quantity=Decimal("3000"),
            unit="kg",
            township_code="532326208",
            village="三台村",
        )
        record_inspection(
            session,
            qc,
            batch.id,
            lab="县质检中心",
            report_no="BENCH-1",
            sampled_on=dt.date(2025, 9, 20),
            tested_on=dt.date(2025, 9, 22),
            results=PASSING,
        )
        session.commit()
        ids = (qc.id, batch.id)
    engine.dispose()
    return ids


def run_once(url: str, qc_id: int, batch_id: int, count: int, naive: bool) -> tuple[float, int]:
    """Seconds to issue `count` codes (committed) and render their PDF; and the PDF size."""
    engine = make_engine(url)
    sink = CountingSink()
    with Session(engine, expire_on_commit=False) as session:
        start = time.perf_counter()
        qc = session.get(User, qc_id)
        run = issue_label_run(session, qc, batch_id, count)
        session.commit()
        labels = pack_labels(session, run, HOST)
        if naive:
            render_naive(labels, sink)  # type: ignore[arg-type]
        else:
            render_sheet_pdf(load_template("a4-3x8"), labels, sink)
        elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, sink.size


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def child(url: str, qc_id: int, batch_id: int, count: int) -> None:
    """In a fresh process: print the peak resident memory of one end-to-end run."""
    before = _peak_kib()
    elapsed, size = run_once(url, qc_id, batch_id, count, naive=False)
    print(
        json.dumps(
            {
                "labels": count,
                "seconds": round(elapsed, 2),
                "pdf_mb": round(size / 1e6, 1),
                "peak_mib": round(_peak_kib() / 1024, 1),
                "start_mib": round(before / 1024, 1),
            }
        )
    )


def measure_peak(url: str, qc_id: int, batch_id: int, count: int) -> dict[str, float]:
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(count),
            "--url",
            url,
            "--qc",
            str(qc_id),
            "--batch",
            str(batch_id),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peak", type=int, default=100_000, help="labels in the memory run")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=os.environ.get("TRACE_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--qc", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.url, args.qc, args.batch, args.child)
        return

    with scratch_database(args.url, "labels") as url:
        qc_id, batch_id = prepare(url)
        run_once(url, qc_id, batch_id, 24, naive=False)  # warm: font, templates, imports
        naive_s, naive_size = run_once(url, qc_id, batch_id, args.labels, naive=True)
        ours = [
            run_once(url, qc_id, batch_id, args.labels, naive=False) for _ in range(args.repeats)
        ]
        ours_s = statistics.median(t for t, _ in ours)
        small = measure_peak(url, qc_id, batch_id, args.peak // 10)
        large = measure_peak(url, qc_id, batch_id, args.peak)

    result = {
        "labels": args.labels,
        "naive_seconds": round(naive_s, 2),
        "ours_seconds_median": round(ours_s, 3),
        "ratio_naive_over_ours": round(naive_s / ours_s, 1),
        "naive_pdf_mb": round(naive_size / 1e6, 2),
        "ours_pdf_mb": round(ours[0][1] / 1e6, 2),
        "peak_memory": {"small": small, "large": large},
        "load_average": os.getloadavg()[0],
    }
    print(f"{'end to end, ' + str(args.labels) + ' A4 3x8 labels':<40} {'seconds':>9}")
    print(f"{'naive (qrcode -> PNG -> drawImage)':<40} {naive_s:>9.2f}")
    print(f"{'ours (median of ' + str(args.repeats) + ')':<40} {ours_s:>9.2f}")
    print(f"{'ratio naive / ours':<40} {naive_s / ours_s:>9.1f}")
    for run in (small, large):
        print(
            f"peak RSS for {run['labels']:>7} labels: {run['peak_mib']} MiB "
            f"(process start {run['start_mib']} MiB; {run['seconds']} s; PDF {run['pdf_mb']} MB)"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
