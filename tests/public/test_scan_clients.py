"""The scan page counts people: the device cookie, the address behind a trusted proxy
(TRACE_PROXY_COUNT and X-Forwarded-For), what the buyer is told, and the unknown-code page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import needs
from tests.conftest import ServerLikeClient
from trace import create_app
from trace.web.database import EXTENSION_KEY

JSON = {"Accept": "application/json"}
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.42 NetType/4G Language/zh_CN"
)
USER_AGENTS = [
    PHONE,
    "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile "
    "Safari/537.36",
    "Mozilla/5.0 (Android 13; Mobile; rv:120.0) Gecko/120.0 Firefox/120.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
    "Mozilla/5.0 (Linux; Android 12) AlipayClient/10.5.3",
]
DEVICE_COOKIE = "trace_device"


@pytest.fixture(scope="module")
def proxied_app(database_url: str) -> Flask:
    """The app behind one trusted reverse proxy: the client address is X-Forwarded-For's."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "PUBLIC_HOST": "trace.test",
            "TESTING": True,
            "RATE_LIMITS_ENABLED": False,
            "PROXY_COUNT": 1,
        }
    )
    app.test_client_class = ServerLikeClient
    return app


@pytest.fixture()
def phones(proxied_app: Flask, app: Flask, db_session) -> Iterator[callable]:
    """New phones (each its own cookie jar) behind the proxy, sharing the test's transaction."""
    proxied_app.extensions[EXTENSION_KEY] = app.extensions[EXTENSION_KEY]
    proxied_app.extensions.pop("trace.public_records", None)

    def phone() -> FlaskClient:
        return proxied_app.test_client()

    yield phone


def _scan(client, serial, address, user_agent=PHONE, **kwargs):
    headers = {"X-Forwarded-For": address, "User-Agent": user_agent, **kwargs.pop("headers", {})}
    return client.get(f"/scan/{serial}", headers=headers, **kwargs)


def _verdict(html: str) -> str:
    return re.search(r'data-verdict="(\w+)"', html).group(1)


def _english_link(html: str) -> str:
    return unescape(re.search(r'<a href="([^"]*lang=en[^"]*)" hreflang="en"', html).group(1))


