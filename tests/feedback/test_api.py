"""The JSON API for reports and notices: role-checked, bad input answered by field, nothing
written on error, described in the OpenAPI document."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from trace.models.disclosure import Notice, NoticeAttachment
from trace.models.feedback import FeedbackStep
from trace.services import feedback as service

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture()
def report(db_session, labelled):
    filed = service.file_report(
        db_session,
        kind="counterfeit",
        description="防伪码查询说已被查询多次",
        code=labelled.serials[0],
        contact="13987800001",
    )
    db_session.flush()
    return filed


def _steps(db_session) -> int:
    return db_session.scalar(select(func.count(FeedbackStep.id))) or 0


def test_reports_need_a_role_that_reads_them(client, as_role, report):
    assert client.get("/api/v1/reports").status_code == 401
    assert client.get("/api/v1/reports", headers=as_role("station")).status_code == 403
    for role in ("qc", "regulator", "admin"):
        body = client.get("/api/v1/reports?status=open", headers=as_role(role)).get_json()
        assert [r["reference"] for r in body["items"]] == [report.reference]
    item = body["items"][0]
    assert item["lot"] and item["has_contact"] is True
    assert "contact" not in item and "client_key" not in item and "13987800001" not in str(body)


def test_detail_has_the_pack_scan_log_and_history(client, as_role, report, labelled):
    client.get(f"/scan/{labelled.serials[0]}")
    body = client.get(f"/api/v1/reports/{report.id}", headers=as_role("qc")).get_json()
    assert body["report"]["reference"] == report.reference
    assert body["serial"] == labelled.serials[0] and body["lot"] == labelled.batch.lot
    assert body["contact_masked"] == "139****0001"
    assert [s["verdict"] for s in body["scans"]] == ["genuine"]
    assert [h["action"] for h in body["history"]] == ["filed"]
    assert client.get("/api/v1/reports/999999", headers=as_role("qc")).status_code == 404


def test_triage_steps_through_the_api(client, as_role, report, make_user, db_session):
    qc = as_role("qc")
    assignee = make_user("qc")
    assigned = client.post(
        f"/api/v1/reports/{report.id}/assign", json={"assignee_id": assignee.id}, headers=qc
    )
    assert assigned.status_code == 200 and assigned.get_json()["status"] == "in_progress"
    answered = client.post(
        f"/api/v1/reports/{report.id}/answer", json={"public_answer": "正在核查"}, headers=qc
    )
    assert answered.get_json()["status"] == "answered"
    closed = client.post(
        f"/api/v1/reports/{report.id}/close",
        json={"outcome": "unfounded", "reason": "扫码记录正常"},
        headers=qc,
    )
    assert closed.status_code == 200 and closed.get_json()["outcome"] == "unfounded"
    before = _steps(db_session)
    again = client.post(f"/api/v1/reports/{report.id}/escalate", json={"reason": "x"}, headers=qc)
    assert again.status_code == 409 and "status" in again.get_json()["errors"]
    assert _steps(db_session) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("assign", {"assignee_id": 987654}, "assignee_id"),  # unknown id in the body
        ("assign", {"assignee_id": "3"}, "assignee_id"),  # a string where a number belongs
        ("answer", {"public_answer": ""}, "public_answer"),
        ("close", {"outcome": "maybe", "reason": "x"}, "outcome"),
        ("close", {"outcome": "unfounded"}, "reason"),
        ("escalate", {"reason": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_answered_by_field_and_writes_nothing(
    client, as_role, report, db_session, path, body, field
):
    before = _steps(db_session)
    answer = client.post(f"/api/v1/reports/{report.id}/{path}", json=body, headers=as_role("qc"))
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]
    assert _steps(db_session) == before


def test_a_station_user_cannot_be_assigned(client, as_role, report, make_user):
    station = make_user("station")
    answer = client.post(
        f"/api/v1/reports/{report.id}/assign",
        json={"assignee_id": station.id},
        headers=as_role("qc"),
    )
    assert answer.status_code == 422 and "assignee_id" in answer.get_json()["errors"]


def test_regulator_reads_and_reveals_but_does_not_triage(client, as_role, report, db_session):
    regulator = as_role("regulator")
    refused = client.post(
        f"/api/v1/reports/{report.id}/answer", json={"public_answer": "x"}, headers=regulator
    )
    assert refused.status_code == 403
    shown = client.post(f"/api/v1/reports/{report.id}/contact", headers=regulator)
    assert shown.status_code == 200 and shown.get_json() == {
        "kind": "phone",
        "value": "13987800001",
    }
    assert (
        client.post(f"/api/v1/reports/{report.id}/contact", headers=as_role("admin")).status_code
        == 403
    )


def test_clusters_and_statistics(client, as_role, report, db_session, labelled):
    service.file_report(
        db_session, kind="counterfeit", description="又一个", code=labelled.serials[1]
    )
    db_session.flush()
    clusters = client.get("/api/v1/reports/clusters", headers=as_role("qc")).get_json()
    assert clusters[0]["stands_out"] and clusters[0]["counterfeit"] == 2
    stats = client.get("/api/v1/reports/statistics", headers=as_role("regulator")).get_json()
    assert len(stats) == 12 and stats[0]["total"] == 2 and stats[0]["by_kind"]["counterfeit"] == 2
    assert client.get("/api/v1/reports/statistics").status_code == 401


def test_regulator_opens_a_recall_from_a_report(client, as_role, report, labelled):
    opened = client.post(
        f"/api/v1/reports/{report.id}/recall",
        json={"level": 3, "reason": "consumer report", "instructions": "stop selling"},
        headers=as_role("regulator"),
    )
    # The public notice needs its own words: the record's reason may name the report.
    assert opened.status_code == 422 and "public_reason" in opened.get_json()["errors"]
    quoting = client.post(
        f"/api/v1/reports/{report.id}/recall",
        json={
            "level": 3,
            "reason": "consumer report",
            "public_reason": f"reported as {report.reference}",
            "instructions": "stop selling",
        },
        headers=as_role("regulator"),
    )
    assert quoting.status_code == 422 and "public_reason" in quoting.get_json()["errors"]
    opened = client.post(
        f"/api/v1/reports/{report.id}/recall",
        json={
            "level": 3,
            "reason": f"consumer report {report.reference}",
            "public_reason": "packs may be mouldy",
            "instructions": "stop selling",
        },
        headers=as_role("regulator"),
    )
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["batch_id"] == labelled.batch.id
    assert (
        client.post(
            f"/api/v1/reports/{report.id}/recall",
            json={"level": 3, "reason": "x", "instructions": "y"},
            headers=as_role("qc"),
        ).status_code
        == 403
    )


def test_photo_is_for_staff_only(client, as_role, db_session, photo_dir):
    from tests.feedback.conftest import jpeg_bytes

    filed = service.file_report(
        db_session,
        kind="quality",
        description="看照片",
        photo=service.prepare_photo(jpeg_bytes()),
        photo_dir=photo_dir,
    )
    db_session.flush()
    assert client.get(f"/api/v1/reports/{filed.id}/photo").status_code == 401
    photo = client.get(f"/api/v1/reports/{filed.id}/photo", headers=as_role("qc"))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "no-store" in photo.headers["Cache-Control"]


def _notice(client, headers, **overrides):
    body = {"title": "示范项目实施方案（示例）", "category": "plan", "published_on": "2025-03-01"}
    body.update(overrides)
    return client.post("/api/v1/notices", json=body, headers=headers)


def test_notices_are_written_by_admin_only(client, as_role, db_session):
    assert _notice(client, as_role("qc")).status_code == 403
    assert _notice(client, as_role("regulator")).status_code == 403
    assert _notice(client, {}).status_code == 401
    created = _notice(client, as_role("admin"), body="第一条\n第二条")
    assert created.status_code == 201 and created.get_json()["is_published"] is True
    bad = _notice(client, as_role("admin"), category="gossip", published_on="yesterday")
    assert bad.status_code == 422 and {"category", "published_on"} <= set(bad.get_json()["errors"])
    assert db_session.scalar(select(func.count(Notice.id))) == 1
    listed = client.get("/api/v1/notices", headers=as_role("qc")).get_json()
    assert listed["total"] == 1


def test_notice_attachments_are_pdf_only(client, as_role, db_session, tmp_path):
    admin = as_role("admin")
    notice_id = _notice(client, admin).get_json()["id"]
    url = f"/api/v1/notices/{notice_id}/attachments"

    def upload(data, name, content_type):
        return client.post(
            url,
            data={"file": (io.BytesIO(data), name, content_type)},
            headers=admin,
            content_type="multipart/form-data",
        )

    assert upload(PDF_BYTES, "方案.pdf", "application/pdf").status_code == 201
    for data, name, kind in (
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "fake.pdf", "application/pdf"),
        (PDF_BYTES, "plan.docx", "application/msword"),
    ):
        refused = upload(data, name, kind)
        assert refused.status_code == 422 and "file" in refused.get_json()["errors"]
    assert db_session.scalar(select(func.count(NoticeAttachment.id))) == 1
    assert client.post("/api/v1/notices/987654/attachments", headers=admin).status_code in {
        404,
        422,
    }
    stored = [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].suffix == ".pdf"


def test_figures_name_unknown_targets(client, as_role):
    admin = as_role("admin")
    bad = client.post(
        "/api/v1/disclosure-figures",
        json={
            "label_zh": "交易额增长",
            "value": "36.5",
            "as_of": "2025-06-30",
            "target_code": "nope",
        },
        headers=admin,
    )
    assert bad.status_code == 422 and "target_code" in bad.get_json()["errors"]
    good = client.post(
        "/api/v1/disclosure-figures",
        json={
            "label_zh": "电商交易额增长",
            "value": "36.5",
            "unit": "%",
            "target_value": "35",
            "as_of": "2025-06-30",
        },
        headers=admin,
    )
    assert good.status_code == 201 and good.get_json()["value"] == "36.50"
    figure_id = good.get_json()["id"]
    patched = client.patch(
        f"/api/v1/disclosure-figures/{figure_id}", json={"value": "40"}, headers=admin
    )
    assert patched.get_json()["value"] == "40.00"
    assert (
        client.delete(f"/api/v1/disclosure-figures/{figure_id}", headers=admin).status_code == 204
    )
    assert client.get("/api/v1/disclosure-figures", headers=as_role("qc")).get_json() == []


def test_openapi_describes_reports_and_notices(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/reports", "/api/v1/reports/{report_id}/answer", "/api/v1/notices"} <= set(
        paths
    )
