"""Security headers, size limits, error bodies, request logs and rate limits."""

from __future__ import annotations

import json
import logging
import re

import pytest
from limits import parse
from sqlalchemy import func, select

from tests.staff.helpers import csrf_from, sign_in, text
from trace.models.producers import Producer
from trace.web import security
from trace.web.security import RateLimits

PAGES = ["/", "/staff/sign-in", "/api/v1/openapi.json", "/no-such-page", "/static/css/site.css"]


@pytest.mark.parametrize("url", PAGES)
def test_every_answer_carries_the_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no other host
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in csp  # no external host anywhere
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://trace.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_api_docs_run_without_inline_script(client):
    page = client.get("/api/v1/docs")
    html = text(page)
    assert re.findall(r"<script>", html) == []  # every script has a src
    assert all(src.startswith("/") for src in re.findall(r'<script src="([^"]+)"', html))
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert (
        "unsafe-inline"
        not in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assert client.get("/static/js/swagger-init.js").status_code == 200


def test_no_page_of_ours_has_inline_script_or_style(client, make_user):
    sign_in(client, make_user("admin"))
    for url in ("/", "/staff/", "/staff/producers", "/staff/batches/new", "/staff/users/new"):
        html = text(client.get(url))
        # Scripts come from our own files (static/js), never inline.
        assert re.findall(r"<script(?![^>]*\bsrc=\"/static/)", html) == [], url
        assert " style=" not in html, url


def test_oversized_body_is_413_in_the_project_format(app, client, as_role, db_session):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b'{"name": "' + b"x" * limit + b'"}'
    before = db_session.scalar(select(func.count(Producer.id)))
    response = client.post(
        "/api/v1/producers",
        data=body,
        headers={**as_role("admin"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == 413 and response.get_json()["status"]
    assert db_session.scalar(select(func.count(Producer.id))) == before
    page = client.post("/staff/sign-in", data={"email": "x" * (limit + 10)})
    assert page.status_code == 413 and "text/html" in page.content_type


def test_no_stack_trace_reaches_the_client(client, as_role, monkeypatch):
    from trace.services import producers

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals: /etc/passwd at line 42")

    monkeypatch.setattr(producers, "list_producers", explode)
    response = client.get("/api/v1/producers", headers=as_role("qc"))
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "secret internals" not in body
    assert response.get_json()["code"] == 500


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(security.JsonFormatter().format(record))


@pytest.fixture()
def request_log():
    handler = _Collect()
    logger = logging.getLogger("trace.requests")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_request_logs_are_json_without_secrets_or_personal_data(
    client, db_session, make_user, request_log
):
    from tests.conftest import TEST_PASSWORD

    user = make_user("station")
    token_response = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD}
    )
    token = token_response.get_json()["token"]
    client.get("/api/v1/producers?q=罗小芬", headers={"Authorization": f"Bearer {token}"})
    client.get("/scan/ABCDEFGHJK", environ_base={"REMOTE_ADDR": "203.0.113.77"})
    sign_in(client, user)
    records = [json.loads(line) for line in request_log]
    requests = [r for r in records if r.get("event") == "request"]
    assert len(requests) >= 4
    assert {"ts", "level", "method", "endpoint", "route", "status", "ms", "client"} <= set(
        requests[0]
    )
    everything = "\n".join(request_log)
    for secret in (
        token,
        TEST_PASSWORD,
        user.email,
        "203.0.113.77",
        "127.0.0.1",
        "ABCDEFGHJK",
        "罗小芬",
    ):
        assert secret not in everything, secret
    scan = next(r for r in requests if r["endpoint"] == "public.scan_page")
    assert scan["route"] == "/scan/<serial>"  # the pattern, not the serial


@pytest.fixture()
def limits_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    app.extensions[security.EXTENSION_KEY].reset()
    yield app.config
    app.extensions[security.EXTENSION_KEY].reset()


def test_public_pages_are_rate_limited_per_address(client, limits_on, monkeypatch):
    monkeypatch.setitem(limits_on, "RATE_LIMIT_PUBLIC", "3 per minute")
    here = {"REMOTE_ADDR": "198.51.100.1"}
    for _ in range(3):
        assert client.get("/scan/ABCDEFGHJK", environ_base=here).status_code != 429
    refused = client.get(
        "/scan/ABCDEFGHJK", environ_base=here, headers={"Accept": "application/json"}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["code"] == 429
    elsewhere = client.get("/scan/ABCDEFGHJK", environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert elsewhere.status_code != 429
    assert client.get("/static/css/site.css", environ_base=here).status_code == 200
    assert client.get("/healthz", environ_base=here).status_code == 200


def test_ipv6_clients_share_their_64(client, limits_on, monkeypatch):
    monkeypatch.setitem(limits_on, "RATE_LIMIT_PUBLIC", "2 per minute")
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2"):
        assert client.get("/", environ_base={"REMOTE_ADDR": host}).status_code == 200
    assert client.get("/", environ_base={"REMOTE_ADDR": "2001:db8:1:2::3"}).status_code == 429


def test_api_is_rate_limited(client, limits_on, monkeypatch, as_role):
    monkeypatch.setitem(limits_on, "RATE_LIMIT_API", "2 per minute")
    headers = as_role("qc")
    assert client.get("/api/v1/producers", headers=headers).status_code == 200
    assert client.get("/api/v1/producers", headers=headers).status_code == 200
    refused = client.get("/api/v1/producers", headers=headers)
    assert refused.status_code == 429 and refused.get_json()["code"] == 429


def test_sign_in_is_throttled_per_account_and_address(client, limits_on, make_user):
    """Five failures from one address pause that address for the account (form and API alike);
    the owner elsewhere is not locked out (tests/security/test_lockout.py)."""
    from tests.conftest import TEST_PASSWORD

    user = make_user("station")
    here = {"REMOTE_ADDR": "192.0.2.50"}
    for _ in range(5):
        token = csrf_from(client.get("/staff/sign-in", environ_base=here))
        failed = client.post(
            "/staff/sign-in",
            data={"email": user.email, "password": "guess", "csrf_token": token},
            environ_base=here,
        )
        assert failed.status_code == 422
    token = csrf_from(client.get("/staff/sign-in", environ_base=here))
    paused = client.post(
        "/staff/sign-in",
        data={"email": user.email.upper(), "password": TEST_PASSWORD, "csrf_token": token},
        environ_base=here,
    )
    assert paused.status_code == 429 and "登录失败次数过多" in text(paused)
    api = client.post(
        "/api/v1/tokens",
        json={"email": user.email, "password": TEST_PASSWORD},
        environ_base=here,
    )
    assert api.status_code == 429  # the API's sign-in shares the count


def test_sign_in_is_throttled_per_address(client, limits_on, monkeypatch, make_user):
    from tests.conftest import TEST_PASSWORD

    monkeypatch.setitem(limits_on, "RATE_LIMIT_SIGNIN_ADDRESS", "3 per 15 minutes")
    here = {"REMOTE_ADDR": "192.0.2.200"}
    for n in range(3):  # spraying one password over many accounts
        response = client.post(
            "/api/v1/tokens",
            json={"email": f"nobody{n}@example.cn", "password": "Password1!"},
            environ_base=here,
        )
        assert response.status_code == 401
    user = make_user("qc")
    blocked = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD}, environ_base=here
    )
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    other = client.post(
        "/api/v1/tokens",
        json={"email": user.email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.201"},
    )
    assert other.status_code == 201


def test_a_success_clears_the_accounts_failures(client, limits_on, make_user):
    from tests.conftest import TEST_PASSWORD

    user = make_user("qc")
    for _ in range(4):
        client.post("/api/v1/tokens", json={"email": user.email, "password": "guess"})
    assert (
        client.post(
            "/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD}
        ).status_code
        == 201
    )
    for _ in range(4):
        client.post("/api/v1/tokens", json={"email": user.email, "password": "guess"})
    assert (
        client.post(
            "/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD}
        ).status_code
        == 201
    )


def test_unreachable_redis_falls_back_to_memory():
    warnings = _Collect()
    logger = logging.getLogger("trace.web.security")
    logger.addHandler(warnings)
    try:
        limits = RateLimits("redis://127.0.0.1:1/0")  # nothing listens on port 1
        item = parse("2 per minute")
        assert limits.hit(item, "test", "key")
        assert limits.hit(item, "test", "key")
        assert not limits.hit(item, "test", "key")
    finally:
        logger.removeHandler(warnings)
    assert any("using memory" in line for line in warnings.lines)


def test_signed_in_staff_are_not_held_to_the_public_limit(
    client, limits_on, monkeypatch, make_user
):
    monkeypatch.setitem(limits_on, "RATE_LIMIT_PUBLIC", "1 per minute")
    sign_in(client, make_user("qc"))
    for _ in range(3):
        assert client.get("/").status_code == 200


def test_bad_rate_limit_setting_names_itself(database_url):
    from trace import create_app
    from trace.errors import ConfigError

    with pytest.raises(ConfigError, match="TRACE_RATE_LIMIT_API"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 20, "RATE_LIMIT_API": "lots"})


def test_redis_counters_are_shared_between_processes():
    """With TRACE_REDIS_URL every gunicorn worker counts against the same limit: two limiters
    (as two workers would hold) on the machine's Redis see each other's hits."""
    import uuid

    from tests import needs

    url = needs.redis()  # TRACE_TEST_REDIS_URL's host and port, probed; CI=true fails without
    warnings = _Collect()
    logger = logging.getLogger("trace.web.security")
    logger.addHandler(warnings)
    try:
        first, second = RateLimits(url), RateLimits(url)
        item = parse("3 per minute")
        key = uuid.uuid4().hex  # this run's own counter; nothing else in Redis is touched
        assert first.hit(item, "test", key) and second.hit(item, "test", key)
        assert first.hit(item, "test", key)
        assert not second.hit(item, "test", key)  # the third hit was the other limiter's
        assert not second.test(item, "test", key) and first.retry_after(item, "test", key) >= 1
        first.clear(item, "test", key)
        assert second.hit(item, "test", key)
    finally:
        logger.removeHandler(warnings)
    assert warnings.lines == []  # Redis answered: no fall-back to memory
