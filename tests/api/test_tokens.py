"""Tokens: sign in with e-mail and password, use the token, expire and revoke it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD
from trace import clock
from trace.models.users import ApiToken


def test_token_grants_access_until_revoked(client, make_user):
    user = make_user("qc")
    answer = client.post("/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD})
    assert answer.status_code == 201
    body = answer.get_json()
    assert set(body) >= {"token", "expires_at"}
    headers = {"Authorization": f"Bearer {body['token']}"}

    assert client.get("/api/v1/users/me", headers=headers).get_json()["email"] == user.email
    assert client.delete(f"/api/v1/tokens/{body['id']}", headers=headers).status_code == 200
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_wrong_password_gets_401_and_no_token(client, make_user, db_session):
    user = make_user("qc")
    before = db_session.scalar(select(func.count(ApiToken.id)))
    answer = client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong-one!!"})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == 401
    assert db_session.scalar(select(func.count(ApiToken.id))) == before


def test_expired_token_is_refused(client, make_user, db_session):
    user = make_user("qc")
    answer = client.post("/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD})
    token = db_session.get(ApiToken, answer.get_json()["id"])
    token.expires_at = clock.utcnow() - dt.timedelta(seconds=1)
    db_session.flush()
    headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_garbage_bearer_is_401_not_anonymous(client):
    answer = client.get("/api/v1/producers", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    assert "WWW-Authenticate" in answer.headers


def test_missing_fields_are_named(client):
    answer = client.post("/api/v1/tokens", json={"email": "x@example.cn"})
    assert answer.status_code == 422
    assert "password" in answer.get_json()["errors"]


def test_unparsable_body_is_400(client):
    answer = client.post(
        "/api/v1/tokens", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.get_json()["code"] == 400


def test_owner_lists_only_own_tokens(client, as_role):
    mine = as_role("station")
    as_role("qc")
    tokens = client.get("/api/v1/tokens", headers=mine).get_json()
    assert len(tokens) == 1
