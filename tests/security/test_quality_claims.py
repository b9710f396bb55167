"""Issue 16.3: only the services owning inspections, holds and recalls write events claiming them;
the public page shows pass or fail only from real inspection records."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from trace.models.events import EventType
from trace.services.events import append_event

WHEN = "2025-09-25T10:00:00+08:00"
CLAIMS = ("inspecting", "holding", "recalling", "commissioning", "transforming")


@pytest.fixture(autouse=True)
def _fresh_public_records(app):
    app.extensions.pop("trace.public_records", None)  # ids repeat across rolled-back tests


@pytest.fixture()
def lot(db_session, make_user):
    return factories.batch(db_session, make_user("admin"))


@pytest.mark.parametrize("role", ["station", "qc", "admin"])
@pytest.mark.parametrize("claim", CLAIMS)
def test_events_claiming_quality_or_status_are_not_typed_in(
    client, as_role, lot, db_session, role, claim
):
    body = {
        "event_type": claim,
        "occurred_at": WHEN,
        "details": {"passed": True, "report_no": "FAKE-1"},
    }
    answer = client.post(f"/api/v1/batches/{lot.id}/events", json=body, headers=as_role(role))
    assert answer.status_code == 422, answer.get_json()
    assert "event_type" in answer.get_json()["errors"]
    page = client.get(f"/lots/{lot.lot}", headers={"Accept": "application/json"}).get_json()
    assert [e["type"] for e in page["timeline"]] == ["commissioning"]
    assert page["status"] == "active"


def test_the_services_still_append_them_and_the_page_reads_the_lab_report(
    client, db_session, make_user, lot
):
    qc = make_user("qc")
    factories.passed_inspection(db_session, qc, lot)
    db_session.flush()
    page = client.get(f"/lots/{lot.lot}", headers={"Accept": "application/json"}).get_json()
    inspecting = [e for e in page["timeline"] if e["type"] == "inspecting"]
    assert len(inspecting) == 1 and inspecting[0]["details"]["passed"] is True


def test_an_inspection_event_without_a_lab_report_shows_no_quality(client, db_session, lot):
    # As one typed in before the fix (or written by a careless caller): no Inspection record.
    when = dt.datetime(2025, 9, 20, 10, tzinfo=dt.UTC)
    details = {"passed": True, "report_no": "NO-SUCH-REPORT"}
    append_event(db_session, None, lot, EventType.INSPECTING, when, "", details, system=True)
    append_event(db_session, None, lot, EventType.DRYING, when, "", {"passed": True}, system=True)
    db_session.flush()
    page = client.get(f"/lots/{lot.lot}", headers={"Accept": "application/json"}).get_json()
    assert [e["type"] for e in page["timeline"]] == ["commissioning", "drying"]
    assert all("passed" not in e["details"] for e in page["timeline"])
    html = client.get(f"/lots/{lot.lot}").get_data(as_text=True)
    assert "合格" not in html and "质量检测" not in html
