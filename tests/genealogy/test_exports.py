"""Exports through the API: the sortable spreadsheet (CSV, XLSX) by lot or date range, streamed
with flat memory, and the EPCIS 2.0 document validated against GS1's schema."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile
from decimal import Decimal

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import validator_for

from tests import factories
from tests.conftest import ROOT, SHARED
from tests.genealogy.conftest import operation, post_operation, release, split
from trace.models.batches import Batch
from trace.services import logistics

EPCIS_SCHEMA = SHARED / "conformance" / "epcis" / "EPCIS-JSON-Schema.json"
BENCH_SCRIPT = ROOT / "bench" / "bench_export.py"


@pytest.fixture()
def processed(client, as_role, walnuts, db_session, admin):
    """walnuts -> grade lots A, B; B -> kernels; A shipped; another, unrelated harvest."""
    headers = as_role("qc")
    graded = split(client, headers, walnuts, "600", "400")
    a, b = (o["batch_id"] for o in graded["outputs"])
    kernel = factories.product(db_session, admin, category="walnut_kernel")
    cracked = post_operation(
        client,
        headers,
        operation(
            "transform",
            [{"batch_id": b, "quantity": "400"}],
            [{"quantity": "180", "unit": "kg", "product_id": kernel.id}],
            reference="JG-2025-014",
        ),
    ).get_json()
    release(db_session, admin, a)  # shipping may come to need an inspection too
    logistics.create_shipment(
        db_session,
        admin,
        lines=[{"batch_id": a, "quantity": Decimal("600")}],
        origin_name="县质检中心",
        destination_name="昆明示例商贸（示例）",
        departed_at=dt.datetime(2025, 10, 1, 9, tzinfo=dt.UTC),
    )
    unrelated = factories.batch(db_session, admin, harvested_on=dt.date(2025, 9, 30))
    db_session.flush()
    return {
        "a": a,
        "b": b,
        "b_lot": db_session.get(Batch, b).lot,
        "kernels": cracked["outputs"][0],
        "operation": cracked["id"],
        "unrelated": unrelated,
    }


def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_by_lot_has_one_row_per_event_of_the_whole_genealogy(
    client, as_role, processed, walnuts
):
    answer = client.get(
        f"/api/v1/exports/events.csv?batch_id={walnuts.id}", headers=as_role("regulator")
    )
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert walnuts.lot in answer.headers["Content-Disposition"]
    rows = read_csv(answer)
    header = list(rows[0])
    assert header[:6] == [
        "事件编号 Event ID",
        "关键追踪事件 CTE",
        "事件类型 Event type",
        "日期 Date",
        "时间 Time (UTC+8)",
        "批次号 Traceability lot code",
    ]
    lots = {r["批次号 Traceability lot code"] for r in rows}
    assert walnuts.lot in lots and processed["kernels"]["lot"] in lots
    assert processed["unrelated"].lot not in lots
    # harvest, transform (out of the lot), 2 x transform into A/B, B's transform out, kernels',
    # and A's shipping: 7 events in time order.
    # The event type's display name, added as the last column (issue 18).
    assert header[-1] == "事件名称 Event name"
    assert {r["事件名称 Event name"] for r in rows if r["事件类型 Event type"] == "shipping"} == {
        "发货 Shipping"
    }
    kinds = [r["关键追踪事件 CTE"] for r in rows]
    assert kinds.count("harvesting") == 1 and kinds.count("shipping") == 1
    assert kinds.count("transformation") == 5
    harvest = rows[0]
    assert harvest["数量 Quantity"] == "1000" and harvest["单位 Unit"] == "kg"
    assert harvest["GTIN"] == walnuts.product.gtin
    assert harvest["来源 From"].startswith("三台乡")
    assert harvest["生产主体 Producer"] == walnuts.producer.name
    assert re.fullmatch(r"[0-9a-f]{64}", harvest["事件哈希 Event hash (SHA-256)"])
    shipping = next(r for r in rows if r["关键追踪事件 CTE"] == "shipping")
    assert shipping["去向 To"] == "昆明示例商贸（示例）"
    assert shipping["参考单据 Reference document"].startswith("YS")
    kernels_in = next(
        r for r in rows if r["批次号 Traceability lot code"] == processed["kernels"]["lot"]
    )
    assert kernels_in["参考单据 Reference document"] == "JG-2025-014"
    times = [r["时间 Time (UTC+8)"] for r in rows]
    assert times == sorted(times)


def test_csv_by_date_range_takes_every_lot_in_it(client, as_role, processed, walnuts):
    headers = as_role("qc")
    answer = client.get(
        "/api/v1/exports/events.csv?occurred_from=2025-09-30&occurred_to=2025-09-30",
        headers=headers,
    )
    rows = read_csv(answer)
    assert {r["批次号 Traceability lot code"] for r in rows} == {processed["unrelated"].lot}
    assert {r["日期 Date"] for r in rows} == {"2025-09-30"}
    both = read_csv(
        client.get(
            f"/api/v1/exports/events.csv?lot={walnuts.lot}&occurred_from=2025-10-01",
            headers=headers,
        )
    )
    assert [r["关键追踪事件 CTE"] for r in both] == ["shipping"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("", 422, "batch_id"),
        ("?occurred_from=2025-10-02&occurred_to=2025-10-01", 422, "occurred_to"),
        ("?occurred_from=yesterday", 422, "occurred_from"),
        ("?batch_id=987654", 404, None),
        ("?lot=NO-SUCH-LOT", 404, None),
    ],
)
def test_bad_export_requests(client, as_role, query, status, field):
    for fmt in ("csv", "xlsx"):
        answer = client.get(f"/api/v1/exports/events.{fmt}{query}", headers=as_role("regulator"))
        assert answer.status_code == status, answer.get_data(as_text=True)
        if field:
            assert field in answer.get_json()["errors"]


def test_exports_are_for_regulators_admins_and_qc(client, as_role, walnuts):
    url = f"/api/v1/exports/events.csv?batch_id={walnuts.id}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=as_role("station")).status_code == 403
    assert (
        client.get(f"/api/v1/batches/{walnuts.id}/epcis", headers=as_role("station")).status_code
        == 403
    )
    for role in ("qc", "admin", "regulator"):
        assert client.get(url, headers=as_role(role)).status_code == 200


def sheet_rows(xlsx: bytes) -> list[list[str]]:
    """Cell texts of the first sheet, without an XLSX library (the file is plain zipped XML)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert archive.testzip() is None
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", xml):
        cells = re.findall(r"<c [^>]*?(?:/>|>(.*?)</c>)", row)
        rows.append([re.sub(r"<[^>]+>", "", cell) for cell in cells])
    return rows


