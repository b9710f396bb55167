"""Producers through the API: validation, conflicts, roles and township scope."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import JINBI, SANTAI
from tests.factories import credit_code
from trace.models.audit import AuditEntry
from trace.models.producers import Producer


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def cooperative(**overrides):
    body = {
        "name": "三台乡测试合作社（示例）",
        "kind": "cooperative",
        "township_code": SANTAI,
        "village": "三台村",
        "credit_code": credit_code(),
        "phone": "13987800001",
        "is_poverty_registered": False,
    }
    body.update(overrides)
    return body


def test_station_staff_register_a_cooperative_with_audit(client, as_role, db_session):
    audits = _count(db_session, AuditEntry)
    answer = client.post("/api/v1/producers", json=cooperative(), headers=as_role("station"))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["id"] and body["kind"] == "cooperative"
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert _count(db_session, AuditEntry) > audits
    assert entry.action == "producer.create" and entry.after["name"] == body["name"]


def test_cooperative_without_credit_code_names_the_field(client, as_role, db_session):
    before = _count(db_session, Producer)
    answer = client.post(
        "/api/v1/producers", json=cooperative(credit_code=None), headers=as_role("qc")
    )
    assert answer.status_code == 422
    body = answer.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert "credit_code" in body["errors"]
    assert _count(db_session, Producer) == before


def test_bad_credit_code_check_character(client, as_role):
    code = credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    answer = client.post(
        "/api/v1/producers", json=cooperative(credit_code=wrong), headers=as_role("qc")
    )
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["error_codes"]["credit_code"] == [{"code": "credit_code.check_char", "params": {}}]
    assert body["errors"]["credit_code"] == ["统一社会信用代码校验位不对，请核对（GB 32100-2015）"]
    english = client.post(
        "/api/v1/producers",
        json=cooperative(credit_code=wrong),
        headers={**as_role("qc"), "Accept-Language": "en"},
    )
    assert "check character" in english.get_json()["errors"]["credit_code"][0]


def test_unknown_field_and_bad_enum_are_named(client, as_role):
    answer = client.post(
        "/api/v1/producers",
        json=cooperative(kind="pirate", colour="red"),
        headers=as_role("qc"),
    )
    assert answer.status_code == 422
    assert {"kind", "colour"} <= set(answer.get_json()["errors"])


def test_duplicate_credit_code_is_409_and_writes_nothing(client, as_role, db_session):
    headers = as_role("qc")
    body = cooperative()
    assert client.post("/api/v1/producers", json=body, headers=headers).status_code == 201
    before = (_count(db_session, Producer), _count(db_session, AuditEntry))
    again = client.post("/api/v1/producers", json={**body, "name": "另一家"}, headers=headers)
    assert again.status_code == 409
    assert "credit_code" in again.get_json()["errors"]
    assert (_count(db_session, Producer), _count(db_session, AuditEntry)) == before


def test_farmer_needs_no_credit_code(client, as_role):
    answer = client.post(
        "/api/v1/producers",
        json=cooperative(kind="farmer", credit_code=None, name="罗小芬（示例）"),
        headers=as_role("station"),
    )
    assert answer.status_code == 201


def test_station_staff_write_only_in_their_township(client, as_role, db_session):
    before = _count(db_session, Producer)
    answer = client.post(
        "/api/v1/producers", json=cooperative(township_code=JINBI), headers=as_role("station")
    )
    assert answer.status_code == 403
    assert _count(db_session, Producer) == before


def test_regulator_reads_but_cannot_write(client, as_role):
    headers = as_role("regulator")
    assert client.get("/api/v1/producers", headers=headers).status_code == 200
    assert client.post("/api/v1/producers", json=cooperative(), headers=headers).status_code == 403


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/producers").status_code == 401
    assert client.post("/api/v1/producers", json=cooperative()).status_code == 401


def test_list_is_paginated_and_filtered(client, as_role):
    headers = as_role("admin")
    for i in range(3):
        client.post(
            "/api/v1/producers", json=cooperative(name=f"分页测试{i}（示例）"), headers=headers
        )
    page = client.get("/api/v1/producers?per_page=2&q=分页测试", headers=headers).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["pages"] == 2
    second = client.get("/api/v1/producers?per_page=2&page=2&q=分页测试", headers=headers)
    assert len(second.get_json()["items"]) == 1


def test_unknown_id_is_404(client, as_role):
    answer = client.get("/api/v1/producers/999999", headers=as_role("qc"))
    assert answer.status_code == 404
    assert answer.get_json()["status"] == "Not Found"


def test_update_keeps_rules(client, as_role):
    headers = as_role("qc")
    created = client.post("/api/v1/producers", json=cooperative(), headers=headers).get_json()
    answer = client.patch(
        f"/api/v1/producers/{created['id']}", json={"phone": "12345"}, headers=headers
    )
    assert answer.status_code == 422 and "phone" in answer.get_json()["errors"]
    answer = client.patch(
        f"/api/v1/producers/{created['id']}", json={"phone": "13987800123"}, headers=headers
    )
    assert answer.status_code == 200 and answer.get_json()["phone"] == "13987800123"
