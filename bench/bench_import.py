"""Import speed: a 5,000-row spreadsheet (.xlsx) of producers and one of batches, read and
imported through trace.services.imports (parsing, duplicate checks, a savepoint per row, the
idempotency record), against creating the same rows through the same services in one plain loop
without the spreadsheet layer, measured in the same run, each phase in a fresh database; on
SQLite (new files) and on PostgreSQL (databases this script creates and drops). The figure that
matters is the ratio: the services' own cost per row is the floor.

    .venv/bin/python bench/bench_import.py [--rows 5000] [--url POSTGRES_SERVER_URL] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `trace` is also a stdlib module: the project's must win

from sqlalchemy.orm import Session  # noqa: E402

from bench.pgdb import scratch_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = ROOT / "bench" / "results" / "import.json"
SANTAI = "532326208"


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    import xlsxwriter  # type: ignore[import-untyped]

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    book.close()
    return out.getvalue()


def _vocabulary() -> dict:
    from trace.services.imports import Vocabulary

    return {
        "producer_kinds": Vocabulary.of(
            ["farmer", "family_farm", "cooperative", "enterprise"],
            {
                "farmer": ["农户"],
                "family_farm": ["家庭农场"],
                "cooperative": ["专业合作社"],
                "enterprise": ["企业"],
            },
        ),
        "units": Vocabulary.of(["kg", "g", "t", "piece", "box", "bottle"], {"kg": ["千克"]}),
    }


PHASES = ("producers_loop", "producers_import", "batches_loop", "batches_import")


def measure(url: str, phase: str, rows: int) -> tuple[float, float]:
    """Wall-clock and this process's CPU seconds for one phase (CPU time holds steady on a
    shared machine; on SQLite it is all the work, on PostgreSQL the client's part), in a
    database of its own (migrated, seeded, not timed): every phase starts from the same state,
    so none pays for the rows another left."""
    import openpyxl  # type: ignore[import-untyped]  # noqa: F401  (imported once per process)
    from alembic import command

    from trace import spreadsheets
    from trace.cli import alembic_config
    from trace.db import make_engine
    from trace.models.users import Role, User
    from trace.services import batches, imports, producers, products

    config = alembic_config(url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "heads")
    engine = make_engine(url)
    days = [dt.date(2025, 9, 1) + dt.timedelta(days=d) for d in range(20)]
    with Session(engine, expire_on_commit=False) as session:
        admin = User(email="bench@x.cn", name="bench", role=Role.ADMIN, password_hash="x")
        session.add(admin)
        session.flush()
        product = products.create_product(
            session, admin, name="核桃（示例）", gtin="06901234567892", category="walnut_in_shell"
        )
        farmer = producers.create_producer(
            session, admin, name="批次农户（示例）", kind="farmer", township_code=SANTAI
        )
        session.commit()
        data = b""
        if phase == "producers_import":
            data = _xlsx(
                ["名称", "类型", "乡镇", "村"],
                [[f"乙{i}", "农户", "三台乡", f"村{i % 50}"] for i in range(rows)],
            )
        elif phase == "batches_import":
            data = _xlsx(
                ["产品", "生产主体", "采收日期", "数量", "单位", "乡镇"],
                [
                    [product.name, farmer.name, days[i % 20].isoformat(), 100 + i, "千克", "三台乡"]
                    for i in range(rows)
                ],
            )
        started, cpu = time.perf_counter(), time.process_time()
        if phase == "producers_loop":
            for i in range(rows):
                producers.create_producer(
                    session, admin, name=f"甲{i}", kind="farmer", township_code=SANTAI,
                    village=f"村{i % 50}", phone="",
                )  # fmt: skip
        elif phase == "batches_loop":
            for i in range(rows):
                batches.create_batch(
                    session, admin, product_id=product.id, producer_id=farmer.id,
                    harvested_on=days[i % 20], quantity=Decimal(100 + i), unit="kg",
                    township_code=SANTAI, village="", plot="",
                )  # fmt: skip
        else:
            kind = imports.ImportKind(phase.split("_")[0])
            report = imports.run_import(
                session, admin, kind, spreadsheets.read(data, "f.xlsx"),
                vocabulary=_vocabulary(), sha256="a" * 64, confirmed=True,
            )  # fmt: skip
            assert report.imported and report.created == rows, report.errors[:3]
        session.commit()
        elapsed = (time.perf_counter() - started, time.process_time() - cpu)
    engine.dispose()
    return elapsed


def summary(found: dict[str, tuple[float, float]]) -> dict[str, float]:
    shown: dict[str, float] = {}
    for phase, (wall, cpu) in found.items():
        shown[f"{phase}_s"], shown[f"{phase}_cpu_s"] = wall, cpu
    for kind in ("producers", "batches"):
        shown[f"{kind}_ratio"] = found[f"{kind}_import"][0] / found[f"{kind}_loop"][0]
        shown[f"{kind}_cpu_ratio"] = found[f"{kind}_import"][1] / found[f"{kind}_loop"][1]
    return {k: round(v, 3) for k, v in shown.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    found: dict[str, tuple[float, float]] = {}
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            for phase in PHASES:
                found[phase] = measure(f"sqlite:///{folder}/{phase}.db", phase, args.rows)
        results["sqlite"] = summary(found)
    found = {}
    if args.only in (None, "postgresql"):
        for phase in PHASES:
            with scratch_database(args.url, "import") as url:
                found[phase] = measure(url, phase, args.rows)
        results["postgresql"] = summary(found)
    RESULTS.parent.mkdir(exist_ok=True)
    out = RESULTS.with_name(f"import-{args.only}.json") if args.only else RESULTS
    out.write_text(json.dumps({"rows": args.rows, **results}, indent=2) + "\n")
    print(json.dumps(results, indent=2) if args.json else results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
