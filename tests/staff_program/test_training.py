"""Training forms: courses (admin), sessions and attendance (station staff, own township)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.conftest import JINBI, SANTAI
from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from trace import clock
from trace.models.training import (
    Attendance,
    Course,
    Incubation,
    IncubationOutcome,
    Trainee,
    TrainingSession,
)
from trace.services import training


def _count(db_session, column) -> int:
    return db_session.scalar(select(func.count(column)))


@pytest.fixture()
def course(db_session, admin):
    return training.create_course(db_session, admin, title="示例电商技能课", kind="skills")


def test_admin_adds_a_course_and_a_bad_one_is_named(client, db_session, admin):
    sign_in(client, admin)
    before = _count(db_session, Course.id)
    ok = submit(
        client, "/staff/program/training/courses/new", {"title": "示例直播带货", "kind": "skills"}
    )
    assert ok.status_code == 303 and _count(db_session, Course.id) == before + 1
    assert "示例直播带货" in text(client.get("/staff/program/training"))
    bad = submit(
        client, "/staff/program/training/courses/new", {"kind": "skills", "provider": "示例学校"}
    )
    assert bad.status_code == 422
    assert field_error(text(bad), "title") == "必填"
    assert field_value(text(bad), "provider") == "示例学校"
    assert _count(db_session, Course.id) == before + 1


def test_station_may_not_add_courses(client, db_session, make_user):
    sign_in(client, make_user("station"))
    page = client.get("/staff/program/training")
    before = _count(db_session, Course.id)
    refused = client.post(
        "/staff/program/training/courses/new",
        data={"title": "越权课程", "kind": "general", "csrf_token": csrf_from(page)},
    )
    assert refused.status_code == 403 and _count(db_session, Course.id) == before


def test_station_records_a_session_and_its_attendance(
    dayao_clock, client, db_session, make_user, course
):
    station = make_user("station")
    sign_in(client, station)
    form = text(client.get("/staff/program/training/sessions/new"))
    assert f'value="{SANTAI}"' in form and f'value="{JINBI}"' not in form
    before = _count(db_session, TrainingSession.id)
    held = (clock.local_today() - dt.timedelta(days=1)).isoformat()
    response = submit(
        client,
        "/staff/program/training/sessions/new",
        {"course_id": str(course.id), "township_code": SANTAI, "held_on": held, "hours": "4"},
    )
    assert response.status_code == 303
    assert _count(db_session, TrainingSession.id) == before + 1
    url = response.headers["Location"]
    page = text(client.get(url))
    assert "身份证" in page  # says it does not ask for one
    assert "id_number" not in page
    trainees, present = _count(db_session, Trainee.id), _count(db_session, Attendance.id)
    done = submit(
        client,
        url,
        {
            "name_0": "示例学员甲",
            "village_0": "三台村",
            "poverty_0": "1",
            "name_1": "示例学员乙",
            "disabled_1": "1",
        },
    )
    assert done.status_code == 303
    assert _count(db_session, Trainee.id) == trainees + 2
    assert _count(db_session, Attendance.id) == present + 2
    a = db_session.scalar(select(Trainee).where(Trainee.name == "示例学员甲"))
    b = db_session.scalar(select(Trainee).where(Trainee.name == "示例学员乙"))
    assert a.is_poverty_registered and not a.is_disabled and a.township_code == SANTAI
    assert b.is_disabled and not b.is_poverty_registered
    assert "示例学员甲" in text(client.get(url))

    # A too-long village is named beside that row; nothing is written.
    bad = submit(client, url, {"name_0": "示例学员丙", "village_0": "村" * 51})
    assert bad.status_code == 422
    assert field_error(text(bad), "village_0") == "太长了：最多 50 个字符"
    assert _count(db_session, Trainee.id) == trainees + 2


def test_station_cannot_hold_a_session_in_another_township(client, db_session, make_user, course):
    sign_in(client, make_user("station"))
    before = _count(db_session, TrainingSession.id)
    response = submit(
        client,
        "/staff/program/training/sessions/new",
        {
            "course_id": str(course.id),
            "township_code": JINBI,
            "held_on": "2025-05-01",
            "hours": "2",
        },
    )
    assert response.status_code == 422
    assert field_error(text(response), "township_code") == "服务站人员只能登记本乡镇的记录"
    assert _count(db_session, TrainingSession.id) == before
    missing = submit(client, "/staff/program/training/sessions/new", {"township_code": SANTAI})
    assert field_error(text(missing), "course_id") == "必填"
    assert field_error(text(missing), "hours") == "必填"


def test_regulator_may_not_record_training(client, db_session, make_user, course):
    sign_in(client, make_user("regulator"))
    page = client.get("/staff/program/training")
    assert page.status_code == 200 and "登记场次" not in text(page)
    before = _count(db_session, TrainingSession.id)
    refused = client.post(
        "/staff/program/training/sessions/new",
        data={
            "course_id": str(course.id),
            "township_code": SANTAI,
            "held_on": "2025-05-01",
            "hours": "2",
            "csrf_token": csrf_from(page),
        },
    )
    assert refused.status_code == 403 and _count(db_session, TrainingSession.id) == before


def test_incubation_added_and_its_outcome_recorded(client, db_session, make_user):
    station = make_user("station")
    trainee = training.create_trainee(
        db_session, station, name="示例创业者", township_code=SANTAI, is_poverty_registered=True
    )
    sign_in(client, station)
    before = _count(db_session, Incubation.id)
    bad = submit(
        client,
        "/staff/program/training/incubations/new",
        {"trainee_id": str(trainee.id), "outcome": "in_progress"},
    )
    assert bad.status_code == 422 and field_error(text(bad), "started_on") == "必填"
    assert _count(db_session, Incubation.id) == before
    ok = submit(
        client,
        "/staff/program/training/incubations/new",
        {
            "trainee_id": str(trainee.id),
            "business": "示例网店",
            "started_on": "2025-04-01",
            "outcome": "in_progress",
        },
    )
    assert ok.status_code == 303 and _count(db_session, Incubation.id) == before + 1
    incubation = db_session.scalar(select(Incubation).where(Incubation.trainee_id == trainee.id))
    url = f"/staff/program/training/incubations/{incubation.id}"
    early = submit(client, url, {"outcome": "online_shop", "ended_on": "2025-03-01"})
    assert early.status_code == 422 and field_error(text(early), "ended_on")
    done = submit(
        client, url, {"outcome": "online_shop", "ended_on": "2025-08-01", "outcome_note": "已开店"}
    )
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(Incubation, incubation.id).outcome is IncubationOutcome.ONLINE_SHOP
