"""The public disclosure page (政务公开): plan, progress, published notices with PDFs, complaint
counts by month; no sign-in, no personal details; admins manage it on staff pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from sqlalchemy import select

from tests.staff.helpers import csrf_from, sign_in, submit, text
from trace import clock
from trace.models.disclosure import Notice
from trace.models.feedback import FeedbackReport
from trace.services import disclosure as service
from trace.services import feedback as feedback_service
from trace.services import targets as target_service

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _notice(db_session, admin, **overrides):
    data = {
        "title": "大姚县电子商务进农村综合示范项目实施方案（示例）",
        "category": "plan",
        "published_on": dt.date(2025, 3, 1),
        "body": "一、总体目标\n二、建设内容",
        "is_published": True,
    }
    data.update(overrides)
    notice = service.create_notice(db_session, admin, **data)
    db_session.flush()
    return notice


def test_public_page_needs_no_sign_in_and_shows_every_section(client, db_session, make_user):
    admin = make_user("admin")
    _notice(db_session, admin)
    _notice(db_session, admin, title="草稿公告", category="funds", is_published=False)
    page = client.get("/disclosure")
    html = text(page)
    assert page.status_code == 200
    for section in ('id="plan"', 'id="progress"', 'id="notices"', 'id="complaints"'):
        assert section in html
    assert "实施方案（示例）" in html and "草稿公告" not in html
    assert page.headers["Cache-Control"].startswith("public")
    english = text(client.get("/disclosure?lang=en"))
    assert "Public disclosure" in english


def test_progress_uses_the_dashboard_numbers_then_reported_figures(client, db_session, make_user):
    admin = make_user("admin")
    computed = {p.target.code: p.current for p in target_service.progress(db_session)}
    assert computed, "the plan's targets are seeded by the programme migration"
    rows = {r.code: r for r in service.progress_rows(db_session)}
    for code, current in computed.items():  # the dashboard's own figures, not recomputed
        assert rows[code].current == current
        assert rows[code].source == ("records" if current is not None else "")
    service.create_figure(
        db_session,
        admin,
        label_zh="资金使用进度",
        value=Decimal("62.5"),
        unit="%",
        target_value=Decimal(100),
        as_of=dt.date(2025, 6, 30),
        source="县商务局",
    )
    db_session.flush()
    html = text(client.get("/disclosure"))
    assert "资金使用进度" in html and "62.5" in html and "县级填报" in html
    measured = next(code for code, current in computed.items() if current is not None)
    assert f'data-code="{measured}" data-source="records"' in html


def test_a_reported_figure_stands_in_for_an_unmeasured_target(db_session, make_user):
    admin = make_user("admin")
    # Turnover growth: the records cannot measure it and the office has entered nothing yet.
    target = target_service.target_by_code(db_session, "ecommerce_turnover_growth")
    assert target is not None
    service.create_figure(
        db_session,
        admin,
        label_zh=target.label_zh,
        value=target.target_value / 2,
        as_of=dt.date(2025, 6, 30),
        target_code=target.code,
    )
    db_session.flush()
    rows = {r.code: r for r in service.progress_rows(db_session)}
    row = rows[target.code]
    assert row.source == "reported" and row.current == target.target_value / 2
    assert row.as_of == dt.date(2025, 6, 30) and row.pct == Decimal("50.0")
    assert len(rows) == len(target_service.all_targets(db_session))  # not listed twice


def test_complaint_statistics_by_month_without_personal_details(
    dayao_clock, client, db_session, labelled
):
    for kind, contact in (("counterfeit", "13987800001"), ("quality", ""), ("quality", "a@b.cn")):
        feedback_service.file_report(
            db_session, kind=kind, description="非常私密的描述", contact=contact
        )
    db_session.flush()
    closed = db_session.scalars(
        select(FeedbackReport).where(FeedbackReport.kind == "quality")
    ).first()
    feedback_service.close_report(
        db_session, _qc(db_session, labelled), closed.id, "unfounded", "x"
    )
    db_session.flush()
    page = text(client.get("/disclosure"))
    month = clock.local_today().strftime("%Y-%m")
    assert f'data-month="{month}"' in page
    row = page.split(f'data-month="{month}"')[1].split("</tr>")[0]
    assert '<td class="total">3</td>' in row
    assert '<td data-kind="quality">2</td>' in row and '<td data-outcome="unfounded">1</td>' in row
    assert '<td data-outcome="open">2</td>' in row
    for secret in ("13987800001", "a@b.cn", "非常私密的描述", "FK-"):
        assert secret not in page
    body = client.get("/disclosure", headers={"Accept": "application/json"}).get_json()
    assert body["complaints_by_month"][0] == {
        "month": month,
        "total": 3,
        "by_kind": {"counterfeit": 1, "quality": 2, "labelling": 0, "other": 0},
        "by_outcome": {
            "open": 2,
            "substantiated": 0,
            "unfounded": 1,
            "insufficient": 0,
            "duplicate": 0,
            "referred": 0,
        },
    }


def _qc(db_session, labelled):
    from trace.models.users import Role, User

    user = User(email="qc-stats@test.example.cn", name="qc", role=Role.QC, password_hash="x")
    db_session.add(user)
    db_session.flush()
    return user


def test_notice_page_and_pdf_for_the_public_drafts_hidden(client, db_session, make_user, tmp_path):
    admin = make_user("admin")
    notice = _notice(db_session, admin)
    attachment = service.attach_file(
        db_session,
        admin,
        notice.id,
        data=PDF_BYTES,
        content_type="application/pdf",
        filename="实施方案.pdf",
        upload_dir=tmp_path / "uploads",
    )
    db_session.flush()
    page = text(client.get(f"/disclosure/notices/{notice.id}"))
    assert "二、建设内容" in page and "实施方案.pdf" in page
    pdf = client.get(f"/disclosure/notices/{notice.id}/files/{attachment.id}")
    assert pdf.status_code == 200 and pdf.data == PDF_BYTES and pdf.mimetype == "application/pdf"
    service.update_notice(db_session, admin, notice.id, is_published=False)
    db_session.flush()
    assert client.get(f"/disclosure/notices/{notice.id}").status_code == 404
    assert client.get(f"/disclosure/notices/{notice.id}/files/{attachment.id}").status_code == 404
    assert "实施方案（示例）" not in text(client.get("/disclosure/notices"))


def test_notices_list_filters_by_category(client, db_session, make_user):
    admin = make_user("admin")
    _notice(db_session, admin, title="资金使用公示（示例）", category="funds")
    _notice(db_session, admin, title="验收结果公示（示例）", category="acceptance")
    funds = text(client.get("/disclosure/notices?category=funds"))
    assert "资金使用公示" in funds and "验收结果公示" not in funds
    assert "验收结果公示" in text(client.get("/disclosure/notices?category=bogus"))


def test_admin_manages_notices_and_figures_on_staff_pages(app, db_session, make_user):
    client = app.test_client()
    sign_in(client, make_user("admin"))
    created = submit(
        client,
        "/staff/disclosure/notices/new",
        {
            "title": "承办主体遴选结果公示（示例）",
            "category": "selection",
            "published_on": "2025-04-02",
            "body": "略",
            "is_published": "1",
        },
    )
    assert created.status_code == 303
    notice = db_session.scalars(select(Notice)).one()
    edit_url = f"/staff/disclosure/notices/{notice.id}"
    token = csrf_from(client.get(edit_url))
    uploaded = client.post(
        f"{edit_url}/attachments",
        data={"csrf_token": token, "file": (io.BytesIO(PDF_BYTES), "结果.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303
    wrong = client.post(
        f"{edit_url}/attachments",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(b"GIF89a...."), "结果.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and 'id="file-error"' in text(wrong)
    withdrawn = submit(
        client,
        edit_url,
        {
            "title": notice.title,
            "category": "selection",
            "published_on": "2025-04-02",
            "body": "略",
        },
    )
    assert withdrawn.status_code == 303
    db_session.expire_all()
    assert db_session.get(Notice, notice.id).is_published is False  # the box was left unticked
    figure = submit(
        client,
        "/staff/disclosure/figures",
        {
            "label_zh": "电商交易额增长",
            "value": "36.5",
            "unit": "%",
            "as_of": "2025-06-30",
            "sort_order": "1",
        },
    )
    assert figure.status_code == 303
    assert "36.5" in text(client.get("/disclosure"))


def test_staff_disclosure_pages_are_for_admin_only(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("qc"))
    assert client.get("/staff/disclosure/notices").status_code == 403