def test_xlsx_has_the_same_rows_and_a_numeric_quantity(client, as_role, processed, walnuts):
    answer = client.get(
        f"/api/v1/exports/events.xlsx?batch_id={walnuts.id}", headers=as_role("regulator")
    )
    assert answer.status_code == 200
    assert answer.mimetype == exports_xlsx_type()
    rows = sheet_rows(answer.get_data())
    csv_rows = read_csv(
        client.get(f"/api/v1/exports/events.csv?batch_id={walnuts.id}", headers=as_role("qc"))
    )
    assert rows[0][0] == "事件编号 Event ID"
    assert len(rows) == 1 + len(csv_rows) and len(csv_rows) >= 7
    assert [r[0] for r in rows[1:]] == [r["事件编号 Event ID"] for r in csv_rows]
    assert rows[1][5] == walnuts.lot and rows[1][8] == "1000"
    xml = zipfile.ZipFile(io.BytesIO(answer.get_data())).read("xl/worksheets/sheet1.xml").decode()
    assert f'<autoFilter ref="A1:U{len(rows)}"/>' in xml and "<pane " in xml
    assert '<c r="I2"><v>1000</v></c>' in xml  # the quantity is a number: it sorts and sums


def exports_xlsx_type() -> str:
    from trace.web.regulator.exports import XLSX_TYPE

    return XLSX_TYPE


# Memory: the export streams ------------------------------------------------------------------


@pytest.fixture()
def export_url(database_url, tmp_path):
    """A database of its own for the measuring process: a file, or a schema on PostgreSQL."""
    if database_url.startswith("postgresql"):
        return database_url
    return f"sqlite:///{tmp_path / 'export.db'}"


