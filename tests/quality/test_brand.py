"""Brand admission for 大姚核桃: rules as data, review, and the marks labels may carry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import JINBI
from tests.quality.conftest import count, grading_body, inspection_body
from trace.models.audit import AuditEntry
from trace.models.brand import BrandApplication, BrandRule
from trace.services.brand import label_marks


def _marks(client, headers, batch):
    return client.get(
        f"/api/v1/brand-marks?producer_id={batch.producer_id}&product_id={batch.product_id}",
        headers=headers,
    ).get_json()


def _apply(client, headers, batch, **extra):
    body = {"producer_id": batch.producer_id, "product_id": batch.product_id, **extra}
    return client.post("/api/v1/brand-applications", json=body, headers=headers)


def _grade(client, qc, batch, **measurements):
    answer = client.post(
        f"/api/v1/batches/{batch.id}/gradings", json=grading_body(**measurements), headers=qc
    )
    assert answer.status_code == 201, answer.get_json()


def _inspect(client, qc, batch, report_no="DYQC-B-1"):
    answer = client.post(
        f"/api/v1/batches/{batch.id}/inspections", json=inspection_body(report_no), headers=qc
    )
    assert answer.status_code == 201, answer.get_json()


def test_brand_mark_only_while_admitted(client, qc, as_role, walnut_batch, db_session):
    producer, product = walnut_batch.producer, walnut_batch.product
    assert label_marks(db_session, producer, product) == (False, True)
    assert _marks(client, qc, walnut_batch)["brand_mark"] is False

    filed = _apply(client, as_role("station"), walnut_batch, note="合作社申请")
    assert filed.status_code == 201, filed.get_json()
    application = filed.get_json()
    assert application["status"] == "pending"
    assert {r["kind"]: r["passed"] for r in application["rule_results"]} == {
        "origin_in_county": True,
        "latest_inspection_passed": False,
        "min_grade": False,
    }
    url = f"/api/v1/brand-applications/{application['id']}"

    # Approval is refused while a rule fails, naming each failing rule; nothing changes.
    before = count(db_session, AuditEntry)
    refused = client.post(f"{url}/approve", json={}, headers=qc)
    assert refused.status_code == 409
    assert set(refused.get_json()["errors"]) == {"latest_inspection_passed", "min_grade"}
    assert count(db_session, AuditEntry) == before
    assert client.get(url, headers=qc).get_json()["status"] == "pending"

    _inspect(client, qc, walnut_batch)
    _grade(client, qc, walnut_batch, diameter_mm="26.5", mean_nut_weight_g="8.4")  # Ⅲ级
    refused = client.post(f"{url}/approve", json={}, headers=qc)
    assert set(refused.get_json()["errors"]) == {"min_grade"}
    assert "Ⅲ级" in refused.get_json()["errors"]["min_grade"][0]
    checks = client.get(f"{url}/checks", headers=qc).get_json()
    assert [c["passed"] for c in checks] == [True, True, False]

    _grade(client, qc, walnut_batch)  # 特级
    assert client.post(f"{url}/approve", json={}, headers=as_role("station")).status_code == 403
    approved = client.post(f"{url}/approve", json={"note": "符合准入条件"}, headers=qc)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    db_session.expire_all()
    assert label_marks(db_session, producer, product) == (True, True)
    assert _marks(client, qc, walnut_batch) == {
        "producer_id": producer.id,
        "product_id": product.id,
        "brand": "大姚核桃",
        "brand_mark": True,
        "gi_mark": True,
    }

    suspended = client.post(f"{url}/suspend", json={"reason": "抽检不合格"}, headers=qc)
    assert (
        suspended.status_code == 200 and suspended.get_json()["suspension_reason"] == "抽检不合格"
    )
    db_session.expire_all()
    assert label_marks(db_session, producer, product) == (False, True)
    assert client.post(f"{url}/suspend", json={"reason": "again"}, headers=qc).status_code == 409

    actions = db_session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_type == "brand_applications")
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "brand_application.create",
        "brand_application.approve",
        "brand_application.suspend",
    ]


def test_rules_are_data_an_admin_can_change(client, as_role, walnut_batch, db_session):
    admin = as_role("admin")
    _inspect(client, admin, walnut_batch)
    _grade(client, admin, walnut_batch, diameter_mm="26.5", mean_nut_weight_g="8.4")  # Ⅲ级
    rule = db_session.scalars(select(BrandRule).where(BrandRule.kind == "min_grade")).one()
    params = {"grade": "Ⅲ级", "product_categories": ["walnut_in_shell"]}
    url = f"/api/v1/brand-rules/{rule.id}"
    assert client.patch(url, json={"params": params}, headers=as_role("station")).status_code == 403
    bad = client.patch(url, json={"params": {"grade": 2}}, headers=admin)
    assert bad.status_code == 422 and "params" in bad.get_json()["errors"]
    assert client.patch(url, json={"params": params}, headers=admin).status_code == 200
    application = _apply(client, admin, walnut_batch).get_json()
    approved = client.post(
        f"/api/v1/brand-applications/{application['id']}/approve", json={}, headers=admin
    )
    assert approved.status_code == 200, approved.get_json()


def test_reject_needs_reasons_and_a_new_application_may_follow(
    client, qc, walnut_batch, db_session
):
    application = _apply(client, qc, walnut_batch).get_json()
    url = f"/api/v1/brand-applications/{application['id']}"
    before = (count(db_session, AuditEntry), count(db_session, BrandApplication))
    for body in ({}, {"reasons": []}, {"reasons": [""]}):
        answer = client.post(f"{url}/reject", json=body, headers=qc)
        assert answer.status_code == 422 and "reasons" in answer.get_json()["errors"]
    assert (count(db_session, AuditEntry), count(db_session, BrandApplication)) == before
    rejected = client.post(f"{url}/reject", json={"reasons": ["无检测报告"]}, headers=qc)
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["decision_reasons"] == ["无检测报告"]
    assert client.post(f"{url}/approve", json={}, headers=qc).status_code == 409
    assert _apply(client, qc, walnut_batch).status_code == 201


def test_one_open_application_per_producer_and_product(client, qc, walnut_batch, db_session):
    assert _apply(client, qc, walnut_batch).status_code == 201
    before = count(db_session, BrandApplication)
    again = _apply(client, qc, walnut_batch)
    assert again.status_code == 409 and "product_id" in again.get_json()["errors"]
    assert count(db_session, BrandApplication) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"producer_id": 999999}, "producer_id"),
        ({"product_id": 999999}, "product_id"),
        ({"brand": "别的品牌"}, "brand"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_application_is_named(client, qc, walnut_batch, db_session, change, field):
    before = count(db_session, BrandApplication)
    answer = _apply(client, qc, walnut_batch, **change)
    assert answer.status_code == 422 and field in answer.get_json()["errors"]
    assert count(db_session, BrandApplication) == before


def test_station_files_only_for_its_own_township(client, as_role, walnut_batch):
    assert _apply(client, as_role("station", JINBI), walnut_batch).status_code == 403
    assert _apply(client, as_role("regulator"), walnut_batch).status_code == 403


def test_gi_mark_needs_an_authorised_user_and_a_walnut_product(client, qc, db_session, admin):
    plain = factories.producer(db_session, admin, name="未授权合作社（示例）")
    walnut = factories.product(db_session, admin)
    honey = factories.product(db_session, admin, category="honey", name="测试蜂蜜（示例）")
    authorised = factories.producer(
        db_session, admin, name="授权合作社（示例）", is_gi_authorised=True
    )
    assert label_marks(db_session, plain, walnut) == (False, False)
    assert label_marks(db_session, authorised, honey) == (False, False)
    assert label_marks(db_session, authorised, walnut) == (False, True)
    unknown = client.get(
        f"/api/v1/brand-marks?producer_id=999999&product_id={walnut.id}", headers=qc
    )
    assert unknown.status_code == 422 and "producer_id" in unknown.get_json()["errors"]
