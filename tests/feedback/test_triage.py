"""Staff triage on the pages: who sees reports, each step audited and kept in the report's history,
the contact masked until revealed (and the look recorded), clusters that stand out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.staff.helpers import sign_in, submit, text
from trace.models.audit import AuditEntry
from trace.models.batches import BatchStatus
from trace.models.events import AppendOnlyError
from trace.models.feedback import FeedbackReport, FeedbackStep, ReportStatus
from trace.models.labels import PackCode
from trace.models.scans import Scan
from trace.services import feedback as service


def _file(db_session, **data):
    """A report as the public form files it."""
    report = service.file_report(
        db_session,
        kind=data.pop("kind", "counterfeit"),
        description=data.pop("description", "假的"),
        **data,
    )
    db_session.flush()
    return report


@pytest.fixture()
def staff_client(app, make_user):
    def make(role: str):
        client = app.test_client()
        user = make_user(role)
        sign_in(client, user)
        return client, user

    return make


def _steps(db_session, report) -> list[str]:
    return [
        s.action.value
        for s in db_session.scalars(
            select(FeedbackStep)
            .where(FeedbackStep.report_id == report.id)
            .order_by(FeedbackStep.id)
        )
    ]


def _audit(db_session, report) -> list[str]:
    return list(
        db_session.scalars(
            select(AuditEntry.action)
            .where(
                AuditEntry.entity_type == "feedback_reports", AuditEntry.entity_id == str(report.id)
            )
            .order_by(AuditEntry.id)
        )
    )


def test_assign_escalate_answer_close_each_audited_and_kept(db_session, labelled, staff_client):
    report = _file(db_session, code=labelled.serials[0], contact="13987800001")
    client, qc = staff_client("qc")
    url = f"/staff/reports/{report.id}"
    assert (
        submit(client, f"{url}/assign", {"assignee_id": qc.id, "note": "我来核查"}, url).status_code
        == 303
    )
    assert submit(client, f"{url}/escalate", {"reason": "疑似成批假冒"}, url).status_code == 303
    assert (
        submit(
            client, f"{url}/answer", {"public_answer": "已移交市场监管局调查。"}, url
        ).status_code
        == 303
    )
    closed = submit(
        client, f"{url}/close", {"outcome": "substantiated", "reason": "查获假冒包装"}, url
    )
    assert closed.status_code == 303
    db_session.expire_all()
    report = db_session.get(FeedbackReport, report.id)
    assert report.status is ReportStatus.CLOSED and report.outcome.value == "substantiated"
    assert report.assignee_id == qc.id and report.is_escalated and report.closed_at is not None
    assert _steps(db_session, report) == ["filed", "assigned", "escalated", "answered", "closed"]
    assert _audit(db_session, report) == [
        "report.create",
        "report.assign",
        "report.escalate",
        "report.answer",
        "report.close",
    ]
    history = text(client.get(url))
    assert "查获假冒包装" in history and "我来核查" in history
    assert 'id="steps"' not in history  # a closed report offers no more steps
    again = submit(client, f"{url}/answer", {"public_answer": "再答复"}, url)
    assert again.status_code == 422 and "此反映已办结" in text(again)
    assert _steps(db_session, report)[-1] == "closed"


def test_a_step_with_a_missing_field_is_shown_beside_the_field(db_session, staff_client):
    report = _file(db_session)
    client, _qc = staff_client("qc")
    url = f"/staff/reports/{report.id}"
    answer = submit(client, f"{url}/close", {"outcome": "", "reason": ""}, url)
    page = text(answer)
    assert answer.status_code == 422
    assert 'id="close-outcome-error"' in page and 'id="close-reason-error"' in page
    assert _steps(db_session, report) == ["filed"]


def test_contact_is_masked_until_revealed_and_the_look_is_recorded(db_session, staff_client):
    report = _file(db_session, contact="13987800001")
    client, qc = staff_client("qc")
    url = f"/staff/reports/{report.id}"
    page = text(client.get(url))
    assert "139****0001" in page and "13987800001" not in page
    shown = submit(client, f"{url}/contact", {}, url)
    assert shown.status_code == 200 and "13987800001" in text(shown)
    assert shown.headers["Cache-Control"] == "no-store"
    assert "13987800001" not in text(client.get(url))  # shown once, not kept on the page
    assert _steps(db_session, report)[-1] == "contact_revealed"
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "report.reveal_contact")
    ).one()
    assert entry.actor_id == qc.id
    # The audit trail, readable by admin and regulator, never holds the contact itself.
    everything = " ".join(
        str(e.after) + str(e.before) for e in db_session.scalars(select(AuditEntry))
    )
    assert "13987800001" not in everything


def test_who_may_do_what_on_the_pages(db_session, staff_client):
    report = _file(db_session, contact="li@example.cn")
    url = f"/staff/reports/{report.id}"
    regulator, _u = staff_client("regulator")
    page = text(regulator.get(url))
    assert report.reference in page and 'id="assign-form"' not in page  # reads, writes nothing
    assert "查看完整号码" in page  # the regulator may contact a reporter
    token_page = regulator.get(url)
    from tests.staff.helpers import csrf_from

    refused = regulator.post(
        f"{url}/answer", data={"public_answer": "x", "csrf_token": csrf_from(token_page)}
    )
    assert refused.status_code == 403
    station, _s = staff_client("station")
    assert station.get("/staff/reports").status_code == 403
    admin, _a = staff_client("admin")
    admin_page = text(admin.get(url))
    assert 'id="assign-form"' in admin_page and "查看完整号码" not in admin_page
    anonymous = regulator.application.test_client()
    assert anonymous.get("/staff/reports").status_code == 303  # to the sign-in page


def test_list_filters_and_dashboard_panel_for_the_regulator(db_session, labelled, staff_client):
    quality = _file(db_session, kind="quality", description="发霉", code=labelled.serials[0])
    other = _file(db_session, kind="labelling", description="标签错")
    client, _u = staff_client("regulator")
    listed = text(client.get("/staff/reports?kind=quality"))
    assert quality.reference in listed and other.reference not in listed
    by_lot = text(client.get(f"/staff/reports?lot={labelled.batch.lot.lower()}"))
    assert quality.reference in by_lot and other.reference not in by_lot
    dashboard = text(client.get("/staff/"))
    assert quality.reference in dashboard and other.reference in dashboard
    station, _s = staff_client("station")
    assert "panel-reports" not in text(station.get("/staff/"))  # no report.read: no panel


def test_counterfeit_reports_on_one_lot_stand_out(db_session, labelled, staff_client, make_user):
    first = _file(db_session, code=labelled.serials[0])
    second = _file(db_session, code=labelled.serials[1])
    _file(db_session, kind="quality", description="别的问题")
    clusters = service.clusters(db_session, make_user("qc"))
    [cluster] = clusters
    assert cluster.scope == "batch" and cluster.key_id == labelled.batch.id
    assert cluster.counterfeit == 2 and cluster.stands_out
    assert set(cluster.report_ids) == {first.id, second.id}
    client, _u = staff_client("qc")
    page = text(client.get("/staff/reports"))
    assert 'class="cluster stands-out" data-scope="batch"' in page
    assert 'id="cluster-alert"' in text(client.get(f"/staff/reports/{first.id}"))


def test_a_pack_with_flagged_scans_stands_out_alone(db_session, labelled, make_user, client, app):
    serial = labelled.serials[2]
    for n in range(app.config["SCAN_LIMIT"] + 1):  # that many people, on as many networks
        app.test_client().get(f"/scan/{serial}", environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    report = _file(db_session, kind="quality", description="味道不对", code=serial)
    flags = service.report_flags(db_session, [report])[report.id]
    assert flags.pack_flagged and flags.stands_out
    assert db_session.scalar(select(func.count(Scan.id)).where(Scan.verdict == "exceeded")) >= 1
    [cluster] = service.clusters(db_session, make_user("qc"))
    assert cluster.flagged_packs == 1 and cluster.stands_out


def test_reports_on_two_lots_of_one_producer_are_grouped(db_session, labelled, make_user):
    from tests import factories
    from trace.services.labels import issue_label_run, run_serials

    admin = make_user("admin")
    sibling = factories.batch(
        db_session,
        admin,
        producer_id=labelled.batch.producer_id,
        product_id=labelled.batch.product_id,
    )
    factories.passed_inspection(db_session, admin, sibling)
    run = issue_label_run(db_session, admin, sibling.id, 1)
    db_session.flush()
    _file(db_session, kind="quality", description="a", code=labelled.serials[0])
    _file(db_session, kind="quality", description="b", code=run_serials(db_session, run.id)[0])
    [cluster] = service.clusters(db_session, make_user("qc"))
    assert cluster.scope == "producer" and cluster.lots == 2 and not cluster.stands_out


def test_the_history_is_append_only(db_session):
    report = _file(db_session)
    step = db_session.scalars(select(FeedbackStep).where(FeedbackStep.report_id == report.id)).one()
    step.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        db_session.flush()
    db_session.rollback()


def test_regulator_opens_a_recall_from_a_report(db_session, labelled, staff_client):
    report = _file(db_session, code=labelled.serials[0])
    client, _u = staff_client("regulator")
    url = f"/staff/reports/{report.id}"
    page = text(client.get(url))
    assert 'id="recall-form"' in page
    opened = submit(
        client,
        f"{url}/recall",
        {
            "level": "2",
            "reason": f"消费者反映 {report.reference}",
            "public_reason": "消费者反映产品霉变，经核查属实",
            "instructions": "停止销售并下架",
        },
        url,
    )
    assert opened.status_code == 303, text(opened)
    db_session.expire_all()
    assert db_session.get(type(labelled.batch), labelled.batch.id).status is BatchStatus.RECALLED
    assert _steps(db_session, report)[-1] == "recall_opened"
    # The report is escalated and links to its recall; the recall names the report.
    db_session.refresh(report)
    assert report.status.value == "escalated"
    page = text(client.get(url))
    assert 'id="recalls-opened"' in page and "/regulator/recalls/" in page
    public = text(client.get(f"/lots/{labelled.batch.lot}"))
    assert "消费者反映产品霉变" in public and report.reference not in public
    assert "12315" in public and "✓" not in public
    qc, _q = staff_client("qc")
    assert 'id="recall-form"' not in text(qc.get(url))  # qc may not open recalls


def test_pack_info_and_scan_log_beside_the_report(db_session, labelled, staff_client, client):
    serial = labelled.serials[0]
    client.get(f"/scan/{serial}")
    client.get(f"/scan/{serial}")
    report = _file(db_session, code=serial)
    qc, _u = staff_client("qc")
    page = text(qc.get(f"/staff/reports/{report.id}"))
    assert serial in page and labelled.batch.lot in page
    assert page.count('class="scan verdict-') == 2
    code = db_session.scalar(select(PackCode).where(PackCode.serial == serial))
    assert str(code.public_scan_count) in page


def test_a_second_recall_of_the_same_lot_is_refused_beside_the_form(
    db_session, labelled, staff_client
):
    report = _file(db_session, code=labelled.serials[0])
    client, _u = staff_client("regulator")
    url = f"/staff/reports/{report.id}"
    body = {"level": "1", "reason": "假冒", "public_reason": "疑似假冒", "instructions": "下架"}
    assert submit(client, f"{url}/recall", body, url).status_code == 303
    again = submit(client, f"{url}/recall", body, url)
    assert again.status_code == 422 and "已经在召回中" in text(again)
    assert _steps(db_session, report).count("recall_opened") == 1