def measure(url: str, fmt: str, *sizes: int) -> dict[int, dict[str, int]]:
    """Peak resident memory added by exporting each size, each in a fresh process."""
    command = [sys.executable, str(BENCH_SCRIPT), "--url", url, "--format", fmt, "--json"]
    for size in sizes:
        command += ["--rows", str(size)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for result in results:
        print(
            f"{fmt} {result['rows']} rows: {result['bytes'] / 1e6:.1f} MB out, "
            f"peak RSS +{result['peak_added_kb'] / 1024:.1f} MB, {result['seconds']} s"
        )
    return {r["rows"]: r for r in results}


def test_csv_memory_stays_flat_from_20k_to_200k_rows(export_url):
    figures = measure(export_url, "csv", 20_000, 200_000)
    small, large = figures[20_000], figures[200_000]
    assert large["bytes"] > 9 * small["bytes"]  # ten times the data went through...
    assert large["peak_added_kb"] < small["peak_added_kb"] * 1.5 + 4096  # ...in the same memory
    assert large["peak_added_kb"] * 1024 < large["bytes"] / 4


def test_xlsx_memory_stays_flat(export_url):
    figures = measure(export_url, "xlsx", 2_000, 20_000)
    small, large = figures[2_000], figures[20_000]
    assert large["bytes"] > 5 * small["bytes"]
    assert large["peak_added_kb"] < small["peak_added_kb"] * 1.5 + 4096


# EPCIS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def epcis_validator():
    schema = json.loads(EPCIS_SCHEMA.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    checker = FormatChecker()
    assert "uri" in checker.checkers, "install rfc3987 so URIs are checked (requirements-dev)"
    return cls(schema, format_checker=checker)


def test_epcis_document_validates_and_carries_the_lot_history(
    client, as_role, processed, walnuts, epcis_validator
):
    kernels = processed["kernels"]
    answer = client.get(
        f"/api/v1/batches/{kernels['batch_id']}/epcis", headers=as_role("regulator")
    )
    assert answer.status_code == 200 and answer.mimetype == "application/ld+json"
    document = answer.get_json()
    errors = sorted(epcis_validator.iter_errors(document), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    events = document["epcisBody"]["eventList"]
    harvest = events[0]
    assert harvest["type"] == "ObjectEvent" and harvest["action"] == "ADD"
    assert harvest["bizStep"] == "commissioning" and harvest["disposition"] == "active"
    assert harvest["quantityList"] == [
        {
            "epcClass": f"https://id.gs1.org/01/{walnuts.product.gtin}/10/{walnuts.lot}",
            "quantity": 1000.0,
            "uom": "KGM",
        }
    ]
    assert harvest["ilmd"]["cbvmda:harvestStartDate"] == "2025-09-15"
    transformations = [e for e in events if e["type"] == "TransformationEvent"]
    # The split and the cracking: each once, though both sides of each carry an event.
    assert len(transformations) == 2
    cracking = transformations[-1]
    assert cracking["inputQuantityList"][0]["epcClass"].endswith(f"/10/{processed['b_lot']}")
    assert cracking["outputQuantityList"][0]["epcClass"].endswith(f"/10/{kernels['lot']}")
    assert cracking["outputQuantityList"][0]["quantity"] == 180.0
    assert cracking["bizTransactionList"][0]["type"] == "prodorder"


def test_the_format_checker_rejects_a_bad_uri(client, as_role, walnuts, epcis_validator):
    document = client.get(
        f"/api/v1/batches/{walnuts.id}/epcis", headers=as_role("regulator")
    ).get_json()
    assert epcis_validator.is_valid(document)
    document["epcisBody"]["eventList"][0]["readPoint"]["id"] = "not a uri with spaces"
    assert not epcis_validator.is_valid(document)


def test_shipping_and_inspection_map_to_cbv(
    client, as_role, processed, epcis_validator, db_session
):
    document = client.get(
        f"/api/v1/batches/{processed['a']}/epcis", headers=as_role("admin")
    ).get_json()
    assert epcis_validator.is_valid(document)
    shipping = next(e for e in document["epcisBody"]["eventList"] if e.get("bizStep") == "shipping")
    assert shipping["disposition"] == "in_transit"
    assert shipping["destinationList"][0]["type"] == "location"
    assert shipping["bizTransactionList"][0]["type"] == "desadv"
    assert shipping["dayao:hash"] and shipping["eventTimeZoneOffset"] == "+08:00"


def test_the_resolver_links_a_lot_to_its_epcis_document(client, walnuts):
    linkset = client.get(f"/01/{walnuts.product.gtin}/10/{walnuts.lot}?linkType=linkset").get_json()
    links = linkset["linkset"][0]["https://ref.gs1.org/voc/epcis"]
    assert links[0]["href"].endswith(f"/api/v1/batches/{walnuts.id}/epcis")


def test_a_corrected_event_carries_an_error_declaration(client, as_role, walnuts, epcis_validator):
    headers = as_role("qc")
    events = client.get(f"/api/v1/batches/{walnuts.id}/events", headers=headers).get_json()
    fix = client.post(
        f"/api/v1/batches/{walnuts.id}/events",
        json={
            "event_type": "correcting",
            "occurred_at": "2025-09-16T10:00:00+08:00",
            "details": {"reason": "产量记错（示例）", "quantity": "990", "unit": "kg"},
            "corrects_event_id": events[0]["id"],
        },
        headers=headers,
    )
    assert fix.status_code == 201, fix.get_json()
    document = client.get(
        f"/api/v1/batches/{walnuts.id}/epcis", headers=as_role("regulator")
    ).get_json()
    assert epcis_validator.is_valid(document), list(epcis_validator.iter_errors(document))[:3]
    harvest, correction = document["epcisBody"]["eventList"][:2]
    declaration = harvest["errorDeclaration"]
    assert declaration["reason"] == "incorrect_data"
    assert declaration["correctiveEventIDs"] == [correction["eventID"]]
    assert correction["bizStep"].endswith("/voc/bizStep/correcting")
