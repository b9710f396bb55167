"""Products: GTIN check digits, the 14-digit form, duplicates and the frozen GTIN."""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories
from trace.models.products import Product


def walnut(**overrides):
    body = {
        "name": "大姚核桃（示例）",
        "gtin": factories.gtin(),
        "category": "walnut_in_shell",
        "variety": "三台核桃",
        "net_content_g": 500,
        "brand": "大姚核桃",
    }
    body.update(overrides)
    return body


def test_gtin13_is_stored_in_14_digit_form(client, as_role):
    answer = client.post(
        "/api/v1/products", json=walnut(gtin="6901234567892"), headers=as_role("qc")
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["gtin"] == "06901234567892"


def test_bad_check_digit_is_refused_by_field(client, as_role, db_session):
    before = db_session.scalar(select(func.count(Product.id)))
    answer = client.post(
        "/api/v1/products", json=walnut(gtin="06901234567891"), headers=as_role("qc")
    )
    assert answer.status_code == 422
    assert "gtin" in answer.get_json()["errors"]
    assert db_session.scalar(select(func.count(Product.id))) == before


def test_duplicate_gtin_is_409_even_in_another_form(client, as_role):
    headers = as_role("qc")
    assert (
        client.post(
            "/api/v1/products", json=walnut(gtin="06901234567892"), headers=headers
        ).status_code
        == 201
    )
    again = client.post("/api/v1/products", json=walnut(gtin="6901234567892"), headers=headers)
    assert again.status_code == 409 and "gtin" in again.get_json()["errors"]


def test_station_staff_cannot_register_products(client, as_role):
    assert (
        client.post("/api/v1/products", json=walnut(), headers=as_role("station")).status_code
        == 403
    )


def test_gtin_is_frozen_once_a_batch_exists(client, as_role, db_session, make_user):
    admin = make_user("admin")
    batch = factories.batch(db_session, admin)
    answer = client.patch(
        f"/api/v1/products/{batch.product_id}",
        json={"gtin": factories.gtin()},
        headers=as_role("qc"),
    )
    assert answer.status_code == 409 and "gtin" in answer.get_json()["errors"]
    renamed = client.patch(
        f"/api/v1/products/{batch.product_id}", json={"name": "新名字"}, headers=as_role("qc")
    )
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "新名字"


def test_filter_by_category(client, as_role):
    headers = as_role("qc")
    client.post("/api/v1/products", json=walnut(category="honey", name="蜂蜜"), headers=headers)
    page = client.get("/api/v1/products?category=honey", headers=headers).get_json()
    assert page["items"] and all(p["category"] == "honey" for p in page["items"])
