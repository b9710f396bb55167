"""Station services (issue 19 part 4): recorded in a few taps with defaults, monthly figures per
station and township moving on the dashboard, villagers never public, parcel volumes per
facility."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import JINBI, SANTAI
from tests.staff.helpers import csrf_from, field_error, sign_in, submit, text
from trace import clock
from trace.errors import PermissionDeniedError, ValidationError
from trace.models.station_activity import ServiceRecord
from trace.services import station_services
from trace.services.logistics import parcels

MIDDAY = dt.datetime(2026, 12, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 on 15 December in Dayao


@pytest.fixture()
def noon():
    with clock.pinned(MIDDAY):
        yield dt.date(2026, 12, 15)


def _monthly(client, headers, month="2026-12"):
    answer = client.get(f"/api/v1/station-services/monthly?month={month}", headers=headers)
    assert answer.status_code == 200
    return answer.get_json()


def test_a_station_records_a_service_with_only_its_kind_and_count(
    client, db_session, network, as_role, noon
):
    headers = as_role("station", SANTAI)
    answer = client.post(
        "/api/v1/station-services", json={"kind": "parcel_in", "parcels": 3}, headers=headers
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["station_id"] == network["santai"].id  # the township station, by default
    assert body["served_on"] == "2026-12-15"  # today in Dayao
    assert body["parcels"] == 3 and body["amount_fen"] is None


def test_monthly_figures_per_station_and_township_move(
    client, db_session, network, as_role, make_user, noon
):
    reader = as_role("regulator")
    before = _monthly(client, reader)
    santai = next(t for t in before["townships"] if t["key"] == SANTAI)
    assert santai["services"] == 0 and before["stations"] == []
    staff = make_user("station", SANTAI)
    station_services.record_service(
        db_session, staff, kind="purchase_sale", amount=Decimal("58.50"), villager="罗桂芬"
    )
    station_services.record_service(
        db_session, staff, kind="produce_order", amount=Decimal("120"), parcels=2,
        station_id=network["village"].id,
    )  # fmt: skip
    station_services.record_service(
        db_session, staff, kind="parcel_in", parcels=5, served_on=dt.date(2026, 11, 30)
    )  # another month
    after = _monthly(client, reader)
    santai = next(t for t in after["townships"] if t["key"] == SANTAI)
    assert santai["services"] == 2 and santai["amount_fen"] == 17850
    assert santai["counts"]["purchase_sale"] == 1 and santai["parcels_out"] == 2
    by_station = {s["name"]: s for s in after["stations"]}
    assert by_station["测试甲村服务点（示例）"]["parcels_out"] == 2
    assert next(t for t in after["townships"] if t["key"] == JINBI)["services"] == 0
    html = text(client.get("/program/dashboard?services_month=2026-12"))
    section = html[html.index('id="station-services"') :]
    assert "三台乡测试服务站（示例）" in section and "178.50" in section
    assert "罗桂芬" not in html and "罗*芬" not in html  # counts only, never a villager
    november = text(client.get("/program/dashboard?services_month=2026-11"))
    assert "2026年11月" in november


def test_a_villager_is_a_name_never_an_id_number(db_session, network, make_user, noon):
    staff = make_user("station", SANTAI)
    for wrong in ("532326199001011234", "罗桂芬 53232619900101123X", "532326900101123"):
        with pytest.raises(ValidationError) as caught:
            station_services.record_service(
                db_session, staff, kind="bill_payment", amount=Decimal(30), villager=wrong
            )
        assert caught.value.errors["villager"][0].code == "station_service.villager_id_number"


def test_what_each_kind_needs_and_whose_station_it_is(db_session, network, make_user, noon):
    staff = make_user("station", SANTAI)
    cases = (
        ({"kind": "purchase_sale"}, "amount", "station_service.amount_required"),
        ({"kind": "parcel_out"}, "parcels", "station_service.parcels_required"),
        ({"kind": "parcel_in", "parcels": 10_001}, "parcels", "station_service.parcels_too_many"),
        ({"kind": "parcel_in", "parcels": 1, "station_id": 987654}, "station_id",
         "station_service.no_station"),
        ({"kind": "parcel_in", "parcels": 1, "served_on": dt.date(2026, 12, 16)}, "served_on",
         None),
    )  # fmt: skip
    for data, field, code in cases:
        with pytest.raises(ValidationError) as caught:
            station_services.record_service(db_session, staff, **data)
        assert field in caught.value.errors
        if code:
            assert caught.value.errors[field][0].code == code
    with pytest.raises(PermissionDeniedError):
        station_services.record_service(
            db_session, staff, kind="parcel_in", parcels=1, station_id=network["jinbi"].id
        )
    lonely = make_user("station", "532326102")  # a township with no station yet
    with pytest.raises(ValidationError) as caught:
        station_services.record_service(db_session, lonely, kind="parcel_in", parcels=1)
    assert caught.value.errors["station_id"][0].code == "station_service.no_station_here"


def test_the_phone_page_records_in_a_few_taps(client, db_session, network, make_user, noon):
    staff = make_user("station", SANTAI)
    sign_in(client, staff)
    page = client.get("/staff/program/services")
    html = text(page)
    assert page.status_code == 200
    assert 'name="served_on" type="date" value="2026-12-15"' in html
    assert f'<option value="{network["santai"].id}" selected>' in html  # two stations here
    assert 'href="/staff/program/services"' in text(client.get("/staff/"))  # the menu entry
    before = db_session.scalar(select(func.count(ServiceRecord.id)))
    done = submit(
        client,
        "/staff/program/services",
        {
            "kind": "parcel_out",
            "parcels": "4",
            "station_id": str(network["santai"].id),
            "served_on": "2026-12-15",
        },
    )
    assert done.status_code == 303
    assert db_session.scalar(select(func.count(ServiceRecord.id))) == before + 1
    listed = text(client.get("/staff/program/services"))
    assert "已登记：快递代发" in listed and "4 件" in listed
    refused = client.post(
        "/staff/program/services",
        data={"kind": "bill_payment", "villager": "532326199001011234",
              "csrf_token": csrf_from(client.get("/staff/program/services"))},
    )  # fmt: skip
    assert refused.status_code == 422
    assert field_error(text(refused), "villager") == "请只填写姓名，不要填写身份证号"
    english = text(client.get("/staff/program/services?lang=en"))
    body = english[english.index('class="card service-page"') :]
    assert "Record station services" in body
    assert not re.search(
        r"[\u4e00-\u9fff]",
        body.replace("三台乡测试服务站（示例）", "").replace("测试甲村服务点（示例）", ""),
    )


def test_parcel_volumes_in_and_out_per_facility(db_session, network, admin, make_user, noon):
    staff = make_user("station", SANTAI)
    village = network["village"].id
    station_services.record_service(
        db_session, staff, kind="parcel_in", parcels=7, station_id=village
    )
    station_services.record_service(
        db_session, staff, kind="parcel_out", parcels=2, station_id=village
    )
    station_services.record_service(db_session, staff, kind="parcel_in", parcels=9)  # no point
    centre = network["centre"]
    parcels.record_parcel_count(
        db_session, admin, facility_id=centre.id, counted_on=noon, direction="in", parcels=300
    )
    parcels.record_parcel_count(
        db_session, admin, facility_id=centre.id, counted_on=noon, direction="in", parcels=20
    )
    parcels.record_parcel_count(
        db_session, admin, facility_id=centre.id, counted_on=noon, direction="out", parcels=250
    )
    volumes = {v.facility.id: v for v in parcels.volumes_by_facility(db_session, noon, noon)}
    assert (volumes[centre.id].parcels_in, volumes[centre.id].parcels_out) == (320, 250)
    point = volumes[network["point"].id]
    assert (point.parcels_in, point.parcels_out) == (7, 2)
    with pytest.raises(ValidationError) as caught:
        parcels.record_parcel_count(
            db_session, admin, facility_id=network["point"].id, counted_on=noon,
            direction="in", parcels=1,
        )  # fmt: skip
    assert caught.value.errors["facility_id"][0].code == "parcels.station_point"
    yesterday = noon - dt.timedelta(days=1)
    assert all(
        not (v.parcels_in or v.parcels_out)
        for v in parcels.volumes_by_facility(db_session, yesterday, yesterday)
    )
