"""The demo: a report filed from a demo pack's scan page reaches the demo QC user's dashboard and
triage list, is answered there, and the reporter reads the answer by reference number."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.feedback.conftest import REFERENCE, file_report
from tests.staff.helpers import sign_in, submit, text
from trace.demo import DEMO_DOMAIN, DEMO_PASSWORD, load_demo
from trace.models.disclosure import Notice
from trace.models.feedback import FeedbackReport
from trace.models.labels import CodeStatus, PackCode
from trace.models.users import User


def test_demo_pack_report_reaches_the_demo_qc_user_and_is_answered(app, client, db_session):
    assert load_demo(db_session) is True
    demo_reports = db_session.scalars(select(FeedbackReport)).all()
    assert {r.status.value for r in demo_reports} >= {"answered", "new"}
    assert all("示例" in r.description for r in demo_reports)
    assert all("示例" in n.title for n in db_session.scalars(select(Notice)))
    pack = db_session.scalars(
        select(PackCode).where(PackCode.status == CodeStatus.ACTIVE).order_by(PackCode.id.desc())
    ).first()

    scan_page = text(client.get(f"/scan/{pack.serial}"))
    form_url = re.search(r'href="(/report\?code=[^"]+)"', scan_page).group(1)
    filed = file_report(
        client, {"kind": "labelling", "description": "净含量标注和实际不符"}, url=form_url
    )
    reference = REFERENCE.search(filed.headers["Location"]).group(0)

    staff = app.test_client()
    qc = db_session.scalar(select(User).where(User.email == f"qc@{DEMO_DOMAIN}"))
    sign_in(staff, qc, DEMO_PASSWORD)
    assert reference in text(staff.get("/staff/"))
    assert reference in text(staff.get("/staff/reports"))
    report = db_session.scalar(select(FeedbackReport).where(FeedbackReport.reference == reference))
    assert report.pack_code_id == pack.id
    url = f"/staff/reports/{report.id}"
    submit(staff, f"{url}/answer", {"public_answer": "已请生产方复核净含量，结果将另行告知。"}, url)

    status = text(client.get(f"/report/status?ref={reference}"))
    assert 'data-status="answered"' in status and "已请生产方复核净含量" in status
    assert "政务公开" in text(client.get("/disclosure"))
