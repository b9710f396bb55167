"""Home page, languages, the OpenAPI document and its locally served docs."""

from __future__ import annotations

import re


def test_home_is_chinese_first_english_on_request(client):
    zh = client.get("/")
    assert zh.status_code == 200 and "大姚农产品溯源" in zh.get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    assert "Dayao Farm Product Traceability" in en
    client.delete_cookie("lang")  # ?lang= is remembered (next test); here each request alone
    by_header = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.3"})
    assert "Dayao Farm Product Traceability" in by_header.get_data(as_text=True)
    prefers_zh = client.get("/", headers={"Accept-Language": "en;q=0.4,zh-CN;q=0.9"})
    assert "大姚农产品溯源" in prefers_zh.get_data(as_text=True)


def test_a_chosen_language_holds_for_the_next_pages(client):
    """A shopper who switched the scan page to English gets the report form in English too, and
    the switch link keeps the page's own query (the pack code on the report form)."""
    chosen = client.get("/?lang=en")
    assert "lang=en" in chosen.headers["Set-Cookie"] and "HttpOnly" in chosen.headers["Set-Cookie"]
    report = client.get("/report?code=ABCDEFGHJK", headers={"Accept-Language": "zh-CN"})
    page = report.get_data(as_text=True)
    assert 'lang="en"' in page and "Cookie" in report.headers["Vary"]
    assert "?code=ABCDEFGHJK&amp;lang=zh" in page  # the switch back keeps the code
    back = client.get("/report?code=ABCDEFGHJK&lang=zh")
    assert 'lang="zh-CN"' in back.get_data(as_text=True)
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)


def test_openapi_document_lists_the_core_resources(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = set(spec["paths"])
    for path in (
        "/api/v1/tokens",
        "/api/v1/producers",
        "/api/v1/products",
        "/api/v1/batches",
        "/api/v1/batches/{batch_id}/events",
    ):
        assert path in paths


def test_docs_use_only_local_assets(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(u.startswith("/") for u in urls)
    for url in urls:
        assert client.get(url).status_code == 200


def test_unknown_page_is_html_for_browsers_json_for_clients(client):
    html = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert html.status_code == 404 and "text/html" in html.content_type
    data = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert data.status_code == 404 and data.get_json()["code"] == 404


def test_health(client):
    from trace.schema import head_revisions

    head = ",".join(sorted(head_revisions()))
    assert client.get("/healthz").get_json() == {"status": "ok", "revision": head}


def test_nul_characters_are_refused_early(client, as_role):
    headers = as_role("qc")
    body = client.post(
        "/api/v1/pack-codes/void", json={"serials": ["A\u0000B"], "reason": "x"}, headers=headers
    )
    assert body.status_code == 400 and "_input" in body.get_json()["errors"]
    query = client.get("/api/v1/producers?q=a%00b", headers=headers)
    assert query.status_code == 400
