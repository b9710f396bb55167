"""The issue's "done when": a report filed from a demo pack's scan page reaches a QC user's triage
list and dashboard, is answered there, and the reporter sees the answer by reference number."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.feedback.conftest import REFERENCE, file_report
from tests.staff.helpers import sign_in, submit, text
from trace.models.audit import AuditEntry
from trace.models.feedback import FeedbackReport


def test_from_scan_page_to_answer_seen_by_the_reporter(
    client, app, labelled, make_user, db_session
):
    serial = labelled.serials[0]
    scan_page = text(client.get(f"/scan/{serial}"))
    link = re.search(r'href="(/report\?code=[^"]+)"', scan_page)
    assert link, "the scan page links to the report form"
    form_url = link.group(1).replace("&amp;", "&")

    form_page = text(client.get(form_url))
    assert f'value="{serial}"' in form_page  # the pack's code is filled in
    assert labelled.batch.lot in form_page  # and the reporter sees which pack it is

    filed = file_report(
        client,
        {
            "kind": "counterfeit",
            "description": "包装印刷模糊，和超市里的不一样",
            "code": serial,
            "contact": "13987800001",
        },
        url=form_url,
    )
    assert filed.status_code == 303
    status_url = filed.headers["Location"]
    reference = REFERENCE.search(status_url).group(0)
    receipt = text(client.get(status_url))
    assert reference in receipt and 'data-status="new"' in receipt
    assert "13987800001" not in receipt  # the contact is never shown publicly

    report = db_session.scalar(select(FeedbackReport).where(FeedbackReport.reference == reference))
    assert report.batch_id == labelled.batch.id and report.pack_code.serial == serial

    staff = app.test_client()
    qc = make_user("qc")
    sign_in(staff, qc)
    dashboard = text(staff.get("/staff/"))
    assert "panel-reports" in dashboard and reference in dashboard
    triage = text(staff.get("/staff/reports"))
    assert reference in triage and labelled.batch.lot in triage
    detail_url = f"/staff/reports/{report.id}"
    detail = text(staff.get(detail_url))
    assert labelled.batch.lot in detail and labelled.batch.producer.name in detail
    assert 'class="scan verdict-genuine"' in detail  # the pack's scan history beside it
    assert "139****0001" in detail and "13987800001" not in detail  # masked contact

    answered = submit(
        staff,
        f"{detail_url}/answer",
        {"public_answer": "经核查为正品，包装批次不同导致印刷差异。", "note": "已联系生产方核对"},
        form_page=detail_url,
    )
    assert answered.status_code == 303

    status = text(client.get(f"/report/status?ref={reference.lower()}"))
    assert 'data-status="answered"' in status
    assert "经核查为正品" in status
    assert "已联系生产方核对" not in status  # the internal note stays inside
    as_json = client.get(f"/report/status?ref={reference}", headers={"Accept": "application/json"})
    assert as_json.get_json()["status"] == "answered"
    assert as_json.get_json()["answers"][0]["text"].startswith("经核查为正品")
    actions = set(
        db_session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(report.id)))
    )
    assert {"report.create", "report.answer"} <= actions
