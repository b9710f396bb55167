"""Facility and shipment forms: a shipment made, departed and arrived appears on the lot."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import JINBI
from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from trace.models.events import TraceEvent
from trace.models.logistics import Facility, Shipment, ShipmentStatus


def _count(db_session, column) -> int:
    return db_session.scalar(select(func.count(column)))


def test_admin_adds_a_cold_store(client, db_session, admin):
    sign_in(client, admin)
    before = _count(db_session, Facility.id)
    response = submit(
        client,
        "/staff/program/facilities/new",
        {"name": "示例冷库", "kind": "cold_store", "township_code": JINBI, "volume_m3": "320"},
    )
    assert response.status_code == 303
    assert _count(db_session, Facility.id) == before + 1
    listing = text(client.get("/staff/program/facilities"))
    assert "示例冷库" in listing and "320" in listing


def test_bad_facility_is_refused_beside_its_field(client, db_session, admin):
    sign_in(client, admin)
    before = _count(db_session, Facility.id)
    response = submit(
        client,
        "/staff/program/facilities/new",
        {
            "name": "示例仓库",
            "kind": "public_warehouse",
            "township_code": JINBI,
            "floor_area_m2": "-5",
        },
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "floor_area_m2") == "须大于 0"
    assert field_value(html, "name") == "示例仓库"
    assert _count(db_session, Facility.id) == before


@pytest.mark.parametrize("role", ["qc", "station", "regulator"])
def test_only_admin_adds_facilities(client, db_session, make_user, role):
    sign_in(client, make_user(role))
    listing = client.get("/staff/program/facilities")
    assert listing.status_code == 200
    before = _count(db_session, Facility.id)
    refused = client.post(
        "/staff/program/facilities/new",
        data={
            "name": "越权",
            "kind": "cold_store",
            "township_code": JINBI,
            "volume_m3": "5",
            "csrf_token": csrf_from(listing),
        },
    )
    assert refused.status_code == 403 and _count(db_session, Facility.id) == before


def _events(db_session, batch_id: int) -> list[str]:
    rows = db_session.scalars(
        select(TraceEvent.event_type).where(TraceEvent.batch_id == batch_id).order_by(TraceEvent.id)
    )
    return [getattr(r, "value", r) for r in rows]


def test_shipment_created_departed_and_arrived_shows_on_the_lot(
    client, db_session, make_user, places, lot
):
    qc = make_user("qc")
    sign_in(client, qc)
    before = _count(db_session, Shipment.id)
    response = submit(
        client,
        "/staff/program/shipments/new",
        {
            "origin_name": "三台乡示例合作社",
            "destination_facility_id": str(places["centre"].id),
            "carrier": "示例物流",
            "vehicle": "云E12345",
            "lot_0": lot.lot.lower(),  # typed in lower case on a phone
            "quantity_0": "60",
        },
    )
    assert response.status_code == 303
    assert _count(db_session, Shipment.id) == before + 1
    shipment = db_session.scalar(select(Shipment).order_by(Shipment.id.desc()))
    assert shipment.status is ShipmentStatus.PLANNED and shipment.lines[0].quantity == 60

    listing = client.get("/staff/program/shipments")
    assert shipment.reference in text(listing)
    departed = client.post(
        f"/staff/program/shipments/{shipment.id}/depart",
        data={"csrf_token": csrf_from(listing)},
    )
    assert departed.status_code == 303
    listing = client.get("/staff/program/shipments")
    assert "已发运" in text(listing)
    arrived = client.post(
        f"/staff/program/shipments/{shipment.id}/arrive",
        data={"csrf_token": csrf_from(listing)},
    )
    assert arrived.status_code == 303
    db_session.expire_all()
    assert db_session.get(Shipment, shipment.id).status is ShipmentStatus.DELIVERED
    events = _events(db_session, lot.id)
    assert events[-2:] == ["shipping", "receiving"]
    # The lot's staff page shows both.
    page = text(client.get(f"/staff/batches/{lot.id}"))
    assert "示例物流配送中心" in page or "测试物流配送中心" in page

    # Arriving twice is refused with a message, and writes nothing more.
    again = client.post(
        f"/staff/program/shipments/{shipment.id}/arrive",
        data={"csrf_token": csrf_from(client.get("/staff/program/shipments"))},
    )
    assert again.status_code == 303
    assert _events(db_session, lot.id) == events


def test_bad_shipment_rows_are_named_and_nothing_is_written(
    client, db_session, make_user, places, lot
):
    sign_in(client, make_user("qc"))
    before = _count(db_session, Shipment.id)
    response = submit(
        client,
        "/staff/program/shipments/new",
        {
            "destination_facility_id": str(places["centre"].id),
            "lot_0": "NOSUCHLOT",
            "quantity_0": "5",
            "lot_1": lot.lot,
            "quantity_1": "abc",
        },
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "lot_0") == "没有这个批号"
    assert field_error(html, "quantity_1") == "请输入数字"
    assert field_value(html, "lot_1") == lot.lot
    assert _count(db_session, Shipment.id) == before
    # No origin at all: said beside the origin fields.
    response = submit(
        client,
        "/staff/program/shipments/new",
        {"destination_facility_id": str(places["centre"].id), "lot_0": lot.lot, "quantity_0": "5"},
    )
    assert response.status_code == 422
    assert field_error(text(response), "origin_name") == "请选择场所或填写外部单位"
    assert _count(db_session, Shipment.id) == before


@pytest.mark.parametrize("role", ["station", "regulator"])
def test_station_and_regulator_may_not_ship(client, db_session, make_user, places, lot, role):
    sign_in(client, make_user(role))
    listing = client.get("/staff/program/shipments")
    assert listing.status_code == 200 and "新建发运单" not in text(listing)
    before = _count(db_session, Shipment.id)
    refused = client.post(
        "/staff/program/shipments/new",
        data={
            "origin_name": "外部",
            "destination_facility_id": str(places["centre"].id),
            "lot_0": lot.lot,
            "quantity_0": "1",
            "csrf_token": csrf_from(listing),
        },
    )
    assert refused.status_code == 403 and _count(db_session, Shipment.id) == before
