"""Logistics through the API: facilities, shipments on the lot's timeline, stock, cold chain."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.conftest import JINBI, SANTAI
from tests.program.conftest import count
from trace.models.batches import BatchStatus
from trace.models.events import AppendOnlyError, TraceEvent
from trace.models.logistics import (
    Facility,
    Shipment,
    ShipmentLine,
    TemperatureAlert,
    TemperatureReading,
)
from trace.services import logistics


def from_producer(lot, destination, **overrides):
    body = {
        "origin_name": "三台乡测试合作社（示例）",
        "destination_facility_id": destination.id,
        "carrier": "测试物流（示例）",
        "vehicle": "云E·T0001",
        "lines": [{"batch_id": lot.id, "quantity": "100"}],
    }
    body.update(overrides)
    return body


def events_of(client, headers, lot):
    return client.get(f"/api/v1/batches/{lot.id}/events", headers=headers).get_json()


# Facilities ---------------------------------------------------------------------------------


def test_admin_registers_facilities_and_sizes_are_required(client, as_role, db_session):
    headers = as_role("admin")
    ok = client.post(
        "/api/v1/facilities",
        json={"name": "冷库甲", "kind": "cold_store", "township_code": JINBI, "volume_m3": "30"},
        headers=headers,
    )
    assert ok.status_code == 201 and ok.get_json()["volume_m3"] == "30.00"
    before = count(db_session, Facility)
    no_volume = client.post(
        "/api/v1/facilities",
        json={"name": "测试冷库乙", "kind": "cold_store", "township_code": JINBI},
        headers=headers,
    )
    assert no_volume.status_code == 422 and "volume_m3" in no_volume.get_json()["errors"]
    no_area = client.post(
        "/api/v1/facilities",
        json={"name": "测试仓库", "kind": "public_warehouse", "township_code": JINBI},
        headers=headers,
    )
    assert no_area.status_code == 422 and "floor_area_m2" in no_area.get_json()["errors"]
    bad_station = client.post(
        "/api/v1/facilities",
        json={"name": "测试点", "kind": "village_point", "township_code": SANTAI, "station_id": 9},
        headers=headers,
    )
    assert bad_station.status_code == 422 and "station_id" in bad_station.get_json()["errors"]
    again = client.post(
        "/api/v1/facilities",
        json={"name": "冷库甲", "kind": "cold_store", "township_code": JINBI, "volume_m3": "9"},
        headers=headers,
    )
    assert again.status_code == 409 and "name" in again.get_json()["errors"]
    assert count(db_session, Facility) == before


@pytest.mark.parametrize("role", ["qc", "station", "regulator"])
def test_only_admin_manages_facilities(client, as_role, role):
    answer = client.post(
        "/api/v1/facilities",
        json={"name": "测试点", "kind": "village_point", "township_code": SANTAI},
        headers=as_role(role),
    )
    assert answer.status_code == 403


# Shipments and the lot's timeline ------------------------------------------------------------


def test_departure_and_arrival_appear_on_the_lots_timeline(client, as_role, places, lot):
    headers = as_role("qc")
    created = client.post(
        "/api/v1/shipments", json=from_producer(lot, places["warehouse"]), headers=headers
    )
    assert created.status_code == 201, created.get_json()
    shipment = created.get_json()
    assert shipment["status"] == "planned" and shipment["reference"].startswith("YS")
    assert [e["event_type"] for e in events_of(client, headers, lot)] == ["commissioning"]

    departed = client.post(
        f"/api/v1/shipments/{shipment['id']}/departure",
        json={"departed_at": "2025-09-25T08:00:00+08:00"},
        headers=headers,
    )
    assert departed.status_code == 200 and departed.get_json()["status"] == "in_transit"
    arrived = client.post(
        f"/api/v1/shipments/{shipment['id']}/arrival",
        json={"arrived_at": "2025-09-25T11:30:00+08:00"},
        headers=headers,
    )
    assert arrived.status_code == 200 and arrived.get_json()["status"] == "delivered"

    events = events_of(client, headers, lot)
    assert [e["event_type"] for e in events] == ["commissioning", "shipping", "receiving"]
    shipping, receiving = events[1], events[2]
    assert shipping["details"]["from"] == "三台乡测试合作社（示例）"
    assert shipping["details"]["to"] == "测试公共仓储中心"
    assert shipping["details"]["carrier"] == "测试物流（示例）"
    assert shipping["details"]["shipment"] == shipment["reference"]
    assert shipping["location"] == "三台乡测试合作社（示例）"
    assert receiving["location"] == "测试公共仓储中心"
    assert receiving["occurred_at"].startswith("2025-09-25T03:30:00")
    assert receiving["prev_hash"] == shipping["hash"]  # same hash chain as every other event


def test_shipment_leaving_at_once_and_arriving_twice(client, as_role, places, lot):
    headers = as_role("admin")
    body = from_producer(lot, places["warehouse"], departed_at="2025-09-25T08:00:00+08:00")
    shipment = client.post("/api/v1/shipments", json=body, headers=headers).get_json()
    assert shipment["status"] == "in_transit"
    url = f"/api/v1/shipments/{shipment['id']}"
    early = client.post(
        f"{url}/arrival", json={"arrived_at": "2025-09-24T08:00:00+08:00"}, headers=headers
    )
    assert early.status_code == 422 and "arrived_at" in early.get_json()["errors"]
    client.post(f"{url}/arrival", json={"arrived_at": "2025-09-25T12:00:00+08:00"}, headers=headers)
    twice = client.post(
        f"{url}/arrival", json={"arrived_at": "2025-09-25T13:00:00+08:00"}, headers=headers
    )
    assert twice.status_code == 409 and twice.get_json()["errors"]["status"]
    again = client.post(
        f"{url}/departure", json={"departed_at": "2025-09-25T08:00:00+08:00"}, headers=headers
    )
    assert again.status_code == 409


@pytest.mark.parametrize("status", [BatchStatus.ON_HOLD, BatchStatus.RECALLED])
def test_a_held_or_recalled_lot_cannot_be_shipped(client, as_role, places, lot, db_session, status):
    headers = as_role("qc")
    planned = client.post(
        "/api/v1/shipments", json=from_producer(lot, places["warehouse"]), headers=headers
    ).get_json()
    lot.status = status
    db_session.flush()
    before = (count(db_session, Shipment), count(db_session, TraceEvent))

    refused = client.post(
        "/api/v1/shipments",
        json=from_producer(lot, places["warehouse"], departed_at="2025-09-25T08:00:00+08:00"),
        headers=headers,
    )
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["errors"]["lines"] and lot.lot in body["message"]
    reason = "on hold" if status is BatchStatus.ON_HOLD else "recalled"
    assert reason in body["message"]

    # The shipment planned before the hold cannot leave either.
    departure = client.post(
        f"/api/v1/shipments/{planned['id']}/departure",
        json={"departed_at": "2025-09-25T08:00:00+08:00"},
        headers=headers,
    )
    assert departure.status_code == 409 and reason in departure.get_json()["message"]
    assert (count(db_session, Shipment), count(db_session, TraceEvent)) == before
    assert (
        client.get(f"/api/v1/shipments/{planned['id']}", headers=headers).get_json()["status"]
        == "planned"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"destination_facility_id": 999999}, "destination_facility_id"),
        ({"origin_name": ""}, "origin_name"),
        ({"lines": []}, "lines"),
        ({"lines": [{"batch_id": 999999, "quantity": "1"}]}, "lines"),
        ({"lines": [{"batch_id": 1, "quantity": "0"}]}, "lines"),
        ({"departed_at": "2099-01-01T00:00:00+08:00"}, "departed_at"),
        ({"departed_at": "2025-09-25T08:00:00"}, "departed_at"),
        ({"pack_codes": ["x"]}, "pack_codes"),
    ],
)
def test_bad_shipment_names_the_field_and_writes_nothing(
    client, as_role, places, lot, db_session, change, field
):
    before = (
        count(db_session, Shipment),
        count(db_session, ShipmentLine),
        count(db_session, TraceEvent),
    )
    answer = client.post(
        "/api/v1/shipments",
        json=from_producer(lot, places["warehouse"], **change),
        headers=as_role("qc"),
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    after = (
        count(db_session, Shipment),
        count(db_session, ShipmentLine),
        count(db_session, TraceEvent),
    )
    assert after == before


def test_more_than_the_lot_cannot_leave_its_producer(client, as_role, places, lot):
    answer = client.post(
        "/api/v1/shipments",
        json=from_producer(
            lot,
            places["warehouse"],
            lines=[{"batch_id": lot.id, "quantity": "100.5"}],
            departed_at="2025-09-25T08:00:00+08:00",
        ),
        headers=as_role("qc"),
    )
    assert answer.status_code == 422 and "lines" in answer.get_json()["errors"]


def test_stock_is_what_arrived_minus_what_left(client, as_role, places, lot):
    headers = as_role("qc")
    warehouse, centre = places["warehouse"], places["centre"]

    def move(body, arrive=True):
        shipment = client.post("/api/v1/shipments", json=body, headers=headers)
        assert shipment.status_code == 201, shipment.get_json()
        if arrive:
            client.post(
                f"/api/v1/shipments/{shipment.get_json()['id']}/arrival",
                json={"arrived_at": "2025-09-26T18:00:00+08:00"},
                headers=headers,
            )

    move(from_producer(lot, warehouse, departed_at="2025-09-25T08:00:00+08:00"))
    stock = client.get(f"/api/v1/facilities/{warehouse.id}/stock", headers=headers).get_json()
    assert stock == [
        {
            "batch_id": lot.id,
            "lot": lot.lot,
            "product": lot.product.name,
            "unit": "kg",
            "quantity": "100.000",
        }
    ]
    move(
        {
            "origin_facility_id": warehouse.id,
            "destination_facility_id": centre.id,
            "lines": [{"batch_id": lot.id, "quantity": "30"}],
            "departed_at": "2025-09-26T08:00:00+08:00",
        },
        arrive=False,
    )
    held = client.get(f"/api/v1/facilities/{warehouse.id}/stock", headers=headers).get_json()
    assert held[0]["quantity"] == "70.000"
    # In transit: left the warehouse, not yet at the centre.
    assert client.get(f"/api/v1/facilities/{centre.id}/stock", headers=headers).get_json() == []
    too_much = client.post(
        "/api/v1/shipments",
        json={
            "origin_facility_id": warehouse.id,
            "destination_name": "昆明测试买家（示例）",
            "lines": [{"batch_id": lot.id, "quantity": "80"}],
            "departed_at": "2025-09-27T08:00:00+08:00",
        },
        headers=headers,
    )
    assert too_much.status_code == 422 and "70" in too_much.get_json()["errors"]["lines"][0]
    regulator = client.get(f"/api/v1/facilities/{warehouse.id}/stock", headers=as_role("regulator"))
    assert regulator.status_code == 200
    assert client.get("/api/v1/facilities/999999/stock", headers=headers).status_code == 404


@pytest.mark.parametrize("role", ["station", "regulator"])
def test_station_staff_and_regulator_do_not_ship(client, as_role, places, lot, role):
    answer = client.post(
        "/api/v1/shipments", json=from_producer(lot, places["warehouse"]), headers=as_role(role)
    )
    assert answer.status_code == 403


def test_shipments_are_listed_by_lot(client, as_role, places, lot):
    headers = as_role("qc")
    client.post("/api/v1/shipments", json=from_producer(lot, places["warehouse"]), headers=headers)
    listed = client.get(f"/api/v1/shipments?batch_id={lot.id}", headers=as_role("regulator"))
    items = listed.get_json()["items"]
    assert len(items) == 1 and items[0]["lines"][0]["lot"] == lot.lot
    assert items[0]["destination"] == "测试公共仓储中心"


# Cold chain ---------------------------------------------------------------------------------


def reading(place, value, **overrides):
    body = {
        "facility_id": place.id,
        "product_category": "walnut_kernel",
        "measured_at": "2025-11-03T20:00:00+08:00",
        "temperature_c": value,
    }
    body.update(overrides)
    return body


def test_a_reading_outside_the_limits_raises_an_alert(client, as_role, places, db_session):
    headers = as_role("qc")
    cold = places["cold_store"]
    fine = client.post("/api/v1/temperature-readings", json=reading(cold, "3.5"), headers=headers)
    assert fine.status_code == 201 and fine.get_json()["alert"] is None
    alerts_before = count(db_session, TemperatureAlert)

    warm = client.post("/api/v1/temperature-readings", json=reading(cold, "7.5"), headers=headers)
    assert warm.status_code == 201
    alert = warm.get_json()["alert"]
    assert alert is not None and alert["max_c"] == "5.0" and alert["is_open"] is True
    assert count(db_session, TemperatureAlert) == alerts_before + 1

    listed = client.get("/api/v1/temperature-alerts?is_open=true", headers=as_role("regulator"))
    assert any(a["id"] == alert["id"] for a in listed.get_json()["items"])
    assert listed.get_json()["items"][0]["reading"]["temperature_c"] == "7.5"

    # The dashboard shows the open alert to everyone, without sign-in.
    page = client.get("/program/dashboard").get_data(as_text=True)
    assert "测试冷库" in page and "7.5" in page

    acknowledged = client.post(
        f"/api/v1/temperature-alerts/{alert['id']}/acknowledgement",
        json={"note": "门未关严，已关门复测"},
        headers=headers,
    )
    assert acknowledged.status_code == 200 and acknowledged.get_json()["is_open"] is False
    again = client.post(
        f"/api/v1/temperature-alerts/{alert['id']}/acknowledgement", json={}, headers=headers
    )
    assert again.status_code == 409
    open_now = client.get("/api/v1/temperature-alerts?is_open=true", headers=headers).get_json()
    assert all(a["id"] != alert["id"] for a in open_now["items"])


def test_limits_are_data_that_qc_may_change(client, as_role, places):
    headers = as_role("qc")
    limits = client.get("/api/v1/temperature-limits", headers=headers).get_json()
    assert {lim["product_category"] for lim in limits} >= {"walnut_kernel", "honey"}
    changed = client.put(
        "/api/v1/temperature-limits/walnut_kernel",
        json={"min_c": "0", "max_c": "8", "note": "复核后放宽（测试）"},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.get_json()["max_c"] == "8.0"
    warm = client.post(
        "/api/v1/temperature-readings", json=reading(places["cold_store"], "7.5"), headers=headers
    )
    assert warm.get_json()["alert"] is None
    upside_down = client.put(
        "/api/v1/temperature-limits/honey", json={"min_c": "9", "max_c": "2"}, headers=headers
    )
    assert upside_down.status_code == 422 and "max_c" in upside_down.get_json()["errors"]
    unknown = client.put(
        "/api/v1/temperature-limits/tea", json={"min_c": "0", "max_c": "2"}, headers=headers
    )
    assert unknown.status_code == 404
    station = client.put(
        "/api/v1/temperature-limits/honey",
        json={"min_c": "0", "max_c": "30"},
        headers=as_role("station"),
    )
    assert station.status_code == 403


def test_vehicle_readings_and_where_is_required(client, as_role, db_session):
    headers = as_role("qc")
    before = count(db_session, TemperatureReading)
    nowhere = client.post(
        "/api/v1/temperature-readings",
        json={
            "product_category": "honey",
            "measured_at": "2025-09-02T12:00:00+08:00",
            "temperature_c": "30",
        },
        headers=headers,
    )
    assert nowhere.status_code == 422
    assert {"facility_id", "vehicle"} <= set(nowhere.get_json()["errors"])
    assert count(db_session, TemperatureReading) == before
    hot_truck = client.post(
        "/api/v1/temperature-readings",
        json={
            "vehicle": "云E·T2217",
            "product_category": "honey",
            "measured_at": "2025-09-02T12:00:00+08:00",
            "temperature_c": "31.0",
        },
        headers=headers,
    )
    assert hot_truck.status_code == 201 and hot_truck.get_json()["alert"]["max_c"] == "25.0"
    listed = client.get("/api/v1/temperature-readings?vehicle=云E·T2217", headers=headers)
    assert listed.get_json()["total"] == 1


def test_readings_are_append_only(client, as_role, places, db_session):
    client.post(
        "/api/v1/temperature-readings",
        json=reading(places["cold_store"], "3"),
        headers=as_role("qc"),
    )
    row = db_session.scalars(select(TemperatureReading)).first()
    row.temperature_c = 1
    with pytest.raises(AppendOnlyError):
        db_session.flush()


@pytest.mark.parametrize("role", ["station", "regulator"])
def test_only_qc_and_admin_record_temperatures(client, as_role, places, role):
    answer = client.post(
        "/api/v1/temperature-readings",
        json=reading(places["cold_store"], "3"),
        headers=as_role(role),
    )
    assert answer.status_code == 403


def test_logistics_page_lists_facilities_with_sizes(client, places):
    html = client.get("/program/logistics").get_data(as_text=True)
    assert "测试公共仓储中心" in html and "1,200 m²" in html and "320 m³" in html


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/temperature-readings?facility_id=99999999999999999999", "facility_id"),
        ("/api/v1/temperature-readings?measured_from=0001-01-01T00:00:00%2B14:00", "measured_from"),
        ("/api/v1/temperature-readings?measured_to=9999-12-31T23:59:59-12:00", "measured_to"),
        ("/api/v1/shipments?batch_id=-4", "batch_id"),
    ],
)
def test_values_beyond_the_database_are_refused_not_a_crash(client, as_role, url, field):
    answer = client.get(url, headers=as_role("regulator"))
    assert answer.status_code == 422 and field in answer.get_json()["errors"]


def test_readings_on_a_shipment_belong_to_the_lots_cold_chain(
    client, as_role, places, lot, db_session
):
    headers = as_role("qc")
    body = from_producer(lot, places["cold_store"], departed_at="2025-09-25T08:00:00+08:00")
    shipment = client.post("/api/v1/shipments", json=body, headers=headers).get_json()
    taken = client.post(
        "/api/v1/temperature-readings",
        json={
            "shipment_id": shipment["id"],
            "product_category": "walnut_in_shell",
            "measured_at": "2025-09-25T09:00:00+08:00",
            "temperature_c": "6.5",
        },
        headers=headers,
    )
    assert taken.status_code == 201 and taken.get_json()["vehicle"] == "云E·T0001"
    readings = logistics.cold_chain_of_batch(db_session, lot.id)
    assert [str(r.temperature_c) for r in readings] == ["6.5"]
    assert logistics.cold_chain_of_batch(db_session, lot.id + 1000) == []


def test_admin_updates_a_facility_and_the_dashboard_follows(client, as_role, places, db_session):
    headers = as_role("admin")
    warehouse = places["warehouse"]
    before = {
        row["code"]: row for row in client.get("/api/v1/dashboard", headers=headers).get_json()
    }["public_warehouse"]
    grown = client.patch(
        f"/api/v1/facilities/{warehouse.id}", json={"floor_area_m2": "1500"}, headers=headers
    )
    assert grown.status_code == 200 and grown.get_json()["floor_area_m2"] == "1500.00"
    after = {
        row["code"]: row for row in client.get("/api/v1/dashboard", headers=headers).get_json()
    }["public_warehouse"]
    assert Decimal(after["current"]) == Decimal(before["current"]) + 300
    to_cold = client.patch(
        f"/api/v1/facilities/{warehouse.id}", json={"kind": "cold_store"}, headers=headers
    )
    assert to_cold.status_code == 422 and "volume_m3" in to_cold.get_json()["errors"]
    assert client.patch("/api/v1/facilities/999999", json={}, headers=headers).status_code == 404
    qc = client.patch(
        f"/api/v1/facilities/{warehouse.id}", json={"is_active": False}, headers=as_role("qc")
    )
    assert qc.status_code == 403
