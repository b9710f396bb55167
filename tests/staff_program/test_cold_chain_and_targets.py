"""Temperature readings and alerts through the forms; the admin edits a target's value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from trace import clock
from trace.models.logistics import TemperatureAlert, TemperatureReading
from trace.models.targets import Target


def _count(db_session, column) -> int:
    return db_session.scalar(select(func.count(column)))


def _now() -> str:
    return (clock.local_now() - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")


def test_a_warm_reading_raises_an_alert_that_qc_acknowledges(client, db_session, make_user, places):
    sign_in(client, make_user("qc"))
    cold = str(places["cold_store"].id)
    readings, alerts = (
        _count(db_session, TemperatureReading.id),
        _count(db_session, TemperatureAlert.id),
    )
    fine = submit(
        client,
        "/staff/program/temperatures/new",
        {
            "facility_id": cold,
            "product_category": "walnut_kernel",
            "measured_at": _now(),
            "temperature_c": "3.5",
        },
    )
    assert fine.status_code == 303
    warm = submit(
        client,
        "/staff/program/temperatures/new",
        {
            "facility_id": cold,
            "product_category": "walnut_kernel",
            "measured_at": _now(),
            "temperature_c": "9.5",
        },
    )
    assert warm.status_code == 303 and warm.headers["Location"] == "/staff/program/alerts"
    assert _count(db_session, TemperatureReading.id) == readings + 2
    assert _count(db_session, TemperatureAlert.id) == alerts + 1
    page = client.get("/staff/program/alerts")
    assert "9.5" in text(page) and "测试冷库" in text(page)
    alert = db_session.scalar(select(TemperatureAlert).order_by(TemperatureAlert.id.desc()))
    ack = client.post(
        f"/staff/program/alerts/{alert.id}/acknowledge",
        data={"note": "已检修压缩机", "csrf_token": csrf_from(page)},
    )
    assert ack.status_code == 303
    db_session.expire_all()
    assert db_session.get(TemperatureAlert, alert.id).acknowledged_at is not None
    assert "9.5" not in text(client.get("/staff/program/alerts"))


def test_bad_reading_is_named_and_nothing_is_written(client, db_session, make_user, places):
    sign_in(client, make_user("qc"))
    before = _count(db_session, TemperatureReading.id)
    response = submit(
        client,
        "/staff/program/temperatures/new",
        {
            "facility_id": str(places["cold_store"].id),
            "product_category": "honey",
            "measured_at": _now(),
            "temperature_c": "hot",
        },
    )
    assert response.status_code == 422
    assert field_error(text(response), "temperature_c") == "请输入数字"
    assert field_value(text(response), "temperature_c") == "hot"
    assert _count(db_session, TemperatureReading.id) == before


@pytest.mark.parametrize("role", ["station", "regulator"])
def test_station_and_regulator_may_not_record_temperatures(
    client, db_session, make_user, places, role
):
    sign_in(client, make_user(role))
    page = client.get("/staff/program/alerts")
    assert page.status_code == 200
    before = _count(db_session, TemperatureReading.id)
    refused = client.post(
        "/staff/program/temperatures/new",
        data={
            "facility_id": str(places["cold_store"].id),
            "product_category": "honey",
            "measured_at": _now(),
            "temperature_c": "5",
            "csrf_token": csrf_from(page),
        },
    )
    assert refused.status_code == 403 and _count(db_session, TemperatureReading.id) == before


def test_admin_edits_a_target_value(client, db_session, admin):
    target = db_session.scalar(select(Target).where(Target.code == "training_total"))
    sign_in(client, admin)
    url = f"/staff/program/targets/{target.id}/edit"
    assert target.label_zh in text(client.get("/staff/program/targets"))
    bad = submit(client, url, {"target_value": "0", "unit": "人次"})
    assert bad.status_code == 422 and field_error(text(bad), "target_value") == "超出允许范围"
    db_session.expire_all()
    kept = db_session.get(Target, target.id).target_value
    ok = submit(client, url, {"target_value": "6000", "unit": "人次"})
    assert ok.status_code == 303
    db_session.expire_all()
    assert db_session.get(Target, target.id).target_value == Decimal("6000") != kept


@pytest.mark.parametrize("role", ["qc", "station", "regulator"])
def test_only_admin_edits_targets(client, db_session, make_user, role):
    target = db_session.scalar(select(Target).where(Target.code == "training_total"))
    sign_in(client, make_user(role))
    page = client.get("/staff/program/targets")
    assert page.status_code == 200
    refused = client.post(
        f"/staff/program/targets/{target.id}/edit",
        data={"target_value": "1", "csrf_token": csrf_from(page)},
    )
    assert refused.status_code == 403
    db_session.expire_all()
    assert db_session.get(Target, target.id).target_value != Decimal("1")
