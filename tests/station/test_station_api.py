"""Station work through the API and the services, on SQLite and PostgreSQL: quantities in 斤 kept
as typed and converted once (label capacity, EPCIS), typed units understood or refused with a
code, possible duplicate producers answered 409 until confirmed, measured values on events
checked and part of the hashed chain."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import JINBI, SANTAI
from trace.models.batches import Batch, Unit
from trace.models.events import TraceEvent
from trace.models.producers import Producer
from trace.services.events import event_digest
from trace.services.producers import PossibleDuplicateError, create_producer
from trace.services.verify import verify_chains


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def refs(db_session, make_user):
    admin = make_user("admin")
    return {
        "product_id": factories.product(db_session, admin).id,
        "producer_id": factories.producer(db_session, admin).id,
    }


def _harvest(refs, **overrides):
    body = {
        **refs,
        "harvested_on": "2025-09-15",
        "quantity": "320",
        "unit": "kg",
        "township_code": SANTAI,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


# -- 斤 -------------------------------------------------------------------------------------------


def test_a_harvest_in_jin_is_kept_as_typed(client, as_role, refs, db_session):
    answer = client.post(
        "/api/v1/batches",
        json=_harvest(refs, quantity="320斤", unit=None),
        headers=as_role("station"),
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert Decimal(body["quantity"]) == 320 and body["unit"] == "jin"
    batch = db_session.get(Batch, body["id"])
    assert batch.unit is Unit.JIN and batch.quantity == Decimal(320)
    harvest = db_session.scalars(select(TraceEvent).where(TraceEvent.batch_id == batch.id)).one()
    assert harvest.details == {"quantity": "320.000", "unit": "jin"}


@pytest.mark.parametrize(
    ("quantity", "unit", "status"),
    [("320 斤", "jin", 201), ("1.5公斤", "kg", 201), ("320jin", None, 201), ("320", "jin", 201)],
)
def test_typed_units_agree_with_the_unit_field(client, as_role, refs, quantity, unit, status):
    answer = client.post(
        "/api/v1/batches",
        json=_harvest(refs, quantity=quantity, unit=unit),
        headers=as_role("station"),
    )
    assert answer.status_code == status, answer.get_json()


@pytest.mark.parametrize(
    ("quantity", "unit", "code", "english"),
    [
        ("三百二十斤", None, "quantity.not_a_number", "digits"),
        ("320两", "kg", "quantity.unknown_unit", "两"),
        ("320斤", "kg", "quantity.unit_conflict", "differs"),
    ],
)
def test_unreadable_quantities_are_refused_with_a_code(
    client, as_role, refs, db_session, quantity, unit, code, english
):
    before = _count(db_session, Batch)
    headers = as_role("station")
    answer = client.post(
        "/api/v1/batches", json=_harvest(refs, quantity=quantity, unit=unit), headers=headers
    )
    assert answer.status_code == 422
    body = answer.get_json()
    assert [c["code"] for c in body["error_codes"]["quantity"]] == [code]
    assert "数量" in body["errors"]["quantity"][0]  # the hint names the field
    english_answer = client.post(
        "/api/v1/batches",
        json=_harvest(refs, quantity=quantity, unit=unit),
        headers={**headers, "Accept-Language": "en"},
    )
    assert english in english_answer.get_json()["errors"]["quantity"][0]
    assert _count(db_session, Batch) == before


def test_label_capacity_counts_jin_as_half_kilograms(client, as_role, db_session, make_user):
    admin = make_user("admin")
    # 100 斤 = 50 kg: room for 100 packs of 500 g, not 200.
    batch = factories.batch(db_session, admin, quantity=Decimal("100"), unit="jin")
    factories.passed_inspection(db_session, admin, batch)
    headers = as_role("qc")
    url = f"/api/v1/batches/{batch.id}/label-runs"
    refused = client.post(url, json={"count": 101}, headers=headers)
    assert refused.status_code == 422
    body = refused.get_json()
    assert (
        body["errors"]["count"][0] == "此批次最多还能生成 100 个码（批次剩余 100 斤，作废的码不计）"
    )
    assert body["error_codes"]["count"][0]["params"]["unit"] == "jin"
    assert client.post(url, json={"count": 100}, headers=headers).status_code == 201


def test_epcis_exports_jin_in_kilograms(client, as_role, db_session, make_user):
    admin = make_user("admin")
    batch = factories.batch(db_session, admin, quantity=Decimal("320"), unit="jin")
    document = client.get(f"/api/v1/batches/{batch.id}/epcis", headers=as_role("qc")).get_json()
    quantities = [q for e in document["epcisBody"]["eventList"] for q in e.get("quantityList", [])]
    assert quantities and all(q["uom"] == "KGM" for q in quantities)
    assert quantities[0]["quantity"] == 160.0


# -- possible duplicates ----------------------------------------------------------------------


def _farmer(**overrides):
    body = {
        "name": "张秀英（示例）",
        "kind": "farmer",
        "township_code": SANTAI,
        "village": "大箐村",
        "phone": "13987800123",
    }
    body.update(overrides)
    return body


def test_a_second_farmer_with_the_same_name_and_village_is_warned(client, as_role, db_session):
    headers = as_role("station")
    first = client.post("/api/v1/producers", json=_farmer(), headers=headers)
    assert first.status_code == 201
    before = _count(db_session, Producer)
    again = client.post("/api/v1/producers", json=_farmer(phone=""), headers=headers)
    assert again.status_code == 409
    body = again.get_json()
    assert body["message_code"] == "producer.possible_duplicate"
    assert body["error_codes"]["name"][0]["params"]["ids"] == [first.get_json()["id"]]
    assert "可能已登记过" in body["errors"]["name"][0]
    assert _count(db_session, Producer) == before  # nothing written
    confirmed = client.post(
        "/api/v1/producers", json=_farmer(phone="", confirm_duplicate=True), headers=headers
    )
    assert confirmed.status_code == 201, confirmed.get_json()
    assert "confirm_duplicate" not in confirmed.get_json()
    assert _count(db_session, Producer) == before + 1


def test_the_same_phone_is_a_possible_duplicate_whatever_the_name(client, as_role):
    headers = as_role("admin")
    landline = _farmer(phone="0878-6123456")
    assert client.post("/api/v1/producers", json=landline, headers=headers).status_code == 201
    # Elsewhere in the county, another name, the number written without its dash: the same phone.
    elsewhere = _farmer(name="李四（示例）", township_code=JINBI, village="", phone="08786123456")
    answer = client.post("/api/v1/producers", json=elsewhere, headers=headers)
    assert answer.status_code == 409, answer.get_json()


def test_different_farmers_and_legal_persons_are_not_warned(client, as_role):
    headers = as_role("station")
    assert client.post("/api/v1/producers", json=_farmer(), headers=headers).status_code == 201
    other_village = _farmer(village="三台村", phone="13987800124")
    assert client.post("/api/v1/producers", json=other_village, headers=headers).status_code == 201
    # Cooperatives are told apart by their 统一社会信用代码, even sharing a phone.
    for n in range(2):
        coop = _farmer(
            name=f"大箐核桃合作社{n}（示例）",
            kind="cooperative",
            credit_code=factories.credit_code(),
        )
        assert client.post("/api/v1/producers", json=coop, headers=headers).status_code == 201


def test_confirming_only_the_duplicates_seen(db_session, make_user):
    station = make_user("station")
    first = create_producer(db_session, station, **_farmer())
    # A page that showed `first` confirms past it; one registered since is warned about again.
    second = create_producer(db_session, station, confirm_duplicate={first.id}, **_farmer())
    with pytest.raises(PossibleDuplicateError) as raised:
        create_producer(db_session, station, confirm_duplicate={first.id}, **_farmer())
    assert [p.id for p in raised.value.duplicates] == [first.id, second.id]


def test_updates_refuse_the_confirm_field(client, as_role):
    headers = as_role("station")
    created = client.post("/api/v1/producers", json=_farmer(), headers=headers).get_json()
    answer = client.patch(
        f"/api/v1/producers/{created['id']}", json={"confirm_duplicate": True}, headers=headers
    )
    assert answer.status_code == 422


# -- measured values on events ------------------------------------------------------------------


def test_drying_moisture_is_checked_stored_and_hashed(client, as_role, refs, db_session):
    headers = as_role("station")
    batch = client.post("/api/v1/batches", json=_harvest(refs), headers=headers).get_json()
    url = f"/api/v1/batches/{batch['id']}/events"
    event = {"event_type": "drying", "occurred_at": "2025-09-19T10:00:00+08:00"}
    too_wet = client.post(url, json={**event, "details": {"moisture_pct": "150"}}, headers=headers)
    assert too_wet.status_code == 422
    assert too_wet.get_json()["error_codes"]["moisture_pct"][0] == {
        "code": "moisture_pct.range",
        "params": {"min": "0", "max": "100"},
    }
    assert "含水率" in too_wet.get_json()["errors"]["moisture_pct"][0]
    answer = client.post(url, json={**event, "details": {"moisture_pct": "7.50%"}}, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["details"] == {"moisture_pct": "7.5"}
    db_session.expire_all()  # read back what the database holds (JSONB on PostgreSQL)
    stored = db_session.get(TraceEvent, answer.get_json()["id"])
    assert stored.details == {"moisture_pct": "7.5"}
    assert event_digest(stored, batch["lot"]) == stored.hash
    assert verify_chains(db_session, [batch["id"]]).is_intact
    # Part of the hashed record: a rewritten moisture no longer matches the chain.
    stored.details = {"moisture_pct": "6.0"}
    assert event_digest(stored, batch["lot"]) != stored.hash
    db_session.expire(stored)


def test_storing_temperature_and_grading_sizes_are_typed_too(client, as_role, refs):
    headers = as_role("qc")
    batch = client.post("/api/v1/batches", json=_harvest(refs), headers=headers).get_json()
    url = f"/api/v1/batches/{batch['id']}/events"
    stored = client.post(
        url,
        json={
            "event_type": "storing",
            "occurred_at": "2025-09-25T10:00:00+08:00",
            "details": {"temperature_c": "4℃", "humidity_pct": 55},
        },
        headers=headers,
    )
    assert stored.status_code == 201, stored.get_json()
    assert stored.get_json()["details"] == {"temperature_c": "4", "humidity_pct": "55"}
    graded = client.post(
        url,
        json={
            "event_type": "grading",
            "occurred_at": "2025-09-26T10:00:00+08:00",
            "details": {"diameter_mm": "大"},
        },
        headers=headers,
    )
    assert graded.status_code == 422
    assert graded.get_json()["error_codes"]["diameter_mm"][0]["code"] == "diameter_mm.not_a_number"
