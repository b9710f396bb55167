"""Issue 16.10: input that used to answer 500 answers 400 (or 422) in the error format: query
keys url_for reserves, JSON nested too deep, a 5,000-digit number, a lone surrogate."""

from __future__ import annotations

import pytest

from tests.staff.helpers import sign_in


def _error_format(answer, status=400):
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    body = answer.get_json()
    assert set(body) >= {"code", "status", "message", "errors"}
    return body


@pytest.mark.parametrize("path", ["/report?_method=DELETE", "/report?_external=1&code=x"])
def test_reserved_query_keys_on_public_pages(client, path):
    answer = client.get(path, headers={"Accept": "application/json"})
    _error_format(answer)
    assert client.get(path).status_code == 400  # the HTML page too


def test_reserved_query_keys_on_regulator_pages(app, client, db_session, make_user):
    user = make_user("regulator")
    page = app.test_client()
    sign_in(page, user)
    assert page.get("/regulator/lots?_method=POST").status_code == 400
    assert page.get("/regulator/lots?status=active").status_code == 200


def _nested(levels: int) -> str:
    return '{"email": ' + "[" * levels + "1" + "]" * levels + ', "password": "x"}'


@pytest.mark.parametrize(
    "body",
    [
        _nested(100_000),
        '{"email": ' + "9" * 5000 + ', "password": "x"}',
        '{"email": "\\ud800@x.cn", "password": "x"}',
        '{"email": "a@b.cn", "password": "\\udfff"}',
    ],
    ids=["deep", "5000 digits", "lone high surrogate", "lone low surrogate"],
)
def test_hostile_json_is_a_400(client, body):
    answer = client.post(
        "/api/v1/tokens", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    _error_format(answer)


def test_hostile_json_on_a_write_is_a_400_too(client, as_role):
    answer = client.post(
        "/api/v1/producers",
        data=_nested(5000).replace('"email"', '"name"').encode(),
        headers={"Content-Type": "application/json", **as_role("qc")},
    )
    _error_format(answer)


def test_a_proper_surrogate_pair_is_text(client):
    answer = client.post(
        "/api/v1/tokens",
        data=b'{"email": "a@b.cn", "password": "\\ud83c\\udf30"}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 401
