"""QC label runs from the staff pages, admin account management, and the progress page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests import factories
from tests.conftest import SANTAI
from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from trace.models.labels import LabelRun
from trace.models.users import ApiToken, User
from trace.web.progress import Progress, progress_page


def _releasable_batch(db_session, admin):
    """A batch whose category has no inspection limits, so labels need no lab report first."""
    product = factories.product(db_session, admin, name="大姚松茸（示例）", category="other")
    return factories.batch(db_session, admin, product_id=product.id)


def test_qc_issues_a_label_run_once_and_downloads_its_pdf(client, db_session, make_user):
    batch = _releasable_batch(db_session, make_user("admin"))
    sign_in(client, make_user("qc"))
    assert "生成追溯码标签" in text(client.get(f"/staff/batches/{batch.id}"))
    url = f"/staff/batches/{batch.id}/label-runs/new"
    form = client.get(url)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', text(form)).group(1)
    data = {"count": "30", "template": "a4-3x8", "idempotency_key": key}
    data["csrf_token"] = csrf_from(form)
    first = client.post(url, data=data)
    again = client.post(url, data=data)  # a double click on "生成"
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    runs = db_session.scalars(select(LabelRun).where(LabelRun.batch_id == batch.id)).all()
    assert len(runs) == 1 and runs[0].count == 30
    page = text(client.get(first.headers["Location"]))
    assert "30 个码" in page and "2 页" in page  # 24 labels a sheet
    pdf_url = re.search(r'id="pdf-link" href="([^"]+)"', page).group(1)
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF-")


def test_label_form_says_why_a_batch_cannot_have_labels(client, db_session, make_user):
    walnuts = factories.batch(db_session, make_user("admin"))  # no passed inspection yet
    sign_in(client, make_user("qc"))
    url = f"/staff/batches/{walnuts.id}/label-runs/new"
    response = submit(
        client, url, {"count": "10", "template": "a4-3x8", "idempotency_key": "k" * 32}
    )
    assert response.status_code == 422
    assert f"批次 {walnuts.lot} 还没有合格的检测报告" in text(response)
    assert field_value(text(response), "count") == "10"
    assert db_session.scalar(select(func.count(LabelRun.id))) == 0


def test_label_form_errors_and_station_refused(client, db_session, make_user):
    batch = _releasable_batch(db_session, make_user("admin"))
    sign_in(client, make_user("qc"))
    url = f"/staff/batches/{batch.id}/label-runs/new"
    response = submit(
        client, url, {"count": "0", "template": "a4-3x8", "idempotency_key": "k" * 32}
    )
    assert response.status_code == 422
    assert field_error(text(response), "count") == "须在 1 到 100000 之间"
    assert field_value(text(response), "count") == "0"
    assert db_session.scalar(select(func.count(LabelRun.id))) == 0
    station = client.application.test_client()
    sign_in(station, make_user("station"))
    assert station.get(url).status_code == 403
    assert "生成追溯码标签" not in text(station.get(f"/staff/batches/{batch.id}"))


def test_admin_creates_disables_and_resets_accounts(client, db_session, make_user):
    admin = make_user("admin")
    sign_in(client, admin)
    bad = submit(
        client,
        "/staff/users/new",
        {"email": "not-an-email", "role": "station", "password": "short", "name": "王示例"},
    )
    assert bad.status_code == 422
    assert field_error(text(bad), "email") == "电子邮箱格式不对"
    assert field_value(text(bad), "name") == "王示例"
    assert "short" not in re.findall(r'value="([^"]*)"', text(bad))  # passwords never echoed
    no_township = submit(
        client,
        "/staff/users/new",
        {"email": "wang@station.example.cn", "role": "station", "password": "long-enough-pw"},
    )
    assert field_error(text(no_township), "township_code") == "服务站人员须指定乡镇"
    created = submit(
        client,
        "/staff/users/new",
        {
            "email": "wang@station.example.cn",
            "role": "station",
            "password": "long-enough-pw",
            "township_code": SANTAI,
            "name": "王示例",
        },
    )
    assert created.status_code == 303
    user = db_session.scalar(select(User).where(User.email == "wang@station.example.cn"))
    assert user.role.value == "station" and user.township_code == SANTAI

    their_client = client.application.test_client()
    assert sign_in(their_client, user, "long-enough-pw").status_code == 303
    token = their_client.post(
        "/staff/account/tokens",
        data={"label": "x", "csrf_token": csrf_from(their_client.get("/staff/account/tokens"))},
    )
    assert token.status_code == 200

    disabled = client.post(
        f"/staff/users/{user.id}/active",
        data={"is_active": "0", "csrf_token": csrf_from(client.get("/staff/users"))},
    )
    assert disabled.status_code == 303
    db_session.refresh(user)
    assert not user.is_active
    assert their_client.get("/staff/").status_code == 303  # signed out at once
    assert all(
        t.revoked_at is not None
        for t in db_session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
    )
    assert sign_in(client.application.test_client(), user, "long-enough-pw").status_code == 422

    self_disable = client.post(
        f"/staff/users/{admin.id}/active",
        data={"is_active": "0", "csrf_token": csrf_from(client.get("/staff/users"))},
    )
    assert "不能停用自己的账号" in text(client.get(self_disable.headers["Location"]))
    db_session.refresh(admin)
    assert admin.is_active

    client.post(
        f"/staff/users/{user.id}/active",
        data={"is_active": "1", "csrf_token": csrf_from(client.get("/staff/users"))},
    )
    reset = submit(
        client,
        f"/staff/users/{user.id}/password",
        {"new_password": "reset-by-admin-1", "confirm_password": "reset-by-admin-1"},
    )
    assert reset.status_code == 303
    assert sign_in(client.application.test_client(), user, "reset-by-admin-1").status_code == 303


def test_only_admins_manage_accounts(client, make_user):
    sign_in(client, make_user("qc"))
    assert client.get("/staff/users").status_code == 403
    assert "账号管理" not in text(client.get("/staff/"))


def test_progress_page_refreshes_until_done(app, make_user):
    with app.test_request_context("/staff/exports/1"):
        page, status = progress_page(Progress(title="导出批次记录", done=250, total=1000))
        assert status == 202
        assert '<meta http-equiv="refresh" content="2">' in page
        assert "正在生成…" in page and 'value="250" max="1000"' in page
        done, status = progress_page(
            Progress(title="导出批次记录", finished=True, result_url="/staff/exports/1.csv")
        )
        assert status == 200 and "http-equiv" not in done and 'href="/staff/exports/1.csv"' in done
        failed, status = progress_page(Progress(title="导出", failed="磁盘已满"))
        assert status == 200 and "磁盘已满" in failed and "http-equiv" not in failed
