"""Training through the API: courses, sessions, trainees, attendance, incubation, roles."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import JINBI, SANTAI
from tests.program.conftest import count
from trace import clock
from trace.models.training import Attendance, Incubation, Trainee, TrainingSession

T = "/api/v1/training"


@pytest.fixture()
def course(client, as_role):
    answer = client.post(
        f"{T}/courses",
        json={"title": "网店运营实操（测试）", "kind": "skills", "provider": "测试学院"},
        headers=as_role("admin"),
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def session_body(course, **overrides):
    body = {
        "course_id": course["id"],
        "township_code": SANTAI,
        "venue": "三台乡服务站培训室",
        "held_on": "2025-06-12",
        "hours": "6",
        "trainer": "测试讲师",
    }
    body.update(overrides)
    return body


def trainee(client, headers, **overrides):
    body = {"township_code": SANTAI, "is_poverty_registered": False, "is_disabled": False}
    body.update(overrides)
    answer = client.post(f"{T}/trainees", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_station_staff_run_a_session_in_their_township(client, as_role, course, db_session):
    headers = as_role("station", SANTAI)
    created = client.post(f"{T}/sessions", json=session_body(course), headers=headers)
    assert created.status_code == 201, created.get_json()
    training = created.get_json()
    assert training["kind"] == "skills" and training["attendance_count"] == 0

    people = [
        trainee(client, headers, is_poverty_registered=True),
        trainee(client, headers, is_disabled=True),
        trainee(client, headers, name="测试学员"),
    ]
    marked = client.post(
        f"{T}/sessions/{training['id']}/attendance",
        json={"trainee_ids": [p["id"] for p in people]},
        headers=headers,
    )
    assert marked.status_code == 201 and len(marked.get_json()) == 3
    again = client.get(f"{T}/sessions/{training['id']}", headers=as_role("regulator")).get_json()
    assert again["attendance_count"] == 3


def test_station_staff_cannot_write_for_another_township(client, as_role, course, db_session):
    headers = as_role("station", SANTAI)
    before = (count(db_session, TrainingSession), count(db_session, Trainee))
    elsewhere = client.post(
        f"{T}/sessions", json=session_body(course, township_code=JINBI), headers=headers
    )
    assert elsewhere.status_code == 403
    assert "township_code" in elsewhere.get_json()["errors"]
    other_trainee = client.post(f"{T}/trainees", json={"township_code": JINBI}, headers=headers)
    assert other_trainee.status_code == 403
    assert (count(db_session, TrainingSession), count(db_session, Trainee)) == before

    jinbi_session = client.post(
        f"{T}/sessions", json=session_body(course, township_code=JINBI), headers=as_role("admin")
    ).get_json()
    person = trainee(client, headers)
    mark = client.post(
        f"{T}/sessions/{jinbi_session['id']}/attendance",
        json={"trainee_ids": [person["id"]]},
        headers=headers,
    )
    assert mark.status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("course_id", 999999),
        ("township_code", "532326999"),
        ("station_id", 999999),
        ("hours", "0"),
        ("held_on", "not a date"),
    ],
)
def test_bad_session_names_the_field(client, as_role, course, db_session, field, value):
    before = count(db_session, TrainingSession)
    answer = client.post(
        f"{T}/sessions", json=session_body(course, **{field: value}), headers=as_role("admin")
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert count(db_session, TrainingSession) == before


def test_trainees_are_flags_only_never_an_id_number(client, as_role, db_session):
    before = count(db_session, Trainee)
    answer = client.post(
        f"{T}/trainees",
        json={"township_code": SANTAI, "id_number": "532326199001011234"},
        headers=as_role("admin"),
    )
    assert answer.status_code == 422 and "id_number" in answer.get_json()["errors"]
    assert count(db_session, Trainee) == before
    created = trainee(client, as_role("admin"), is_poverty_registered=True)
    assert set(created) == {
        "id",
        "name",
        "township_code",
        "village",
        "is_poverty_registered",
        "is_disabled",
        "created_at",
    }


def test_attendance_rules(dayao_clock, client, as_role, course, db_session):
    headers = as_role("admin")
    training = client.post(f"{T}/sessions", json=session_body(course), headers=headers).get_json()
    person = trainee(client, headers)
    url = f"{T}/sessions/{training['id']}/attendance"
    first = client.post(url, json={"trainee_ids": [person["id"]]}, headers=headers)
    assert first.status_code == 201
    before = count(db_session, Attendance)
    twice = client.post(url, json={"trainee_ids": [person["id"]]}, headers=headers)
    assert twice.status_code == 409 and "trainee_ids" in twice.get_json()["errors"]
    unknown = client.post(url, json={"trainee_ids": [person["id"], 999999]}, headers=headers)
    assert unknown.status_code == 422 and "trainee_ids" in unknown.get_json()["errors"]
    empty = client.post(url, json={"trainee_ids": []}, headers=headers)
    assert empty.status_code == 422 and "trainee_ids" in empty.get_json()["errors"]
    assert count(db_session, Attendance) == before

    upcoming = (clock.local_today() + dt.timedelta(days=30)).isoformat()
    later = client.post(
        f"{T}/sessions", json=session_body(course, held_on=upcoming), headers=headers
    ).get_json()
    early = client.post(
        f"{T}/sessions/{later['id']}/attendance",
        json={"trainee_ids": [person["id"]]},
        headers=headers,
    )
    assert early.status_code == 409 and "held_on" in early.get_json()["errors"]
    listed = client.get(url, headers=as_role("regulator")).get_json()
    assert [a["trainee_id"] for a in listed] == [person["id"]]


def test_courses_are_admin_only_and_titles_unique(client, as_role, course):
    body = {"title": "网店运营实操（测试）", "kind": "general"}
    assert client.post(f"{T}/courses", json=body, headers=as_role("admin")).status_code == 409
    for role in ("station", "qc", "regulator"):
        other = {"title": f"课程{role}", "kind": "general"}
        assert client.post(f"{T}/courses", json=other, headers=as_role(role)).status_code == 403
    bad_kind = client.post(
        f"{T}/courses", json={"title": "新课", "kind": "cooking"}, headers=as_role("admin")
    )
    assert bad_kind.status_code == 422 and "kind" in bad_kind.get_json()["errors"]
    listed = client.get(f"{T}/courses?kind=skills", headers=as_role("regulator")).get_json()
    assert [c["title"] for c in listed["items"]] == ["网店运营实操（测试）"]


def test_incubation_and_its_outcome(client, as_role, db_session):
    station = as_role("station", SANTAI)
    person = trainee(client, station)
    created = client.post(
        f"{T}/incubations",
        json={"trainee_id": person["id"], "mentor": "测试导师", "started_on": "2025-09-20"},
        headers=station,
    )
    assert created.status_code == 201 and created.get_json()["outcome"] == "in_progress"
    incubation = created.get_json()
    before = count(db_session, Incubation)
    twice = client.post(
        f"{T}/incubations",
        json={"trainee_id": person["id"], "started_on": "2025-09-21"},
        headers=station,
    )
    assert twice.status_code == 409 and "trainee_id" in twice.get_json()["errors"]
    unknown = client.post(
        f"{T}/incubations", json={"trainee_id": 999999, "started_on": "2025-09-21"}, headers=station
    )
    assert unknown.status_code == 422 and "trainee_id" in unknown.get_json()["errors"]
    assert count(db_session, Incubation) == before

    bad_end = client.patch(
        f"{T}/incubations/{incubation['id']}", json={"ended_on": "2025-01-01"}, headers=station
    )
    assert bad_end.status_code == 422 and "ended_on" in bad_end.get_json()["errors"]
    done = client.patch(
        f"{T}/incubations/{incubation['id']}",
        json={"outcome": "online_shop", "ended_on": "2025-11-05", "business": "测试网店"},
        headers=station,
    )
    assert done.status_code == 200 and done.get_json()["outcome"] == "online_shop"
    regulator = client.patch(
        f"{T}/incubations/{incubation['id']}",
        json={"outcome": "discontinued"},
        headers=as_role("regulator"),
    )
    assert regulator.status_code == 403
    jinbi_station = client.patch(
        f"{T}/incubations/{incubation['id']}",
        json={"outcome": "discontinued"},
        headers=as_role("station", JINBI),
    )
    assert jinbi_station.status_code == 403
    listed = client.get(f"{T}/incubations?outcome=online_shop", headers=as_role("regulator"))
    assert listed.get_json()["total"] == 1


def test_qc_does_not_record_training(client, as_role, course):
    answer = client.post(f"{T}/sessions", json=session_body(course), headers=as_role("qc"))
    assert answer.status_code == 403


def test_public_training_page_shows_totals_and_no_names(client, as_role, course):
    headers = as_role("admin")
    training = client.post(f"{T}/sessions", json=session_body(course), headers=headers).get_json()
    person = trainee(client, headers, name="张测试", is_poverty_registered=True)
    client.post(
        f"{T}/sessions/{training['id']}/attendance",
        json={"trainee_ids": [person["id"]]},
        headers=headers,
    )
    page = client.get("/program/training")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "张测试" not in html
    assert 'data-metric="person_times">1<' in html
    assert 'data-metric="poor_person_times">1<' in html
