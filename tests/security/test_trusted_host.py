"""Issue 16.9: a Host header naming a host the service does not answer to is a 400 (never a
redirect or a linkset anchored at it); the public host, allowed hosts and localhost work."""

from __future__ import annotations

import pytest

from tests import factories
from trace.config import load_settings
from trace.errors import ConfigError


@pytest.fixture()
def lot(db_session, make_user):
    return factories.batch(db_session, make_user("admin"))


@pytest.mark.parametrize("accept", ["text/html", "application/json", "application/linkset+json"])
def test_a_foreign_host_is_refused(client, lot, accept):
    path = f"/01/{lot.product.gtin}/10/{lot.lot}"
    answer = client.get(path, headers={"Host": "evil.example", "Accept": accept})
    assert answer.status_code == 400
    assert "evil.example" not in answer.headers.get("Location", "")
    assert "evil.example" not in answer.get_data(as_text=True)
    body = client.get(
        path, headers={"Host": "evil.example", "Accept": "application/json"}
    ).get_json()
    assert set(body) >= {"code", "status", "message", "errors"}
    api = client.get("/api/v1/openapi.json", headers={"Host": "evil.example:8000"})
    assert api.status_code == 400


@pytest.mark.parametrize("host", ["trace.test", "localhost", "127.0.0.1:8000"])
def test_the_service_hosts_answer(client, lot, host):
    answer = client.get(f"/01/{lot.product.gtin}/10/{lot.lot}", headers={"Host": host})
    assert answer.status_code == 307
    assert answer.headers["Location"].startswith(("/", f"http://{host}/"))


def test_allowed_hosts_setting():
    settings = load_settings(
        {"SECRET_KEY": "x" * 20, "ALLOWED_HOSTS": " a.example , b.example:8080"}
    )
    assert settings["ALLOWED_HOSTS"] == "a.example,b.example:8080"
    with pytest.raises(ConfigError):
        load_settings({"SECRET_KEY": "x" * 20, "ALLOWED_HOSTS": "evil/path"})
