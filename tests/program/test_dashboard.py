"""Targets as editable data, and the dashboard computed from the records (page, JSON, CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import SANTAI
from tests.program.conftest import count
from trace.models.targets import MetricKey, Target
from trace.services import logistics, metrics, training

SEEDED = {
    "county_centre",
    "township_stations",
    "village_stations",
    "village_coverage",
    "training_total",
    "training_skills_share",
    "training_poor",
    "training_poor_disabled_jobs",
    "incubation",
    "cold_store",
    "public_warehouse",
    "sorting_centre",
    "product_brands",
    "certified_products",
    "lots_traced",
    "packs_labelled",
    "scans_per_month",
}


def progress(client, headers):
    rows = client.get("/api/v1/dashboard", headers=headers).get_json()
    return {row["code"]: row for row in rows}


@pytest.fixture()
def classroom(db_session, admin):
    """A skills course and a general course, each with one held session in 三台乡."""
    skills = training.create_course(db_session, admin, title="技能课（测试）", kind="skills")
    general = training.create_course(db_session, admin, title="普及课（测试）", kind="general")
    sessions = {
        kind: training.create_session(
            db_session,
            admin,
            course_id=course.id,
            township_code=SANTAI,
            held_on=dt.date(2025, 6, 1),
            hours=Decimal("4"),
        )
        for kind, course in (("skills", skills), ("general", general))
    }
    return sessions


def test_the_plans_targets_are_seeded(client, as_role):
    rows = client.get("/api/v1/targets", headers=as_role("regulator")).get_json()
    codes = {row["code"] for row in rows}
    assert codes >= SEEDED
    by_code = {row["code"]: row for row in rows}
    assert by_code["training_total"]["target_value"] == "3000.00"
    assert by_code["village_coverage"]["unit"] == "%"
    assert by_code["cold_store"]["target_value"] == "300.00"
    assert by_code["training_skills_share"]["label_en"] == "Share of skills training"


def test_dashboard_number_moves_when_an_attendance_is_added(
    client, as_role, classroom, db_session, admin
):
    headers = as_role("regulator")
    before = progress(client, headers)["training_total"]
    person = training.create_trainee(db_session, admin, township_code=SANTAI)
    training.record_attendance(db_session, admin, classroom["general"].id, [person.id])
    after = progress(client, headers)["training_total"]
    assert Decimal(after["current"]) == Decimal(before["current"]) + 1

    page = client.get("/program/dashboard").get_data(as_text=True)
    row = page.split('data-code="training_total"')[1].split("</tr>")[0]
    assert f'data-value="{int(Decimal(after["current"])):,}"' in row


def test_training_metrics_come_from_attendance(db_session, admin, classroom):
    poor = training.create_trainee(
        db_session, admin, township_code=SANTAI, is_poverty_registered=True
    )
    disabled = training.create_trainee(db_session, admin, township_code=SANTAI, is_disabled=True)
    plain = training.create_trainee(db_session, admin, township_code=SANTAI)
    before = metrics.compute(db_session)
    training.record_attendance(db_session, admin, classroom["skills"].id, [poor.id, plain.id])
    training.record_attendance(
        db_session, admin, classroom["general"].id, [poor.id, disabled.id, plain.id]
    )
    after = metrics.compute(db_session)
    assert after[MetricKey.TRAINING_PERSON_TIMES] - before[MetricKey.TRAINING_PERSON_TIMES] == 5
    assert after[MetricKey.POOR_PERSON_TIMES] - before[MetricKey.POOR_PERSON_TIMES] == 2
    # Distinct people, not person-times: the poor trainee came twice and counts once.
    assert (
        after[MetricKey.POOR_OR_DISABLED_TRAINEES] - before[MetricKey.POOR_OR_DISABLED_TRAINEES]
        == 2
    )
    if before[MetricKey.TRAINING_PERSON_TIMES] == 0:
        assert after[MetricKey.SKILLS_SHARE_PCT] == Decimal("40.0")


def test_capacity_metrics_sum_the_facilities(db_session, admin, places):
    values = metrics.compute(db_session)
    before_cold = values[MetricKey.COLD_STORE_VOLUME_M3]
    logistics.create_facility(
        db_session,
        admin,
        name="第二冷库（测试）",
        kind="cold_store",
        township_code=SANTAI,
        volume_m3=Decimal("80"),
    )
    values = metrics.compute(db_session)
    assert values[MetricKey.COLD_STORE_VOLUME_M3] == before_cold + 80
    assert values[MetricKey.WAREHOUSE_AREA_M2] >= Decimal("1200")
    assert values[MetricKey.DISTRIBUTION_CENTRE_AREA_M2] >= Decimal("1100")


def test_lots_traced_counts_batches_with_events_and_brands_are_distinct(db_session, admin):
    before = metrics.compute(db_session)
    factories.batch(db_session, admin)  # its harvest event makes it traced
    factories.product(db_session, admin, brand="测试新品牌")
    after = metrics.compute(db_session)
    assert after[MetricKey.LOTS_TRACED] == before[MetricKey.LOTS_TRACED] + 1
    assert after[MetricKey.BRANDS] >= 2  # 大姚核桃 (factory default) and the new one


def test_metrics_of_tables_not_yet_built_are_not_measured(db_session, monkeypatch):
    # As if the certificates, packs and scans modules had not landed: "not yet measured".
    monkeypatch.setattr(metrics, "_table", lambda *_args, **_kw: None)
    values = metrics.compute(db_session)
    for key in (
        MetricKey.CERTIFIED_PRODUCTS,
        MetricKey.PACKS_LABELLED,
        MetricKey.SCANS_LAST_30_DAYS,
    ):
        assert values[key] is None
    assert values[MetricKey.LOTS_TRACED] is not None


def test_unmeasured_target_is_blank_not_zero(client, as_role, monkeypatch):
    monkeypatch.setattr(metrics, "_table", lambda *_args, **_kw: None)
    rows = progress(client, as_role("regulator"))
    assert rows["scans_per_month"]["current"] is None
    assert rows["scans_per_month"]["is_measured"] is False
    assert rows["scans_per_month"]["is_met"] is None
    page = client.get("/program/dashboard").get_data(as_text=True)
    row = page.split('data-code="scans_per_month"')[1].split("</tr>")[0]
    assert "尚未计量" in row


def test_admin_edits_a_target_and_the_dashboard_follows(client, as_role, db_session):
    target = db_session.scalar(select(Target).where(Target.code == "training_total"))
    changed = client.patch(
        f"/api/v1/targets/{target.id}",
        json={"target_value": "3500", "label_en": "Person-times trained"},
        headers=as_role("admin"),
    )
    assert changed.status_code == 200 and changed.get_json()["target_value"] == "3500.00"
    row = progress(client, as_role("regulator"))["training_total"]
    assert row["target_value"] == "3500.00" and row["label_en"] == "Person-times trained"
    english = client.get("/program/dashboard?lang=en").get_data(as_text=True)
    assert "Person-times trained" in english and "≥ 3,500" in english


def test_target_validation_and_roles(client, as_role, db_session):
    before = count(db_session, Target)
    body = {
        "code": "online_shops",
        "label_zh": "网店数量",
        "label_en": "Online shops",
        "target_value": "5",
        "unit": "家",
        "metric": "product_brands",
    }
    for field, value in (("metric", "weather"), ("target_value", "0"), ("code", "Bad Code")):
        answer = client.post(
            "/api/v1/targets", json={**body, field: value}, headers=as_role("admin")
        )
        assert answer.status_code == 422 and field in answer.get_json()["errors"]
    dup = client.post(
        "/api/v1/targets", json={**body, "code": "product_brands"}, headers=as_role("admin")
    )
    assert dup.status_code == 409 and "code" in dup.get_json()["errors"]
    for role in ("qc", "station", "regulator"):
        assert client.post("/api/v1/targets", json=body, headers=as_role(role)).status_code == 403
    assert count(db_session, Target) == before
    created = client.post("/api/v1/targets", json=body, headers=as_role("admin"))
    assert created.status_code == 201
    assert "online_shops" in progress(client, as_role("qc"))
    assert client.get("/api/v1/dashboard").status_code == 401


def test_dashboard_page_is_public_with_accessible_svg_charts(client):
    page = client.get("/program/dashboard")
    assert page.status_code == 200 and "text/html" in page.content_type
    html = page.get_data(as_text=True)
    assert "示范项目目标进度" in html and "电商培训人次" in html
    assert html.count("<svg") >= 3 and 'role="img"' in html and "<title" in html
    assert "<script" not in html and 'style="' not in html  # CSP: no inline script or style
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    english = client.get("/program/dashboard?lang=en").get_data(as_text=True)
    assert "Training person-times" in english
    assert client.get("/program/").status_code in (302, 303)


def test_csv_export_matches_the_dashboard(client, as_role, classroom, db_session, admin):
    person = training.create_trainee(db_session, admin, township_code=SANTAI)
    training.record_attendance(db_session, admin, classroom["skills"].id, [person.id])
    answer = client.get("/program/dashboard.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    # The original columns keep their places; the milestone columns come after them.
    assert list(rows[0])[:9] == [
        "code",
        "label_zh",
        "label_en",
        "unit",
        "target_value",
        "current_value",
        "progress_pct",
        "is_met",
        "metric",
    ]
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) >= SEEDED
    json_rows = progress(client, as_role("regulator"))
    person_times = by_code["training_total"]
    assert person_times["label_zh"] == "电商培训人次" and person_times["target_value"] == "3000"
    assert Decimal(person_times["current_value"]) == Decimal(json_rows["training_total"]["current"])
    assert person_times["is_met"] in {"yes", "no"}
    expected_pct = min(Decimal(100), Decimal(person_times["current_value"]) * 100 / 3000)
    assert Decimal(person_times["progress_pct"]) == expected_pct.quantize(Decimal("0.1"))
