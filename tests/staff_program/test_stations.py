"""Station forms: add and edit, the one-funded-station-per-village rule beside the village."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import SANTAI
from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from trace.models.stations import Station, StationService


def _stations(db_session) -> int:
    return db_session.scalar(select(func.count(Station.id)))


def _station(name: str, village: str = "测试甲村", **extra: str | list[str]) -> dict:
    data = {
        "name": name,
        "tier": "village",
        "township_code": SANTAI,
        "village": village,
        "operator": "李示例",
        "opened_on": "2025-03-01",
        "floor_area_m2": "45",
        "services": ["parcels", "phone_top_up"],
        "is_funded": "1",
    }
    data.update(extra)
    return data


def test_admin_adds_a_station_with_services(client, db_session, admin, villages):
    sign_in(client, admin)
    before = _stations(db_session)
    response = submit(client, "/staff/program/stations/new", _station("测试甲村服务点（示例）"))
    assert response.status_code == 303
    assert _stations(db_session) == before + 1
    station = db_session.scalar(select(Station).where(Station.name == "测试甲村服务点（示例）"))
    assert set(station.services) == {StationService.PARCELS, StationService.PHONE_TOP_UP}
    assert station.is_funded and station.village.name_zh == "测试甲村"
    listing = text(client.get("/staff/program/stations"))
    assert "测试甲村服务点（示例）" in listing


def test_second_funded_station_in_a_village_is_refused_beside_the_village(
    client, db_session, admin, villages
):
    sign_in(client, admin)
    submit(client, "/staff/program/stations/new", _station("测试甲村服务点（示例）"))
    before = _stations(db_session)
    response = submit(client, "/staff/program/stations/new", _station("测试甲村第二点（示例）"))
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "village") == "测试甲村已有一个获资助的服务点，每村只资助一个"
    assert field_value(html, "name") == "测试甲村第二点（示例）"
    assert 'value="parcels" checked' in html and 'value="bill_payment" checked' not in html
    assert _stations(db_session) == before
    # Unfunded, the same village may have a second point.
    ok = submit(
        client,
        "/staff/program/stations/new",
        {k: v for k, v in _station("测试甲村第二点（示例）").items() if k != "is_funded"},
    )
    assert ok.status_code == 303 and _stations(db_session) == before + 1


def test_missing_fields_are_named_and_nothing_is_written(client, db_session, admin, villages):
    sign_in(client, admin)
    before = _stations(db_session)
    response = submit(client, "/staff/program/stations/new", {"tier": "village"})
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "name") == "必填"
    assert field_error(html, "township_code") == "必填"
    assert _stations(db_session) == before


def test_admin_edits_a_station(client, db_session, admin, villages):
    sign_in(client, admin)
    submit(client, "/staff/program/stations/new", _station("测试乙村服务点（示例）", "测试乙村"))
    station = db_session.scalar(select(Station).where(Station.name == "测试乙村服务点（示例）"))
    url = f"/staff/program/stations/{station.id}/edit"
    form = text(client.get(url))
    assert field_value(form, "operator") == "李示例"
    assert (
        'value="parcels" checked' in form
        and 'name="is_funded" type="checkbox" value="1" checked' in form
    )
    edited = _station(
        "测试乙村服务点（示例）", "测试乙村", operator="王示例", services=["outreach"]
    )
    del edited["is_funded"]  # the box left unticked
    response = submit(client, url, edited)
    assert response.status_code == 303
    db_session.expire_all()
    station = db_session.get(Station, station.id)
    assert station.operator == "王示例" and station.services == [StationService.OUTREACH]
    assert not station.is_funded


@pytest.mark.parametrize("role", ["station", "qc", "regulator"])
def test_other_roles_may_not_manage_stations(client, db_session, make_user, role):
    sign_in(client, make_user(role))
    listing = client.get("/staff/program/stations")
    assert listing.status_code == 200 and "新增站点" not in text(listing)
    assert client.get("/staff/program/stations/new").status_code == 403
    before = _stations(db_session)
    refused = client.post(
        "/staff/program/stations/new",
        data={**_station("越权站点（示例）"), "csrf_token": csrf_from(listing)},
    )
    assert refused.status_code == 403 and _stations(db_session) == before
