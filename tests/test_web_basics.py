"""Home page, languages, the OpenAPI document and its locally served docs."""

from __future__ import annotations

import re


def test_home_is_chinese_first_english_on_request(client):
    zh = client.get("/")
    assert zh.status_code == 200 and "大姚农产品溯源" in zh.get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    assert "Dayao Farm Product Traceability" in en
    by_header = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.3"})
    assert "Dayao Farm Product Traceability" in by_header.get_data(as_text=True)
    prefers_zh = client.get("/", headers={"Accept-Language": "en;q=0.4,zh-CN;q=0.9"})
    assert "大姚农产品溯源" in prefers_zh.get_data(as_text=True)


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
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_nul_characters_are_refused_early(client, as_role):
    headers = as_role("qc")
    body = client.post(
        "/api/v1/pack-codes/void", json={"serials": ["A\u0000B"], "reason": "x"}, headers=headers
    )
    assert body.status_code == 400 and "_input" in body.get_json()["errors"]
    query = client.get("/api/v1/producers?q=a%00b", headers=headers)
    assert query.status_code == 400
