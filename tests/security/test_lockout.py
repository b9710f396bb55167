"""Issue 16.7: strangers cannot lock a staff account: guessing is limited per (account,
address) and per address; an account guessed from many addresses is slowed by a ceiling, but its
owner still signs in from a new address; reaching a limit is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from trace.models.audit import AuditEntry
from trace.web import security


@pytest.fixture()
def limits_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    monkeypatch.setitem(app.config, "RATE_LIMIT_SIGNIN_CEILING", "12 per 15 minutes")
    app.extensions[security.EXTENSION_KEY].reset()
    yield app.config
    app.extensions[security.EXTENSION_KEY].reset()


def _try(client, email, password, address):
    return client.post(
        "/api/v1/tokens",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _audited(db_session, user, action):
    return db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_id == str(user.id))
    ).all()


def test_ten_wrong_passwords_from_anywhere_do_not_lock_the_owner_out(
    client, db_session, limits_on, make_user
):
    user = make_user("qc")
    for n in range(10):
        assert _try(client, user.email, "guess", f"198.51.100.{n}").status_code == 401
    assert _try(client, user.email, TEST_PASSWORD, "203.0.113.7").status_code == 201


def test_one_address_guessing_is_paused_for_that_account_only(
    client, db_session, limits_on, make_user
):
    user, other = make_user("qc"), make_user("station")
    for _ in range(5):
        assert _try(client, user.email, "guess", "198.51.100.1").status_code == 401
    assert _try(client, user.email, TEST_PASSWORD, "198.51.100.1").status_code == 429
    assert _try(client, other.email, TEST_PASSWORD, "198.51.100.1").status_code == 201
    assert _try(client, user.email, TEST_PASSWORD, "198.51.100.2").status_code == 201
    [locked] = _audited(db_session, user, "account.sign_in_locked")
    assert locked.after["limit"] == "account_address"
    assert "198.51.100.1" not in str(locked.after)  # a pseudonym, never the address


def test_past_the_ceiling_the_account_is_slowed_not_locked(
    client, db_session, limits_on, make_user
):
    user = make_user("admin")
    for n in range(12):  # many addresses, a few guesses each: the ceiling is 12
        assert _try(client, user.email, "guess", f"198.51.100.{n // 3}").status_code == 401
    assert _audited(db_session, user, "account.sign_in_slowed") != []
    # The owner, from a new address: one attempt per minute, and a right password works.
    assert _try(client, user.email, TEST_PASSWORD, "203.0.113.9").status_code == 201
    # A stranger's new address gets one guess, then waits.
    assert _try(client, user.email, "guess", "203.0.113.10").status_code == 401
    assert _try(client, user.email, "guess", "203.0.113.10").status_code == 429
