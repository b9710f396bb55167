"""Packaging designs: the products they fit, and how many exist against the plan's 20+."""

from __future__ import annotations

import pytest

from tests import factories
from tests.quality.conftest import count
from trace.models.packaging import PackagingSpec


def design(product_ids, **overrides):
    body = {
        "design_code": "dy-ht-500-gb",
        "name": "三台核桃 500 g 礼盒",
        "package_type": "gift_box",
        "net_content_g": 500,
        "materials": "食品级PE内袋 + 350 g 白卡纸盒",
        "length_mm": 240,
        "width_mm": 160,
        "height_mm": 80,
        "label_template": "a4-3x8",
        "product_ids": product_ids,
    }
    body.update(overrides)
    return body


@pytest.fixture()
def walnut(db_session, admin):
    return factories.product(db_session, admin)


def test_design_round_trip_and_report(client, qc, walnut, db_session, admin):
    report = client.get("/api/v1/packaging-specs/report", headers=qc).get_json()
    honey = factories.product(db_session, admin, category="honey", name="测试蜂蜜（示例）")
    answer = client.post("/api/v1/packaging-specs", json=design([walnut.id]), headers=qc)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["design_code"] == "DY-HT-500-GB" and body["product_ids"] == [walnut.id]
    jar = design(
        [honey.id], design_code="DY-FM-500-JAR", package_type="jar", label_template="thermal-60x40"
    )
    assert client.post("/api/v1/packaging-specs", json=jar, headers=qc).status_code == 201
    after = client.get("/api/v1/packaging-specs/report", headers=qc).get_json()
    assert after["designs"] == report["designs"] + 2
    assert after["target"] == 20
    assert after["remaining"] == max(0, 20 - after["active_designs"])
    assert after["meets_target"] is (after["active_designs"] >= 20)
    assert after["by_package_type"]["jar"] == report["by_package_type"].get("jar", 0) + 1
    fits = client.get(f"/api/v1/packaging-specs?product_id={honey.id}", headers=qc).get_json()
    assert [d["design_code"] for d in fits["items"]] == ["DY-FM-500-JAR"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"product_ids": [999999]}, "product_ids"),
        ({"label_template": "A4 3x8"}, "label_template"),
        ({"package_type": "sack"}, "package_type"),
        ({"net_content_g": 0}, "net_content_g"),
        ({"design_code": "x"}, "design_code"),
    ],
)
def test_bad_design_is_named_and_nothing_written(client, qc, walnut, db_session, change, field):
    before = count(db_session, PackagingSpec)
    answer = client.post(
        "/api/v1/packaging-specs", json={**design([walnut.id]), **change}, headers=qc
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert count(db_session, PackagingSpec) == before


def test_duplicate_code_and_roles(client, qc, as_role, walnut, db_session):
    assert (
        client.post("/api/v1/packaging-specs", json=design([walnut.id]), headers=qc).status_code
        == 201
    )
    before = count(db_session, PackagingSpec)
    again = client.post("/api/v1/packaging-specs", json=design([walnut.id]), headers=qc)
    assert again.status_code == 409 and "design_code" in again.get_json()["errors"]
    station = client.post(
        "/api/v1/packaging-specs", json=design([], design_code="DY-X-1"), headers=as_role("station")
    )
    assert station.status_code == 403
    assert count(db_session, PackagingSpec) == before


def test_update_replaces_the_products_it_fits(client, qc, walnut, db_session, admin):
    kernel = factories.product(
        db_session, admin, category="walnut_kernel", name="测试核桃仁（示例）"
    )
    created = client.post(
        "/api/v1/packaging-specs", json=design([walnut.id]), headers=qc
    ).get_json()
    url = f"/api/v1/packaging-specs/{created['id']}"
    answer = client.patch(url, json={"product_ids": [kernel.id], "is_active": False}, headers=qc)
    assert answer.status_code == 200
    assert (
        answer.get_json()["product_ids"] == [kernel.id] and answer.get_json()["is_active"] is False
    )
    assert client.patch(url, json={"product_ids": [999999]}, headers=qc).status_code == 422
    assert client.get(url, headers=qc).get_json()["product_ids"] == [kernel.id]


def test_openapi_lists_the_quality_endpoints(client):
    paths = set(client.get("/api/v1/openapi.json").get_json()["paths"])
    for path in (
        "/api/v1/grading-standards",
        "/api/v1/batches/{batch_id}/gradings",
        "/api/v1/packaging-specs/report",
        "/api/v1/inspection-limits",
        "/api/v1/batches/{batch_id}/inspections",
        "/api/v1/batches/{batch_id}/inspections/{inspection_id}/report",
        "/api/v1/batches/{batch_id}/dispositions",
        "/api/v1/certifications/expiring",
        "/api/v1/batches/{batch_id}/certifications",
        "/api/v1/brand-applications/{application_id}/approve",
        "/api/v1/brand-marks",
    ):
        assert path in paths, path
