"""Signing in and out: cookies, expiry, CSRF, password changes and disabled accounts."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD
from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from trace import create_app
from trace.models.producers import Producer
from trace.models.users import ApiToken
from trace.services.users import issue_token
from trace.web import auth as web_auth


def test_station_signs_in_sees_dashboard_and_signs_out(client, make_user):
    user = make_user("station")
    assert client.get("/staff/").status_code == 303  # anonymous: off to the sign-in page
    response = sign_in(client, user)
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    dashboard = client.get("/staff/")
    assert dashboard.status_code == 200 and "我最近的操作" in text(dashboard)
    assert dashboard.headers["Cache-Control"] == "no-store"
    out = client.post("/staff/sign-out", data={"csrf_token": csrf_from(dashboard)})
    assert out.status_code == 303
    assert client.get("/staff/").status_code == 303


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, make_user):
    user = make_user("qc")
    first = client.get("/staff/batches?status=on_hold")
    assert first.headers["Location"] == "/staff/sign-in?next=/staff/batches?status%3Don_hold"
    token = csrf_from(client.get(first.headers["Location"]))
    back = client.post(
        "/staff/sign-in",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "next": "/staff/batches?status=on_hold",
            "csrf_token": token,
        },
    )
    assert back.headers["Location"] == "/staff/batches?status=on_hold"
    client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get("/staff/"))})
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/public"):
        token = csrf_from(client.get("/staff/sign-in"))
        response = client.post(
            "/staff/sign-in",
            data={
                "email": user.email,
                "password": TEST_PASSWORD,
                "next": evil,
                "csrf_token": token,
            },
        )
        assert response.headers["Location"] == "/staff/", evil
        client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get("/staff/"))})


def test_wrong_password_keeps_the_email_never_the_password(client, make_user):
    user = make_user("station")
    response = sign_in(client, user, password="not-the-password")
    html = text(response)
    assert response.status_code == 422
    assert "电子邮箱或密码不对" in html
    assert field_value(html, "email") == user.email
    assert "not-the-password" not in html
    empty = submit(client, "/staff/sign-in", {"email": "", "password": ""})
    assert field_error(text(empty), "email") == "必填"
    assert field_error(text(empty), "password") == "必填"


def test_english_on_request(client, make_user):
    page = text(client.get("/staff/sign-in?lang=en"))
    assert "Staff sign-in" in page and "员工登录" not in page


def test_session_cookie_is_secure_httponly_lax_in_production(database_url, engine):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "production-like-secret-key"})
    client = app.test_client()
    response = client.get("/staff/sign-in")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-trace-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain=" not in cookie


def test_debug_testing_or_the_setting_allow_plain_http_cookies(database_url, engine):
    insecure = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "x" * 20, "INSECURE_COOKIES": True}
    )
    assert insecure.config["SESSION_COOKIE_SECURE"] is False
    assert insecure.config["SESSION_COOKIE_NAME"] == "trace-session"
    testing = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 20, "TESTING": True})
    assert testing.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("clock", [web_auth.SEEN_AT, web_auth.SIGNED_IN_AT])
def test_sessions_expire_when_idle_and_absolutely(app, client, make_user, clock):
    user = make_user("station")
    sign_in(client, user)
    assert client.get("/staff/").status_code == 200
    limit = {
        web_auth.SEEN_AT: app.config["SESSION_IDLE_MINUTES"],
        web_auth.SIGNED_IN_AT: app.config["SESSION_LIFETIME_MINUTES"],
    }[clock]
    with client.session_transaction() as session:
        session[clock] = int(time.time()) - limit * 60 - 5
        if clock == web_auth.SIGNED_IN_AT:
            session[web_auth.SEEN_AT] = int(time.time())  # active right now: still ends
    response = client.get("/staff/")
    assert response.status_code == 303 and "/staff/sign-in" in response.headers["Location"]
    assert "expired=1" in response.headers["Location"]
    assert "登录已过期" in text(client.get(response.headers["Location"]))


def test_activity_keeps_an_idle_session_alive(app, client, make_user):
    user = make_user("station")
    sign_in(client, user)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[web_auth.SEEN_AT] = int(time.time()) - idle + 30  # nearly idle out
    assert client.get("/staff/").status_code == 200  # ...this request moves the idle clock
    with client.session_transaction() as session:
        assert int(time.time()) - session[web_auth.SEEN_AT] < 5


def test_form_without_csrf_token_is_refused_and_writes_nothing(client, db_session, make_user):
    user = make_user("station")
    sign_in(client, user)
    before = db_session.scalar(select(func.count(Producer.id)))
    response = client.post(
        "/staff/producers/new",
        data={
            "name": "无令牌合作社（示例）",
            "kind": "farmer",
            "township_code": user.township_code,
        },
    )
    assert response.status_code == 400 and "表单已失效" in text(response)
    assert db_session.scalar(select(func.count(Producer.id))) == before
    forged = client.post(
        "/staff/producers/new",
        data={"name": "伪造（示例）", "kind": "farmer", "csrf_token": "forged"},
    )
    assert forged.status_code == 400


def test_password_change_ends_other_sessions_and_revokes_tokens(app, client, db_session, make_user):
    import datetime as dt

    user = make_user("station")
    plain, _ = issue_token(db_session, user, dt.timedelta(hours=1))
    db_session.flush()
    other_device = app.test_client()
    sign_in(other_device, user)
    sign_in(client, user)
    wrong = submit(
        client,
        "/staff/account/password",
        {
            "current_password": "nope",
            "new_password": "a-new-long-password",
            "confirm_password": "x",
        },
    )
    assert field_error(text(wrong), "current_password") == "当前密码不对"
    assert field_error(text(wrong), "confirm_password") == "两次输入的新密码不一致"
    short = submit(
        client,
        "/staff/account/password",
        {"current_password": TEST_PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert field_error(text(short), "new_password") == "密码至少 10 个字符"
    done = submit(
        client,
        "/staff/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "a-new-long-password",
            "confirm_password": "a-new-long-password",
        },
    )
    assert done.status_code == 303
    assert client.get("/staff/").status_code == 200  # this session goes on
    assert other_device.get("/staff/").status_code == 303  # the other one has ended
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 401
    assert sign_in(app.test_client(), user, "a-new-long-password").status_code == 303


def test_disabled_account_is_signed_out_at_once(client, db_session, make_user):
    user = make_user("station")
    sign_in(client, user)
    user.is_active = False
    db_session.flush()
    assert client.get("/staff/").status_code == 303


def test_api_ignores_the_session_cookie(client, make_user):
    """The API takes bearer tokens only; a cookie-authenticated API write would need CSRF."""
    sign_in(client, make_user("admin"))
    assert client.get("/api/v1/users/me").status_code == 401


def test_my_tokens_listed_created_once_and_revocable(client, db_session, make_user):
    import datetime as dt

    user = make_user("regulator")
    other = make_user("regulator")
    issue_token(db_session, other, dt.timedelta(hours=1), "someone else's")
    issue_token(db_session, user, dt.timedelta(hours=1), "称重系统")
    db_session.flush()
    sign_in(client, user)
    page = text(client.get("/staff/account/tokens"))
    assert "称重系统" in page and "someone else's" not in page
    created = client.post(
        "/staff/account/tokens",
        data={"label": "电商平台", "csrf_token": csrf_from(client.get("/staff/account/tokens"))},
    )
    html = text(created)
    import re

    plain = re.search(r'<code class="token" id="new-token">([^<]+)</code>', html).group(1)
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 200
    )
    assert plain not in text(client.get("/staff/account/tokens"))  # shown once only
    token = db_session.scalar(select(ApiToken).where(ApiToken.label == "电商平台"))
    revoked = client.post(
        f"/staff/account/tokens/{token.id}/revoke",
        data={"csrf_token": csrf_from(client.get("/staff/account/tokens"))},
    )
    assert revoked.status_code == 303
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 401
    )
    theirs = db_session.scalar(select(ApiToken).where(ApiToken.user_id == other.id))
    refused = client.post(
        f"/staff/account/tokens/{theirs.id}/revoke",
        data={"csrf_token": csrf_from(client.get("/staff/account/tokens"))},
    )
    assert refused.status_code == 303
    db_session.refresh(theirs)
    assert theirs.revoked_at is None
