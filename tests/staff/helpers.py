"""Signing in through the real form and posting forms with their CSRF token, as a browser does."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import TEST_PASSWORD
from trace.models.users import User

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(response: TestResponse) -> str:
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, user: User, password: str = TEST_PASSWORD) -> TestResponse:
    token = csrf_from(client.get("/staff/sign-in"))
    return client.post(
        "/staff/sign-in", data={"email": user.email, "password": password, "csrf_token": token}
    )


def submit(
    client: FlaskClient, url: str, data: dict[str, Any], form_page: str | None = None
) -> TestResponse:
    """GET the form page (for its token), then POST `data` to `url` like the browser would."""
    token = csrf_from(client.get(form_page or url))
    return client.post(url, data={**data, "csrf_token": token})


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def field_error(html: str, field: str) -> str | None:
    """The error message shown beside `field`, if any."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


def field_value(html: str, field: str) -> str | None:
    """The value an <input name=field> shows (what was typed, kept after a rejection)."""
    match = re.search(rf'name="{re.escape(field)}" type="[a-z-]+" value="([^"]*)"', html)
    return match.group(1) if match else None
