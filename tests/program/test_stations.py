"""Service stations through the API: validation, the one-funded-station rule, roles, coverage."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.conftest import JINBI, SANTAI
from tests.program.conftest import count
from trace.models.audit import AuditEntry
from trace.models.stations import Station, StationServiceOffer, StationTier

URL = "/api/v1/stations"


def village_station(**overrides):
    body = {
        "name": "测试甲村电子商务服务点",
        "tier": "village",
        "township_code": SANTAI,
        "village": "测试甲村",
        "operator": "测试运营户（示例）",
        "opened_on": "2025-03-01",
        "floor_area_m2": "24.5",
        "services": ["parcels", "online_purchasing", "consignment_sales"],
        "is_funded": True,
    }
    body.update(overrides)
    return body


def test_admin_registers_a_village_station_with_its_services(client, as_role, villages, db_session):
    audits = count(db_session, AuditEntry)
    answer = client.post(URL, json=village_station(), headers=as_role("admin"))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["village"] == "测试甲村" and body["village_id"] == villages["测试甲村"].id
    assert body["tier"] == "village" and body["is_funded"] is True
    assert body["floor_area_m2"] == "24.50"
    assert sorted(body["services"]) == ["consignment_sales", "online_purchasing", "parcels"]
    assert count(db_session, AuditEntry) > audits
    again = client.get(f"{URL}/{body['id']}", headers=as_role("regulator")).get_json()
    assert again["name"] == "测试甲村电子商务服务点"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("village", ""),  # a village station names its village
        ("village", "没有这个村"),
        ("tier", "city"),
        ("township_code", "532326999"),
        ("services", ["massage"]),
        ("floor_area_m2", "-3"),
        ("opened_on", "2025-13-01"),
        ("name", ""),
    ],
)
def test_bad_field_is_named_and_nothing_written(
    client, as_role, villages, db_session, field, value
):
    before = (count(db_session, Station), count(db_session, StationServiceOffer))
    answer = client.post(URL, json=village_station(**{field: value}), headers=as_role("admin"))
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert (count(db_session, Station), count(db_session, StationServiceOffer)) == before


def test_township_station_names_no_village(client, as_role, villages):
    answer = client.post(
        URL,
        json=village_station(tier="township", name="三台乡服务站（测试）"),
        headers=as_role("admin"),
    )
    assert answer.status_code == 422 and "village" in answer.get_json()["errors"]
    ok = client.post(
        URL,
        json=village_station(tier="township", name="三台乡服务站（测试）", village=""),
        headers=as_role("admin"),
    )
    assert ok.status_code == 201 and ok.get_json()["village"] == ""


def test_unknown_field_is_refused(client, as_role, villages):
    answer = client.post(URL, json=village_station(id_number="x"), headers=as_role("admin"))
    assert answer.status_code == 422 and "id_number" in answer.get_json()["errors"]


def test_second_funded_station_in_a_village_is_a_conflict_naming_village(
    client, as_role, villages, db_session
):
    headers = as_role("admin")
    assert client.post(URL, json=village_station(), headers=headers).status_code == 201
    before = count(db_session, Station)
    second = client.post(URL, json=village_station(name="测试甲村第二服务点"), headers=headers)
    assert second.status_code == 409
    body = second.get_json()
    assert "village" in body["errors"] and "测试甲村" in body["message"]
    assert count(db_session, Station) == before
    # An unfunded point (a shop's own parcel counter) in the same village is fine.
    unfunded = client.post(
        URL, json=village_station(name="测试甲村快递点", is_funded=False), headers=headers
    )
    assert unfunded.status_code == 201
    # ...but it cannot become funded while the first one is.
    promote = client.patch(
        f"{URL}/{unfunded.get_json()['id']}", json={"is_funded": True}, headers=headers
    )
    assert promote.status_code == 409 and "village" in promote.get_json()["errors"]


def test_the_database_itself_refuses_two_funded_stations_in_a_village(db_session, villages):
    village = villages["测试乙村"]
    db_session.add(
        Station(
            name="直写一",
            tier=StationTier.VILLAGE,
            township_code=SANTAI,
            village_id=village.id,
            is_funded=True,
        )
    )
    db_session.flush()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(
            Station(
                name="直写二",
                tier=StationTier.VILLAGE,
                township_code=SANTAI,
                village_id=village.id,
                is_funded=True,
            )
        )
        db_session.flush()


def test_duplicate_name_is_a_conflict(client, as_role, villages):
    headers = as_role("admin")
    client.post(URL, json=village_station(), headers=headers)
    again = client.post(URL, json=village_station(village="测试乙村"), headers=headers)
    assert again.status_code == 409 and "name" in again.get_json()["errors"]


@pytest.mark.parametrize("role", ["qc", "station", "regulator"])
def test_only_admin_manages_stations(client, as_role, villages, db_session, role):
    before = count(db_session, Station)
    answer = client.post(URL, json=village_station(), headers=as_role(role))
    assert answer.status_code == 403
    assert count(db_session, Station) == before


def test_anonymous_gets_401_and_regulator_reads(client, as_role, villages):
    client.post(URL, json=village_station(), headers=as_role("admin"))
    assert client.get(URL).status_code == 401
    listed = client.get(f"{URL}?tier=village", headers=as_role("regulator")).get_json()
    assert listed["total"] >= 1
    assert all(item["tier"] == "village" for item in listed["items"])
    by_service = client.get(f"{URL}?service=bill_payment", headers=as_role("regulator"))
    assert all("bill_payment" in s["services"] for s in by_service.get_json()["items"])


def test_update_replaces_services_and_moves_the_village(client, as_role, villages, db_session):
    headers = as_role("admin")
    station = client.post(URL, json=village_station(), headers=headers).get_json()
    changed = client.patch(
        f"{URL}/{station['id']}",
        json={"services": ["phone_top_up", "parcels"], "village": "测试丙村"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert sorted(body["services"]) == ["parcels", "phone_top_up"]
    assert body["village"] == "测试丙村"
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "station.update")
    ).first()
    assert entry is not None and entry.before["village_id"] == villages["测试甲村"].id
    missing = client.patch(f"{URL}/999999", json={"operator": "x"}, headers=headers)
    assert missing.status_code == 404


def test_coverage_counts_administrative_villages_with_a_village_station(client, as_role, villages):
    headers = as_role("admin")
    client.post(URL, json=village_station(), headers=headers)
    client.post(URL, json=village_station(name="乙村点", village="测试乙村"), headers=headers)
    # A second (unfunded) station in a covered village does not count twice.
    client.post(
        URL,
        json=village_station(name="乙村快递点", village="测试乙村", is_funded=False),
        headers=headers,
    )
    # A station in a natural village covers no administrative village.
    client.post(URL, json=village_station(name="自然村点", village="测试自然村"), headers=headers)
    report = client.get(f"{URL}/coverage", headers=as_role("regulator")).get_json()
    santai = next(r for r in report["townships"] if r["township_code"] == SANTAI)
    assert santai["administrative_villages"] == 4 and santai["covered_villages"] == 2
    assert santai["pct"] == "50.0"
    jinbi = next(r for r in report["townships"] if r["township_code"] == JINBI)
    assert jinbi["covered_villages"] == 0 and jinbi["pct"] == "0.0"
    assert report["county"]["administrative_villages"] == 6
    assert report["county"]["covered_villages"] == 2
    assert report["target_pct"] == "50.00"
    assert len(report["townships"]) == 12


def test_public_stations_page_shows_coverage_and_no_operator(client, as_role, villages):
    client.post(URL, json=village_station(), headers=as_role("admin"))
    page = client.get("/program/stations")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "测试甲村电子商务服务点" in html and "快递代收代发" in html
    assert "测试运营户" not in html  # operators can be people: not on public pages
    assert "<svg" in html and "<title" in html
    english = client.get("/program/stations?lang=en").get_data(as_text=True)
    assert "Village coverage by township" in english and "Parcel pick-up and dispatch" in english
