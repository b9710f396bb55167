"""A database that is away or behind answers 503 (with Retry-After, in the error format), and a
label PDF or export too large for one request is refused before its first byte."""

from __future__ import annotations

import pytest

from tests import factories
from tests.concurrency.conftest import SECRET, own_database
from trace import create_app
from trace.models.users import Role
from trace.services.labels import issue_label_run


def _client(url):
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": True, "RATE_LIMITS_ENABLED": False}
    )
    return app, app.test_client()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_an_unreachable_database_answers_503_with_retry_after(kind, tmp_path):
    if kind == "postgresql":  # a port where no server listens
        url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    else:  # a folder that does not exist (a disk not mounted)
        url = f"sqlite:///{tmp_path / 'not-mounted' / 'trace.db'}"
    app, client = _client(url)
    health = client.get("/healthz", headers={"Accept": "application/json"})
    assert health.status_code == 503 and health.headers["Retry-After"]
    assert health.get_json()["code"] == 503 and health.get_json()["errors"] == {}
    page = client.get("/01/06901234567892", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "<html" in page.get_data(as_text=True)
    api = client.post("/api/v1/tokens", json={"email": "a@b.cn", "password": "x" * 12})
    assert api.status_code == 503 and api.get_json()["status"] == "Service Unavailable"
    app.extensions["trace.engine"].dispose()
    if kind == "sqlite":
        assert not (tmp_path / "not-mounted").exists()  # nothing made it up


def test_healthz_reports_the_revision_and_503_when_behind(database_url, tmp_path):
    with own_database(database_url, tmp_path, revision="0009") as url:
        app, client = _client(url)
        answer = client.get("/healthz")
        assert answer.status_code == 503
        assert answer.get_json()["revision"] == "0009"
        assert "db upgrade" in answer.get_json()["problem"]
        app.extensions["trace.engine"].dispose()


def test_a_label_pdf_above_the_direct_limit_is_refused_before_its_first_byte(
    app, client, db_session, make_user, as_role
):
    admin = make_user(Role.ADMIN)
    batch = factories.batch(db_session, admin, quantity=100000)
    factories.passed_inspection(db_session, admin, batch)
    limit = app.config["LABEL_PDF_DIRECT_MAX"]
    run = issue_label_run(db_session, admin, batch.id, limit + 1)
    db_session.flush()
    answer = client.get(f"/api/v1/label-runs/{run.id}/pdf", headers=as_role("admin"))
    assert answer.status_code == 409
    assert answer.get_json()["message_code"] == "label_run.too_large_direct"
    assert answer.get_json()["error_codes"]["run_id"][0]["params"]["id"] == run.id
    assert "后台任务" in answer.get_json()["message"]
    assert answer.mimetype == "application/json"
