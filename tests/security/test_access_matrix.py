"""Every route of the app, with every role and anonymously, against trace.web.access.ACCESS.

The table must list every endpoint; for each (route, method, caller) the answer must be:
- public route: never refused for want of sign-in or role;
- anonymous on a protected route: 401 on the API, a redirect to the sign-in page elsewhere;
- a role without the route's permission: 403;
- a role with it: neither 401 nor 403 (404 for the made-up ids, 422 for the empty bodies, ...).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

from trace.models.users import Role, User
from trace.policy import PERMISSIONS
from trace.services.users import issue_token
from trace.web import auth as web_auth
from trace.web.access import ACCESS, PUBLIC, rule_for, unknown_permissions, unlisted_endpoints

ANONYMOUS = "anonymous"
CALLERS = (ANONYMOUS, *(role.value for role in Role))
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# Made-up ids: the access check comes before any look-up, so no record is needed.
MISSING_ID = 987654


def route_cases(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        values = {
            name: MISSING_ID if isinstance(converter, IntegerConverter) else "x"
            for name, converter in rule._converters.items()
        }
        built = rule.build(values, append_unknown=False)
        assert built is not None, f"cannot build a URL for {rule.rule}"
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
            yield rule, method, built[1]


def test_every_endpoint_is_in_the_table(app):
    assert unlisted_endpoints(app) == [], "add these endpoints to trace.web.access.ACCESS"


def test_the_table_names_only_real_permissions_and_endpoints(app):
    assert unknown_permissions() == []
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted(set(ACCESS) - endpoints)
    assert stale == [], "rows for endpoints that no longer exist"


@pytest.fixture()
def callers(app, client, db_session, make_user):
    """Per caller: headers for the API and a maker of clients signed in to the staff pages.

    Each page request gets its own client, so that signing out (or a password form) in one
    request cannot end the session the next one relies on.
    """
    setups: dict[str, tuple[dict[str, str], Callable[[], FlaskClient]]] = {
        ANONYMOUS: ({}, app.test_client)
    }
    for role in Role:
        user = make_user(role)
        plain, _ = issue_token(db_session, user, dt.timedelta(hours=1))

        def signed_in(user: User = user, role: Role = role) -> FlaskClient:
            # Taken afresh: a sign-out in an earlier request moved the session version on.
            db_session.refresh(user)
            with app.test_request_context():
                fp = web_auth._fingerprint(user)
            user_id = user.id
            page_client = app.test_client()
            with page_client.session_transaction() as session:
                now = int(time.time())
                session.update(
                    {
                        web_auth.UID: user_id,
                        web_auth.ROLE: role.value,
                        web_auth.FINGERPRINT: fp,
                        web_auth.SIGNED_IN_AT: now,
                        web_auth.SEEN_AT: now,
                    }
                )
            return page_client

        setups[role.value] = ({"Authorization": f"Bearer {plain}"}, signed_in)
    db_session.flush()
    return setups


def _expected(permission: str, caller: str, is_api: bool) -> str:
    if permission == PUBLIC:
        return "allowed"
    if caller == ANONYMOUS:
        return "401" if is_api else "sign-in"
    return "allowed" if Role(caller) in PERMISSIONS[permission] else "403"


def _outcome(status: int, location: str) -> str:
    if status == 401:
        return "401"
    if status == 403:
        return "403"
    if status in (302, 303) and "/staff/sign-in" in location:
        return "sign-in"
    return "allowed"


def test_every_route_with_every_role_follows_the_table(app, callers, monkeypatch):
    # Forms' CSRF tokens are tested on their own below; here only who may pass matters.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    mismatches: list[str] = []
    walked = 0
    for rule, method, url in route_cases(app):
        permission = rule_for(rule.endpoint, method)
        assert permission is not None, rule.endpoint
        is_api = url.startswith("/api/")
        for caller in CALLERS:
            headers, page_client = callers[caller]
            # A page is visited with the signed-in session, the API with the bearer token.
            send = app.test_client() if is_api else page_client()
            response = send.open(
                url,
                method=method,
                headers=headers if is_api else {},
                json={} if is_api and method in {"POST", "PUT", "PATCH"} else None,
            )
            walked += 1
            got = _outcome(response.status_code, response.headers.get("Location", ""))
            want = _expected(permission, caller, is_api)
            if rule.endpoint == "staff.auth.sign_out" and got == "sign-in":
                got = "allowed"  # signing out lands on the sign-in page by design
            if got != want or response.status_code >= 500:
                mismatches.append(
                    f"{method} {rule.rule} ({rule.endpoint}, {permission}) as {caller}: "
                    f"{response.status_code}, expected {want}"
                )
    print(f"walked {walked} requests over {len(list(route_cases(app)))} route-methods")
    assert mismatches == [], "\n".join(mismatches)


def test_every_page_form_demands_a_csrf_token(app, callers):
    """Each state-changing page route refuses a request without a token, signed in or not."""
    checked = 0
    for rule, method, url in route_cases(app):
        if url.startswith("/api/") or method == "GET":
            continue
        for caller in (ANONYMOUS, Role.ADMIN.value):
            response = callers[caller][1]().open(url, method=method, data={"x": "1"})
            assert response.status_code == 400, f"{method} {rule.rule} as {caller}"
            checked += 1
    assert checked >= 20
