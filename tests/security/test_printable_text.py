"""Issue 16.12: text that will be printed is checked against the label font when it is entered
(422 naming the field and the characters), and a label run whose records cannot be printed is
refused before anything is issued or rendered."""

from __future__ import annotations

import pytest

from tests import factories
from tests.genealogy.conftest import release

EMOJI = "核桃🌰"
ZERO_WIDTH = "罗\u200b小芬"


@pytest.mark.parametrize(
    ("path", "body", "field", "char"),
    [
        (
            "/api/v1/products",
            {"name": EMOJI, "gtin": None, "category": "walnut_in_shell"},
            "name",
            "U+1F330",
        ),
        (
            "/api/v1/products",
            {"name": "核桃", "gtin": None, "category": "walnut_in_shell", "variety": "三台\u2066"},
            "variety",
            "U+2066",
        ),
        (
            "/api/v1/producers",
            {"name": ZERO_WIDTH, "kind": "farmer", "township_code": "532326208"},
            "name",
            "U+200B",
        ),
    ],
)
def test_unprintable_text_is_refused_when_entered(client, as_role, path, body, field, char):
    if "gtin" in body:
        body = {**body, "gtin": factories.gtin()}
    answer = client.post(path, json=body, headers=as_role("qc"))
    assert answer.status_code == 422, answer.get_json()
    errors = answer.get_json()["errors"]
    assert list(errors) == [field]
    assert char in errors[field][0]


def test_a_batch_village_with_an_emoji_is_refused(client, as_role, db_session, make_user):
    admin = make_user("admin")
    product = factories.product(db_session, admin)
    producer = factories.producer(db_session, admin)
    body = {
        "product_id": product.id,
        "producer_id": producer.id,
        "harvested_on": "2025-09-15",
        "quantity": "10",
        "unit": "kg",
        "township_code": "532326208",
        "village": "三台村🏠",
    }
    answer = client.post("/api/v1/batches", json=body, headers=as_role("qc"))
    assert answer.status_code == 422
    assert "U+1F3E0" in answer.get_json()["errors"]["village"][0]


def test_a_label_run_of_records_entered_before_the_check_is_refused(
    client, as_role, db_session, make_user
):
    admin = make_user("admin")
    lot = factories.batch(db_session, admin)
    release(db_session, admin, lot.id)
    lot.product.name = EMOJI  # as stored before the check existed
    db_session.flush()
    answer = client.post(
        f"/api/v1/batches/{lot.id}/label-runs", json={"count": 3}, headers=as_role("qc")
    )
    assert answer.status_code == 422, answer.get_json()
    assert "U+1F330" in answer.get_json()["errors"]["product.name"][0]


def test_a_label_pdf_fails_before_its_first_byte(client, as_role, db_session, make_user):
    admin = make_user("admin")
    lot = factories.batch(db_session, admin)
    release(db_session, admin, lot.id)
    headers = as_role("qc")
    run = client.post(f"/api/v1/batches/{lot.id}/label-runs", json={"count": 3}, headers=headers)
    assert run.status_code == 201, run.get_json()
    lot.product.name = EMOJI  # changed behind the services' back after the run was issued
    db_session.flush()
    answer = client.get(f"/api/v1/label-runs/{run.get_json()['id']}/pdf", headers=headers)
    assert answer.status_code == 422
    assert not answer.data.startswith(b"%PDF")
    assert "U+1F330" in answer.get_json()["errors"]["product.name"][0]
