"""Grading: the GB/T 20398-2006 seed, the highest grade met, failing thresholds, refused claims."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.conftest import SHARED
from tests.quality.conftest import count, grading_body
from trace.models.audit import AuditEntry
from trace.models.events import TraceEvent
from trace.models.grading import Grading, GradingStandard, StandardKind

CSV_PATH = SHARED / "data" / "walnut_grades_gbt20398_2006.csv"
# How the shared table's confidence notes name a measure.
NOTE_WORDS = {"broken": "broken_pct", "diameter": "diameter_mm", "black-spot": "black_spot_pct"}


def _gbt2006(db_session):
    return db_session.scalars(
        select(GradingStandard).where(
            GradingStandard.code == "GB/T 20398", GradingStandard.version == "2006"
        )
    ).one()


def test_seed_matches_the_shared_csv(db_session):
    """Every value and every uncertain cell of the seed agrees with the shared fact table."""
    with CSV_PATH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    standard = _gbt2006(db_session)
    assert standard.is_current and standard.kind is StandardKind.GRADE
    assert [g.name for g in standard.grades] == [row["grade"] for row in rows]
    for grade, row in zip(standard.grades, rows, strict=True):
        stored = {f"{t.bound.value}_{t.measure}": t for t in grade.thresholds}
        expected = {k: Decimal(v) for k, v in row.items() if k[:4] in {"min_", "max_"}}
        assert {k: t.value for k, t in stored.items()} == expected, grade.name
        flagged = {t.measure for t in grade.thresholds if t.is_uncertain}
        note = row["confidence"].lower()
        named = {measure for word, measure in NOTE_WORDS.items() if word in note}
        if note.startswith("verified except"):
            named = {m for word, m in NOTE_WORDS.items() if word in note.split("except")[1]}
        assert flagged == named, (grade.name, note)


def test_superior_sample_is_graded_top_and_recorded_on_the_lot(client, qc, walnut_batch):
    answer = client.post(
        f"/api/v1/batches/{walnut_batch.id}/gradings", json=grading_body(), headers=qc
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["grade"] == body["computed_grade"] == "特级"
    assert body["higher_grades"] == []
    assert body["standard"] == "GB/T 20398-2006"
    assert body["gi_conformity"]["passed"] is True
    lot = client.get(f"/api/v1/batches/{walnut_batch.id}", headers=qc).get_json()
    assert lot["grade"] == "特级"
    events = client.get(f"/api/v1/batches/{walnut_batch.id}/events", headers=qc).get_json()
    assert events[-1]["event_type"] == "grading"
    assert events[-1]["details"]["grade"] == "特级"


def test_highest_grade_met_and_what_each_better_grade_failed(client, qc, walnut_batch):
    sample = grading_body(diameter_mm="29.0", kernel_ratio_pct="45.5", fat_pct="62.0")
    body = client.post(
        f"/api/v1/batches/{walnut_batch.id}/gradings", json=sample, headers=qc
    ).get_json()
    assert body["computed_grade"] == "Ⅱ级"
    failed = {h["grade"]: {c["measure"] for c in h["failed"]} for h in body["higher_grades"]}
    assert failed == {
        "特级": {"diameter_mm", "kernel_ratio_pct", "fat_pct"},
        "Ⅰ级": {"diameter_mm", "kernel_ratio_pct", "fat_pct"},
    }
    diameter = next(c for c in body["higher_grades"][0]["failed"] if c["measure"] == "diameter_mm")
    assert diameter == {
        "measure": "diameter_mm",
        "bound": "min",
        "limit": "30.000",
        "value": "29.0",
        "is_uncertain": False,
    }
    # Fat 62 % is below the GI value of 65 %: reported with the grading, not a refusal.
    assert body["gi_conformity"]["passed"] is False
    assert [c["measure"] for c in body["gi_conformity"]["failed"]] == ["fat_pct"]


def test_sample_meeting_no_grade_is_below_grade(client, qc, walnut_batch):
    body = client.post(
        f"/api/v1/batches/{walnut_batch.id}/gradings",
        json=grading_body(mean_nut_weight_g="7.2"),
        headers=qc,
    ).get_json()
    assert body["grade"] == "等外"
    assert [h["grade"] for h in body["higher_grades"]] == ["特级", "Ⅰ级", "Ⅱ级", "Ⅲ级"]


def test_unmeasured_threshold_fails_the_grade(client, qc, walnut_batch):
    sample = grading_body()
    del sample["measurements"]["protein_pct"]
    body = client.post(
        f"/api/v1/batches/{walnut_batch.id}/gradings", json=sample, headers=qc
    ).get_json()
    assert body["grade"] == "等外"
    assert body["higher_grades"][0]["failed"][0]["value"] is None


def _counts(db_session):
    return (
        count(db_session, Grading),
        count(db_session, TraceEvent),
        count(db_session, AuditEntry),
    )


def test_claim_the_measurements_do_not_support_is_refused(client, qc, walnut_batch, db_session):
    url = f"/api/v1/batches/{walnut_batch.id}/gradings"
    before = _counts(db_session)
    sample = {**grading_body(kernel_ratio_pct="50.0"), "claimed_grade": "特级"}
    answer = client.post(url, json=sample, headers=qc)
    assert answer.status_code == 422
    message = answer.get_json()["errors"]["claimed_grade"][0]
    assert "Ⅰ级" in message and "kernel_ratio_pct" in message
    assert _counts(db_session) == before
    db_session.expire_all()
    assert client.get(f"/api/v1/batches/{walnut_batch.id}", headers=qc).get_json()["grade"] == ""


def test_claim_of_the_grade_met_or_lower_is_recorded(client, qc, walnut_batch):
    url = f"/api/v1/batches/{walnut_batch.id}/gradings"
    sample = {**grading_body(kernel_ratio_pct="50.0"), "claimed_grade": "II级"}
    body = client.post(url, json=sample, headers=qc).get_json()
    assert (body["computed_grade"], body["grade"], body["claimed_grade"]) == ("Ⅰ级", "Ⅱ级", "II级")


def test_claim_that_is_no_grade_is_named(client, qc, walnut_batch, db_session):
    before = _counts(db_session)
    answer = client.post(
        f"/api/v1/batches/{walnut_batch.id}/gradings",
        json={**grading_body(), "claimed_grade": "一等品"},
        headers=qc,
    )
    assert answer.status_code == 422 and "claimed_grade" in answer.get_json()["errors"]
    assert _counts(db_session) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"graded_on": "2099-01-01"}, "graded_on"),
        ({"measurements": {"kernel_ratio_pct": "150"}}, "measurements"),
        ({"measurements": {"colour": "white"}}, "measurements"),
        ({"standard_id": 999999}, "standard_id"),
        ({"flavour": "good"}, "flavour"),
    ],
)
def test_bad_grading_input_is_named_and_nothing_written(
    client, qc, walnut_batch, db_session, change, field
):
    before = _counts(db_session)
    answer = client.post(
        f"/api/v1/batches/{walnut_batch.id}/gradings", json={**grading_body(), **change}, headers=qc
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert _counts(db_session) == before


def test_product_without_a_grading_standard(client, qc, db_session, admin):
    from tests import factories

    honey = factories.product(db_session, admin, category="honey", name="测试蜂蜜（示例）")
    batch = factories.batch(db_session, admin, product_id=honey.id)
    answer = client.post(f"/api/v1/batches/{batch.id}/gradings", json=grading_body(), headers=qc)
    assert answer.status_code == 422 and "standard_id" in answer.get_json()["errors"]


def test_only_admin_and_qc_grade(client, as_role, walnut_batch):
    url = f"/api/v1/batches/{walnut_batch.id}/gradings"
    assert client.post(url, json=grading_body(), headers=as_role("station")).status_code == 403
    assert client.post(url, json=grading_body(), headers=as_role("regulator")).status_code == 403
    assert client.post(url, json=grading_body()).status_code == 401
    assert (
        client.post(
            "/api/v1/batches/999999/gradings", json=grading_body(), headers=as_role("qc")
        ).status_code
        == 404
    )


def revision_2021(**overrides):
    """A made-up 2021 table: only to show a second version can be added; not real values."""
    body = {
        "code": "GB/T 20398",
        "version": "2021",
        "title": "核桃坚果质量等级",
        "product_category": "walnut_in_shell",
        "is_current": True,
        "source": "test data, not the standard",
        "grades": [
            {
                "rank": 1,
                "name": "特级",
                "thresholds": [{"measure": "diameter_mm", "bound": "min", "value": "34"}],
            },
            {
                "rank": 2,
                "name": "Ⅰ级",
                "thresholds": [
                    {"measure": "diameter_mm", "bound": "min", "value": "30", "is_uncertain": True}
                ],
            },
        ],
    }
    body.update(overrides)
    return body


def test_a_new_version_becomes_current_and_grades_from_then_on(
    client, qc, walnut_batch, db_session
):
    answer = client.post("/api/v1/grading-standards", json=revision_2021(), headers=qc)
    assert answer.status_code == 201, answer.get_json()
    new = answer.get_json()
    assert new["label"] == "GB/T 20398-2021" and new["grades"][1]["thresholds"][0]["is_uncertain"]
    current = client.get(
        "/api/v1/grading-standards?kind=grade&is_current=true", headers=qc
    ).get_json()
    assert [s["label"] for s in current["items"]] == ["GB/T 20398-2021"]
    body = client.post(
        f"/api/v1/batches/{walnut_batch.id}/gradings", json=grading_body(), headers=qc
    ).get_json()
    assert body["standard"] == "GB/T 20398-2021" and body["grade"] == "Ⅰ级"
    # The 2006 table stays for gradings made with it.
    old = _gbt2006(db_session)
    explicit = {**grading_body(), "standard_id": old.id}
    again = client.post(f"/api/v1/batches/{walnut_batch.id}/gradings", json=explicit, headers=qc)
    assert again.get_json()["standard"] == "GB/T 20398-2006"


def test_standard_conflicts_and_bad_thresholds(client, qc, db_session):
    url = "/api/v1/grading-standards"
    before = count(db_session, GradingStandard)
    duplicate = client.post(url, json=revision_2021(version="2006"), headers=qc)
    assert duplicate.status_code == 409
    bad = revision_2021()
    bad["grades"][0]["thresholds"][0]["measure"] = "sweetness"
    answer = client.post(url, json=bad, headers=qc)
    assert answer.status_code == 422 and "grades" in answer.get_json()["errors"]
    same_rank = revision_2021()
    same_rank["grades"][1]["rank"] = 1
    assert client.post(url, json=same_rank, headers=qc).status_code == 422
    assert count(db_session, GradingStandard) == before


def test_a_threshold_cell_can_be_corrected_by_qc_only(client, as_role, db_session):
    standard = _gbt2006(db_session)
    diameter = standard.grades[2].thresholds[0]
    assert diameter.measure == "diameter_mm" and diameter.is_uncertain
    url = f"/api/v1/grade-thresholds/{diameter.id}"
    change = {"value": "30.0", "is_uncertain": False, "note": "checked against the printed text"}
    assert client.patch(url, json=change, headers=as_role("station")).status_code == 403
    answer = client.patch(url, json=change, headers=as_role("qc"))
    assert answer.status_code == 200
    assert answer.get_json()["value"] == "30.000" and answer.get_json()["is_uncertain"] is False
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "grade_threshold.update")
    ).one()
    assert entry.before["value"] == "28.000"


@pytest.mark.parametrize("written", ["Ⅱ级", "II级", "二级", " Ⅱ 级"])
def test_grade_names_are_read_as_people_write_them(written):
    from trace.services.grading import normalise_grade

    assert normalise_grade(written) == normalise_grade("Ⅱ级")
    assert normalise_grade(written) != normalise_grade("Ⅲ级")
