"""The logistics export for the prefecture's 城乡高效配送公共服务信息平台 (issue 19 part 5): by
API with a date range, as JSON valid against the schema in the repository or CSV with the same
fields, and as a daily file written by the job worker's scheduled task."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import jsonschema
import pytest

from tests import factories
from tests.conftest import SANTAI
from trace import clock
from trace.services import logistics, station_services
from trace.services.logistics import parcels, platform_export

MIDDAY = dt.datetime(2026, 12, 15, 4, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 12, 15)


def schema() -> dict:
    return json.loads(platform_export.SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture()
def traffic(db_session, network, admin, make_user):
    """On 15 December: a shipment from the sorting centre (left 23:30 in Dayao, 15:30 UTC)
    arriving at the village point the next day; parcels tallied and served."""
    with clock.pinned(dt.datetime(2026, 12, 15, 15, 45, tzinfo=dt.UTC)):  # 23:45 in Dayao
        lot = factories.batch(db_session, admin, quantity=Decimal("100"))
        inbound = logistics.create_shipment(
            db_session, admin, lines=[{"batch_id": lot.id, "quantity": Decimal("40")}],
            origin_name="示例合作社", destination_facility_id=network["centre"].id,
        )  # fmt: skip
        at = lambda hour: dt.datetime(2026, 12, 15, hour, 0, tzinfo=dt.UTC)  # noqa: E731
        logistics.depart_shipment(db_session, admin, inbound.id, at(2))
        logistics.arrive_shipment(db_session, admin, inbound.id, at(3))
        shipment = logistics.create_shipment(
            db_session, admin, lines=[{"batch_id": lot.id, "quantity": Decimal("10")}],
            origin_facility_id=network["centre"].id,
            destination_facility_id=network["point"].id,
        )  # fmt: skip
        logistics.depart_shipment(
            db_session, admin, shipment.id, dt.datetime(2026, 12, 15, 15, 30, tzinfo=dt.UTC)
        )
        parcels.record_parcel_count(
            db_session, admin, facility_id=network["centre"].id, counted_on=DAY,
            direction="out", parcels=140,
        )  # fmt: skip
        staff = make_user("station", SANTAI)
        station_services.record_service(
            db_session, staff, kind="parcel_in", parcels=6, station_id=network["village"].id
        )
    with clock.pinned(MIDDAY + dt.timedelta(days=1)):
        logistics.arrive_shipment(
            db_session, admin, shipment.id, dt.datetime(2026, 12, 16, 1, 0, tzinfo=dt.UTC)
        )
    db_session.flush()
    return network


def test_the_api_export_validates_against_its_schema(client, traffic, as_role):
    answer = client.get(
        "/api/v1/logistics/exports?from=2026-12-14&to=2026-12-16", headers=as_role("regulator")
    )
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    document = answer.get_json()
    jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)
    records = {(r["date"], r["facility_id"]): r for r in document["records"]}
    centre, point = traffic["centre"].id, traffic["point"].id
    assert records[("2026-12-15", centre)]["shipments_out"] == 1  # 23:30 in Dayao: the 15th
    assert records[("2026-12-15", centre)]["parcels_out"] == 140
    assert records[("2026-12-15", centre)]["shipments_in"] == 1
    assert records[("2026-12-15", point)]["parcels_in"] == 6
    assert records[("2026-12-15", point)]["station_id"] == traffic["village"].id
    assert records[("2026-12-16", point)]["shipments_in"] == 1
    assert ("2026-12-14", centre) not in records  # nothing that day: no row
    assert document["from"] == "2026-12-14" and document["county_code"] == "532326"


def test_the_csv_has_the_same_fields_and_rows(client, traffic, as_role):
    headers = as_role("admin")
    url = "/api/v1/logistics/exports?from=2026-12-15&to=2026-12-16"
    as_json = client.get(url, headers=headers).get_json()["records"]
    answer = client.get(url + "&format=csv", headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert tuple(rows[0]) == platform_export.FIELDS
    assert [r["facility_name"] for r in rows] == [r["facility_name"] for r in as_json]
    assert [int(r["parcels_in"]) for r in rows] == [r["parcels_in"] for r in as_json]
    documented = set(schema()["properties"]["records"]["items"]["properties"])
    assert documented == set(platform_export.FIELDS)


def test_a_bad_range_is_refused_with_a_code(client, as_role):
    headers = as_role("admin")
    base = "/api/v1/logistics/exports"
    reversed_ = client.get(f"{base}?from=2026-12-15&to=2026-12-14", headers=headers)
    assert reversed_.status_code == 422
    assert reversed_.get_json()["error_codes"]["to"][0]["code"] == "logistics_export.range_reversed"
    long = client.get(f"{base}?from=2025-01-01&to=2026-12-14", headers=headers)
    assert long.get_json()["error_codes"]["to"][0]["code"] == "logistics_export.range_too_long"
    assert client.get(f"{base}?from=2026-12-15", headers=headers).status_code == 422
    assert client.get(f"{base}?from=2026-12-15&to=2026-12-15").status_code == 401


def test_the_readme_documents_the_fields(traffic):
    readme = (platform_export.SCHEMA_PATH.parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("Logistics data for the prefecture") :]
    for name in platform_export.FIELDS:
        assert f"`{name}`" in section
    assert "/api/v1/logistics/exports" in section


def test_the_daily_task_writes_yesterdays_file(app, traffic, tmp_path, monkeypatch):
    from trace.logistics_jobs import daily_logistics_export

    monkeypatch.setitem(app.config, "LOGISTICS_EXPORT_DIR", str(tmp_path / "out"))
    with clock.pinned(MIDDAY + dt.timedelta(days=1)):  # the 16th: the file of the 15th
        written = daily_logistics_export(app)
    assert [p.name for p in written] == [
        "dayao-logistics-20261215.json",
        "dayao-logistics-20261215.csv",
    ]
    document = json.loads(written[0].read_text(encoding="utf-8"))
    jsonschema.validate(document, schema())
    assert document["from"] == document["to"] == "2026-12-15"
    assert {r["facility_id"] for r in document["records"]} == {
        traffic["centre"].id,
        traffic["point"].id,
    }
    assert written[1].read_text(encoding="utf-8").startswith(",".join(platform_export.FIELDS))
    assert not list((tmp_path / "out").glob(".*.part"))


def test_the_worker_schedules_it_at_night_in_dayao(app, tmp_path, monkeypatch):
    from trace.queue import JobQueue

    monkeypatch.setitem(app.config, "QUEUE_FILE", str(tmp_path / "queue.db"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    huey, _task = JobQueue(app).get()

    def due(hour, minute):
        moment = dt.datetime(2026, 12, 1, hour, minute)
        return {task.name for task in huey.read_periodic(moment)} - {"recover-jobs"}

    assert due(18, 30) == {"logistics-daily"}  # 02:30 Asia/Shanghai
    assert due(18, 15) == {"records-daily"} and due(2, 30) == set()
