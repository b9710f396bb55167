"""Inspections: items judged against limits kept as data, hold on failure, qc dispositions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests import factories
from tests.quality.conftest import count, failing_body, inspection_body
from trace.errors import InvalidTransitionError, Problem
from trace.models.audit import AuditEntry
from trace.models.batches import BatchStatus
from trace.models.events import AppendOnlyError, TraceEvent
from trace.models.inspections import (
    Disposition,
    Inspection,
    InspectionLimit,
    InspectionResult,
)
from trace.services.inspections import assert_batch_releasable, latest_inspection


def _url(batch, tail="inspections"):
    return f"/api/v1/batches/{batch.id}/{tail}"


def _events(client, headers, batch):
    return client.get(_url(batch, "events"), headers=headers).get_json()


def _counts(db_session):
    return tuple(
        count(db_session, model)
        for model in (Inspection, InspectionResult, TraceEvent, AuditEntry, Disposition)
    )


def test_passing_inspection_with_limits_and_timeline(client, qc, walnut_batch, db_session):
    answer = client.post(_url(walnut_batch), json=inspection_body(), headers=qc)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["id"] and body["passed"] is True
    aflatoxin = body["results"][0]
    assert aflatoxin["item"] == "aflatoxin_b1" and aflatoxin["passed"] is True
    assert aflatoxin["unit"] == "μg/kg" and aflatoxin["method"] == "GB 5009.22-2016"
    assert aflatoxin["limit"] == {
        "min": None,
        "max": "5.0000",
        "unit": "μg/kg",
        "is_uncertain": True,
    }
    assert body["results"][1]["method"] == "GB 5009.229"  # the limit's usual method by default
    event = _events(client, qc, walnut_batch)[-1]
    assert event["event_type"] == "inspecting"
    assert event["details"] == {"report_no": "DYQC-2025-0001", "passed": True}
    assert latest_inspection(db_session, walnut_batch.id).id == body["id"]
    assert_batch_releasable(db_session, walnut_batch)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"results": [{"item": "aflatoxin_b1", "value": "1.0", "unit": "mg/kg"}]},
            "results.0.unit",
        ),
        ({"results": [{"item": "aflatoxin", "value": "1.0", "unit": "μg/kg"}]}, "results.0.item"),
        ({"results": [{"item": "Aflatoxin B1", "value": "1", "unit": "μg/kg"}]}, "results"),
        ({"results": []}, "results"),
        ({"results": [{"item": "moisture", "value": "-1", "unit": "%"}]}, "results"),
        ({"tested_on": "2025-09-20"}, "tested_on"),
        ({"sampled_on": "2099-01-01", "tested_on": "2099-01-02"}, "sampled_on"),
        ({"corrects_inspection_id": 999999}, "corrects_inspection_id"),
        ({"lab": ""}, "lab"),
    ],
)
def test_bad_inspection_is_named_and_nothing_written(
    client, qc, walnut_batch, db_session, change, field
):
    before = _counts(db_session)
    answer = client.post(_url(walnut_batch), json={**inspection_body(), **change}, headers=qc)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert _counts(db_session) == before


def test_duplicate_report_number_is_a_conflict(client, qc, walnut_batch, db_session):
    assert client.post(_url(walnut_batch), json=inspection_body(), headers=qc).status_code == 201
    before = _counts(db_session)
    again = client.post(_url(walnut_batch), json=inspection_body(), headers=qc)
    assert again.status_code == 409 and "report_no" in again.get_json()["errors"]
    assert _counts(db_session) == before


def test_only_admin_and_qc_record_inspections(client, as_role, walnut_batch):
    for role in ("station", "regulator"):
        answer = client.post(_url(walnut_batch), json=inspection_body(), headers=as_role(role))
        assert answer.status_code == 403
    assert client.post(_url(walnut_batch), json=inspection_body()).status_code == 401
    missing = client.post(
        "/api/v1/batches/999999/inspections", json=inspection_body(), headers=as_role("admin")
    )
    assert missing.status_code == 404


def test_failed_inspection_puts_the_lot_on_hold(client, qc, walnut_batch, db_session):
    answer = client.post(_url(walnut_batch), json=failing_body(), headers=qc)
    body = answer.get_json()
    assert answer.status_code == 201 and body["passed"] is False
    assert [r["passed"] for r in body["results"]] == [False, True, True, True, True]
    lot = client.get(_url(walnut_batch, "")[:-1], headers=qc).get_json()
    assert lot["status"] == "on_hold"
    events = _events(client, qc, walnut_batch)
    assert [e["event_type"] for e in events[-2:]] == ["inspecting", "holding"]
    assert events[-1]["details"]["failed_items"] == ["aflatoxin_b1"]
    check = client.get(_url(walnut_batch, "release-check"), headers=qc).get_json()
    assert check["releasable"] is False and "暂扣中" in check["reason"]
    assert check["reason_code"] == {"code": "batch.on_hold", "params": {"lot": walnut_batch.lot}}
    db_session.expire_all()
    with pytest.raises(InvalidTransitionError) as caught:
        assert_batch_releasable(db_session, walnut_batch)
    assert caught.value.message.code == "batch.on_hold"


def test_disposition_is_for_qc_only(client, as_role, walnut_batch, db_session):
    client.post(_url(walnut_batch), json=failing_body(), headers=as_role("qc"))
    others = {role: as_role(role) for role in ("admin", "station", "regulator")}
    before = _counts(db_session)
    for role, headers in others.items():
        answer = client.post(
            _url(walnut_batch, "dispositions"), json={"kind": "destroy"}, headers=headers
        )
        assert answer.status_code == 403, role
    assert _counts(db_session) == before


def test_re_test_then_release_after_a_passing_re_test(client, qc, walnut_batch, db_session):
    client.post(_url(walnut_batch), json=failing_body(), headers=qc)
    dispositions = _url(walnut_batch, "dispositions")
    early = client.post(dispositions, json={"kind": "release"}, headers=qc)
    assert early.status_code == 409 and "kind" in early.get_json()["errors"]

    re_test = client.post(dispositions, json={"kind": "re_test", "note": "复检"}, headers=qc)
    assert re_test.status_code == 201
    assert client.get(_url(walnut_batch, "release-check"), headers=qc).get_json()["status"] == (
        "on_hold"
    )
    retest = inspection_body("DYQC-2025-0003", sampled_on="2025-09-26", tested_on="2025-09-28")
    assert client.post(_url(walnut_batch), json=retest, headers=qc).get_json()["passed"] is True
    # A passing re-test alone does not lift the hold: qc decides.
    assert (
        client.get(_url(walnut_batch, "release-check"), headers=qc).get_json()["releasable"]
        is False
    )
    release = client.post(dispositions, json={"kind": "release"}, headers=qc)
    assert release.status_code == 201
    check = client.get(_url(walnut_batch, "release-check"), headers=qc).get_json()
    assert check == {
        "batch_id": walnut_batch.id,
        "status": "active",
        "releasable": True,
        "reason": None,
        "reason_code": None,
    }
    holding = [e for e in _events(client, qc, walnut_batch) if e["event_type"] == "holding"]
    assert [e["details"].get("disposition") for e in holding] == [None, "re_test", "release"]
    actions = set(db_session.scalars(select(AuditEntry.action)))
    assert {"disposition.create", "batch.hold", "batch.release"} <= actions
    listed = client.get(dispositions, headers=qc).get_json()
    assert [d["kind"] for d in listed] == ["re_test", "release"]


def test_downgrade_needs_a_grade_and_lets_the_lot_go_on(client, qc, walnut_batch, db_session):
    client.post(_url(walnut_batch), json=failing_body(), headers=qc)
    dispositions = _url(walnut_batch, "dispositions")
    before = _counts(db_session)
    answer = client.post(dispositions, json={"kind": "downgrade"}, headers=qc)
    assert answer.status_code == 422 and "grade" in answer.get_json()["errors"]
    assert _counts(db_session) == before
    answer = client.post(
        dispositions, json={"kind": "downgrade", "grade": "加工用", "note": "榨油"}, headers=qc
    )
    assert answer.status_code == 201
    lot = client.get(f"/api/v1/batches/{walnut_batch.id}", headers=qc).get_json()
    assert (lot["status"], lot["grade"]) == ("active", "加工用")
    db_session.expire_all()
    assert_batch_releasable(db_session, walnut_batch)


def test_destroy_closes_the_lot_for_good(client, qc, walnut_batch, db_session):
    client.post(_url(walnut_batch), json=failing_body(), headers=qc)
    assert (
        client.post(_url(walnut_batch, "dispositions"), json={"kind": "destroy"}, headers=qc)
    ).status_code == 201
    check = client.get(_url(walnut_batch, "release-check"), headers=qc).get_json()
    assert check["status"] == "closed" and "已销毁" in check["reason"]
    again = client.post(_url(walnut_batch, "dispositions"), json={"kind": "release"}, headers=qc)
    assert again.status_code == 409


def test_disposition_needs_a_held_lot(client, qc, walnut_batch):
    answer = client.post(_url(walnut_batch, "dispositions"), json={"kind": "re_test"}, headers=qc)
    assert answer.status_code == 409


def test_uninspected_walnuts_are_not_releasable_but_uninspected_other_goods_are(
    db_session, admin, walnut_batch
):
    with pytest.raises(InvalidTransitionError) as caught:
        assert_batch_releasable(db_session, walnut_batch)
    assert caught.value.errors == {
        "inspection": [Problem("batch.not_inspected", {"lot": walnut_batch.lot})]
    }
    other = factories.product(db_session, admin, category="other", name="测试其他（示例）")
    assert_batch_releasable(db_session, factories.batch(db_session, admin, product_id=other.id))


def test_recalled_lot_is_not_releasable(db_session, walnut_batch):
    walnut_batch.status = BatchStatus.RECALLED
    with pytest.raises(InvalidTransitionError, match="recalled"):
        assert_batch_releasable(db_session, walnut_batch)


def test_inspections_are_append_only(client, qc, walnut_batch, db_session):
    created = client.post(_url(walnut_batch), json=inspection_body(), headers=qc).get_json()
    inspection = db_session.get(Inspection, created["id"])
    inspection.report_no = "changed"
    with pytest.raises(AppendOnlyError):
        db_session.flush()


def test_correction_is_a_new_inspection_pointing_back(client, qc, walnut_batch):
    first = client.post(_url(walnut_batch), json=inspection_body(), headers=qc).get_json()
    fix = inspection_body("DYQC-2025-0001-R1", corrects_inspection_id=first["id"])
    answer = client.post(_url(walnut_batch), json=fix, headers=qc)
    assert answer.status_code == 201
    listed = client.get(_url(walnut_batch), headers=qc).get_json()
    assert [i["report_no"] for i in listed] == ["DYQC-2025-0001-R1", "DYQC-2025-0001"]
    assert listed[0]["corrects_inspection_id"] == first["id"]


def test_limits_are_data_that_qc_can_correct(client, as_role, db_session):
    qc = as_role("qc")
    page = client.get(
        "/api/v1/inspection-limits?product_category=honey&per_page=50", headers=qc
    ).get_json()
    assert {x["item"] for x in page["items"]} == {"fructose_glucose", "sucrose", "moisture"}
    aflatoxin = db_session.scalars(
        select(InspectionLimit).where(
            InspectionLimit.product_category == "walnut_kernel",
            InspectionLimit.item == "aflatoxin_b1",
        )
    ).one()
    url = f"/api/v1/inspection-limits/{aflatoxin.id}"
    assert (
        client.patch(url, json={"max_value": "4.0"}, headers=as_role("station")).status_code == 403
    )
    answer = client.patch(url, json={"max_value": "4.0", "is_uncertain": False}, headers=qc)
    assert answer.status_code == 200 and answer.get_json()["max_value"] == "4.0000"
    inverted = client.patch(url, json={"min_value": "9"}, headers=qc)
    assert inverted.status_code == 422 and "max_value" in inverted.get_json()["errors"]


def test_new_limit_and_duplicate(client, qc, db_session):
    body = {
        "product_category": "vermicelli",
        "item": "sulfur_dioxide",
        "name_zh": "二氧化硫残留量",
        "unit": "g/kg",
        "max_value": "0.1",
        "is_uncertain": True,
    }
    assert client.post("/api/v1/inspection-limits", json=body, headers=qc).status_code == 201
    before = count(db_session, InspectionLimit)
    again = client.post("/api/v1/inspection-limits", json=body, headers=qc)
    assert again.status_code == 409 and "item" in again.get_json()["errors"]
    assert count(db_session, InspectionLimit) == before


def test_honey_is_judged_by_its_own_limits(client, qc, db_session, admin):
    honey = factories.product(db_session, admin, category="honey", name="测试蜂蜜（示例）")
    batch = factories.batch(
        db_session, admin, product_id=honey.id, harvested_on=dt.date(2025, 8, 18)
    )
    body = inspection_body(
        "FM-2025-01",
        results=[
            {"item": "fructose_glucose", "value": "58.0", "unit": "g/100g"},
            {"item": "sucrose", "value": "1.2", "unit": "g/100g"},
            {"item": "moisture", "value": "18.5", "unit": "%"},
        ],
    )
    answer = client.post(_url(batch), json=body, headers=qc).get_json()
    assert answer["passed"] is False
    assert [r["passed"] for r in answer["results"]] == [False, True, True]


def test_factory_passed_inspection_releases_a_lot(db_session, admin, walnut_batch):
    factories.passed_inspection(db_session, admin, walnut_batch)
    assert_batch_releasable(db_session, walnut_batch)
