"""The per-request hooks pay only for what a request needs (issue 21): no session work without a
session cookie, headers added once, nothing built for a request log line that is dropped."""

from __future__ import annotations

import logging

import pytest

from trace.web import security


def test_a_request_without_a_session_cookie_builds_no_session_serializer(client, monkeypatch):
    built: list[int] = []
    original = security.SecureCookieSessionInterface.get_signing_serializer

    def counting(self, app):
        built.append(1)
        return original(self, app)

    monkeypatch.setattr(security.SecureCookieSessionInterface, "get_signing_serializer", counting)
    client.application.session_interface._serializers.clear()
    assert client.get("/").status_code == 200
    assert built == []
    # A session cookie is read with a serializer built once for the app, not per request.
    with client.session_transaction() as session:
        session["probe"] = 1
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert len(built) == 1


@pytest.mark.parametrize("path", ["/", "/api/v1/docs", "/healthz"])
def test_each_security_header_once(client, path):
    response = client.get(path)
    names = [name.lower() for name, _ in response.headers]
    for name in ("x-content-type-options", "x-frame-options", "content-security-policy",
                 "referrer-policy", "x-request-id"):  # fmt: skip
        assert names.count(name) == 1, (path, name)
    docs = "'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert docs == (path == "/api/v1/docs")


def test_a_dropped_request_log_line_is_never_built(client, monkeypatch):
    def explode(_response):
        raise AssertionError("built a line nobody keeps")

    monkeypatch.setattr(security, "request_record", explode)
    logger = logging.getLogger("trace.requests")
    monkeypatch.setitem(client.application.config, "LOG_REQUESTS", True)
    level = logger.level
    logger.setLevel(logging.WARNING)  # (setLevel: the logger caches isEnabledFor's answers)
    try:
        assert client.get("/").status_code == 200
    finally:
        logger.setLevel(level)
    monkeypatch.setitem(client.application.config, "LOG_REQUESTS", False)
    assert client.get("/").status_code == 200


def test_a_kept_request_log_line_is_one_json_object(client, monkeypatch):
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(security.JsonFormatter().format(record))
            lines.append(record.getMessage())  # other handlers see the same JSON as text

    handler = Collect()
    logger = logging.getLogger("trace.requests")
    logger.addHandler(handler)
    monkeypatch.setitem(client.application.config, "LOG_REQUESTS", True)
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        logger.removeHandler(handler)
    import json

    formatted, message = json.loads(lines[-2]), json.loads(lines[-1])
    assert formatted["event"] == message["event"] == "request"
    assert formatted["endpoint"] == "public.health" and formatted["level"] == "info"