def test_reload_language_switch_and_json_keep_genuine(phones, labelled):
    buyer = phones()
    serial = labelled.serials[0]
    first = _scan(buyer, serial, "203.0.113.10")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and _verdict(html) == "genuine"
    cookie = buyer.get_cookie(DEVICE_COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.expires is not None  # long-lived, not a session cookie
    english = buyer.get(f"/scan/{serial}" + _english_link(html), headers={"User-Agent": PHONE,
                        "X-Forwarded-For": "203.0.113.10"})  # fmt: skip
    page = english.get_data(as_text=True)
    assert _verdict(page) == "genuine" and 'lang="en"' in page
    assert "You checked this code at" in page
    again = _scan(buyer, serial, "203.0.113.10").get_data(as_text=True)  # a reload
    assert _verdict(again) == "genuine" and "You checked this code at" in again
    chinese = _scan(buyer, serial, "203.0.113.10", query_string={"lang": "zh"})
    text = chinese.get_data(as_text=True)
    assert "您于" in text and "查询过此码" in text
    body = _scan(buyer, serial, "198.51.100.99", headers=JSON).get_json()  # the phone moved
    assert body["verdict"] == "genuine" and body["scan_count"] == 1
    assert body["you_scanned_at"] == body["first_scanned_at"]


def test_the_language_switch_never_counts_whatever_the_cookie(phones, labelled):
    serial = labelled.serials[0]
    html = _scan(phones(), serial, "203.0.113.10").get_data(as_text=True)
    switch = _english_link(html)
    # Another phone, another address, no cookie: following a page's own switch link is no scan.
    stranger = phones()
    answer = stranger.get(f"/scan/{serial}" + switch, headers={
        **JSON, "X-Forwarded-For": "198.51.100.20", "User-Agent": USER_AGENTS[1]})  # fmt: skip
    assert answer.get_json()["scan_count"] == 1
    # A forged or stale token is an ordinary look, and ?lang=en alone (a printed code, the
    # resolver's English link) counts as usual.
    forged = phones().get(f"/scan/{serial}?lang=en&seen=0.0", headers={
        **JSON, "X-Forwarded-For": "198.51.100.21", "User-Agent": PHONE})  # fmt: skip
    assert forged.get_json()["scan_count"] == 2
    plain = _scan(phones(), serial, "198.51.100.22", headers=JSON, query_string={"lang": "en"})
    assert plain.get_json()["scan_count"] == 3


def test_twenty_requests_from_one_address_never_exceed(phones, labelled):
    serial = labelled.serials[0]
    verdicts = []
    for n in range(20):
        answer = _scan(phones(), serial, "203.0.113.66", USER_AGENTS[n % len(USER_AGENTS)],
                       headers=JSON)  # fmt: skip
        verdicts.append(answer.get_json()["verdict"])
    assert "exceeded" not in verdicts and verdicts[0] == "genuine"
    final = _scan(phones(), serial, "203.0.113.66", headers=JSON).get_json()
    assert final["scan_count"] == 2


def test_six_clients_from_six_addresses_exceed(phones, labelled, app):
    serial = labelled.serials[0]
    limit = app.config["SCAN_LIMIT"]
    answers = [
        _scan(phones(), serial, f"198.51.100.{n}", headers=JSON).get_json()
        for n in range(1, limit + 2)
    ]
    assert [a["verdict"] for a in answers] == ["genuine"] + ["repeat"] * (limit - 1) + ["exceeded"]
    assert answers[-1]["scan_count"] == limit + 1
    assert answers[-1]["you_scanned_at"] is None
    page = _scan(phones(), serial, "198.51.100.200").get_data(as_text=True)
    assert _verdict(page) == "exceeded"
    assert f"/report?code={serial}" in page  # the report link with the code filled in
    assert "可能已被复制" in page


def test_repeat_says_when_and_roughly_where(phones, labelled):
    serial = labelled.serials[0]
    _scan(phones(), serial, "183.62.57.1")  # 广东 广州 in the offline database
    answer = _scan(phones(), serial, "198.51.100.7")
    page = answer.get_data(as_text=True)
    assert _verdict(page) == "repeat"
    body = _scan(phones(), serial, "198.51.100.8", headers=JSON).get_json()
    needs.data("ip-region")  # where it was checked needs the offline data (CI requires it)
    assert body["first_region"] == "广东/广州" and "广东 广州" in page


def test_head_is_uncounted_and_answers_like_get(phones, labelled):
    serial = labelled.serials[0]
    head = phones().head(f"/scan/{serial}", headers={"X-Forwarded-For": "198.51.100.1"})
    assert head.status_code == 200
    body = _scan(phones(), serial, "198.51.100.2", headers=JSON).get_json()
    assert body["scan_count"] == 1 and body["verdict"] == "genuine"


def test_unknown_code_page(client, labelled):
    for answer in (
        client.get("/scan/ZZZZZZZZZZ"),
        client.get(f"/01/{labelled.gtin}/10/{labelled.batch.lot}/21/ZZZZZZZZZZ",
                   follow_redirects=True),
    ):  # fmt: skip
        page = answer.get_data(as_text=True)
        assert answer.status_code == 404 and _verdict(page) == "unknown"
        assert "此码未登记，可能是假冒产品" in page and "/report?code=ZZZZZZZZZZ" in page
    walked = client.get(f"/01/{labelled.gtin}/10/{labelled.batch.lot}/21/ZZZZZZZZZZ")
    assert walked.status_code == 307 and walked.headers["Location"].endswith("/scan/ZZZZZZZZZZ")
    body = client.get("/scan/ZZZZZZZZZZ", headers=JSON)
    assert body.status_code == 404 and body.get_json()["verdict"] == "unknown"


def test_unknown_lot_walks_up_to_the_product_with_a_notice(client, labelled):
    answer = client.get(f"/01/{labelled.gtin}/10/NOSUCHLOT")
    assert answer.status_code == 307
    location = answer.headers["Location"]
    assert f"/products/{labelled.gtin}" in location
    page = client.get(location)
    assert page.status_code == 200 and "NOSUCHLOT" in page.get_data(as_text=True)
    assert "未登记" in page.get_data(as_text=True)
    # A serial under an unknown lot walks up the same way (the lot is what is unknown).
    deeper = client.get(f"/01/{labelled.gtin}/10/NOSUCHLOT/21/ZZZZZZZZZZ")
    assert deeper.status_code == 307 and f"/products/{labelled.gtin}" in deeper.headers["Location"]
