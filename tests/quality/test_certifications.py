"""Certificates: numbers checked by type, status derived from dates, only valid ones for a batch."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.quality.conftest import count
from trace.clock import local_today
from trace.models.audit import AuditEntry
from trace.models.certifications import (
    Certification,
    CertificationStatus,
    certificate_status,
)
from trace.services.certifications import certificates_for_batch, expiring_certificates

D = dt.date


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "today", "status"),
    [
        (D(2025, 1, 1), D(2025, 12, 31), D(2024, 12, 31), CertificationStatus.NOT_YET_VALID),
        (D(2025, 1, 1), D(2025, 12, 31), D(2025, 1, 1), CertificationStatus.VALID),
        (D(2025, 1, 1), D(2025, 12, 31), D(2025, 11, 30), CertificationStatus.VALID),
        (D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 1), CertificationStatus.EXPIRING),
        (D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31), CertificationStatus.EXPIRING),
        (D(2025, 1, 1), D(2025, 12, 31), D(2026, 1, 1), CertificationStatus.EXPIRED),
        (D(2015, 8, 10), None, D(2040, 1, 1), CertificationStatus.VALID),
        (D(2015, 8, 10), None, D(2015, 8, 9), CertificationStatus.NOT_YET_VALID),
    ],
)
def test_status_comes_from_the_dates(valid_from, valid_to, today, status):
    # The last day is inclusive; a warning starts 30 days before it.
    assert certificate_status(valid_from, valid_to, today) is status


@pytest.fixture()
def refs(db_session, admin, walnut_batch):
    return {
        "batch": walnut_batch,
        "other_producer": factories.producer(db_session, admin, name="别家合作社（示例）"),
    }


def cert(scope_id, **overrides):
    body = {
        "cert_type": "green_food",
        "number": "GF532326250001",
        "holder": "测试核桃合作社（示例）",
        "issuer": "中国绿色食品发展中心",
        "scope": "product",
        "scope_id": scope_id,
        "valid_from": "2025-03-01",
        "valid_to": "2028-02-28",
        "verify_url": "https://www.greenfood.org.cn/",
    }
    body.update(overrides)
    return body


def _today_plus(days):
    return (local_today() + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("cert_type", "number"),
    [
        ("organic", "12345"),
        ("organic", "1242025ABCDEFGHIJ"),
        ("organic", "124202500000000001"),  # 18 digits
        ("green_food", "GF53232625001"),  # serial too short
        ("green_food", "LB-53-2503010001"),
        ("green_food", None),
    ],
)
def test_malformed_numbers_are_named_and_nothing_written(
    client, qc, refs, db_session, cert_type, number
):
    before = (count(db_session, Certification), count(db_session, AuditEntry))
    body = cert(refs["batch"].product_id, cert_type=cert_type, number=number)
    body["valid_to"] = "2026-02-28"
    answer = client.post("/api/v1/certifications", json=body, headers=qc)
    assert answer.status_code == 422, answer.get_json()
    assert "number" in answer.get_json()["errors"]
    assert (count(db_session, Certification), count(db_session, AuditEntry)) == before


def test_well_formed_numbers_are_accepted_and_normalised(client, qc, refs):
    product_id = refs["batch"].product_id
    green = client.post(
        "/api/v1/certifications", json=cert(product_id, number="gf 5323 2625 0001"), headers=qc
    )
    assert green.status_code == 201 and green.get_json()["number"] == "GF532326250001"
    organic = client.post(
        "/api/v1/certifications",
        json=cert(
            product_id,
            cert_type="organic",
            number="12420250000000017",
            valid_from="2025-06-01",
            valid_to="2026-05-31",
        ),
        headers=qc,
    )
    assert organic.status_code == 201, organic.get_json()
    # The GI trademark's registration number is not on record: it may stay blank.
    trademark = client.post(
        "/api/v1/certifications",
        json=cert(product_id, cert_type="gi_trademark", number=None, valid_to=None, verify_url=""),
        headers=qc,
    )
    assert trademark.status_code == 201 and trademark.get_json()["number"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"valid_to": "2025-01-01"}, "valid_to"),
        ({"valid_to": None}, "valid_to"),
        ({"scope_id": 999999}, "scope_id"),
        ({"scope": "village"}, "scope"),
        ({"cert_type": "halal"}, "cert_type"),
        ({"verify_url": "javascript:alert(1)"}, "verify_url"),  # public pages link it
        ({"cert_type": "organic", "number": "12420250000000017"}, "valid_to"),  # over a year
    ],
)
def test_bad_certificate_fields_are_named(client, qc, refs, db_session, change, field):
    before = count(db_session, Certification)
    answer = client.post(
        "/api/v1/certifications", json={**cert(refs["batch"].product_id), **change}, headers=qc
    )
    assert answer.status_code == 422 and field in answer.get_json()["errors"]
    assert count(db_session, Certification) == before


def test_duplicate_number_is_a_conflict(client, qc, refs, db_session):
    product_id = refs["batch"].product_id
    assert (
        client.post("/api/v1/certifications", json=cert(product_id), headers=qc).status_code == 201
    )
    before = count(db_session, Certification)
    again = client.post("/api/v1/certifications", json=cert(product_id), headers=qc)
    assert again.status_code == 409 and "number" in again.get_json()["errors"]
    assert count(db_session, Certification) == before


def test_status_is_shown_from_the_dates(dayao_clock, client, qc, refs):
    product_id = refs["batch"].product_id
    cases = {
        "expired": ("2020-01-01", "2020-12-31"),
        "not_yet_valid": ("2099-01-01", "2099-12-31"),
        "expiring": ("2025-01-01", _today_plus(10)),
        "valid": ("2025-01-01", _today_plus(400)),
    }
    made = {}
    for serial, (status, (start, end)) in enumerate(cases.items(), start=1):
        body = cert(
            product_id,
            cert_type="compliance_certificate",
            number=f"HGZ-{serial}",
            valid_from=start,
            valid_to=end,
        )
        answer = client.post("/api/v1/certifications", json=body, headers=qc).get_json()
        assert answer["status"] == status, (status, answer)
        made[status] = answer["id"]
    assert (
        client.get(f"/api/v1/certifications/{made['expiring']}", headers=qc).get_json()[
            "days_to_expiry"
        ]
        == 10
    )
    for status, cert_id in made.items():
        page = client.get(
            f"/api/v1/certifications?status={status}&product_id={product_id}", headers=qc
        ).get_json()
        assert [c["id"] for c in page["items"]] == [cert_id], status
    expiring = client.get("/api/v1/certifications/expiring", headers=qc).get_json()
    assert made["expiring"] in [c["id"] for c in expiring]
    assert made["valid"] not in [c["id"] for c in expiring]


def test_only_valid_certificates_that_apply_reach_the_batch(
    dayao_clock, client, qc, refs, db_session
):
    batch = refs["batch"]
    scopes = {
        "own": ("batch", batch.id, "2025-09-15", _today_plus(100)),
        "product": ("product", batch.product_id, "2025-01-01", None),
        "producer": ("producer", batch.producer_id, "2025-01-01", _today_plus(5)),
        "expired": ("producer", batch.producer_id, "2020-01-01", "2021-01-01"),
        "future": ("batch", batch.id, "2099-01-01", "2099-06-01"),
        "elsewhere": ("producer", refs["other_producer"].id, "2025-01-01", _today_plus(100)),
    }
    ids = {}
    for serial, (name, (scope, scope_id, start, end)) in enumerate(scopes.items(), start=1):
        body = cert(
            scope_id,
            cert_type="gi_product" if end is None else "compliance_certificate",
            number=f"N-{serial}",
            scope=scope,
            valid_from=start,
            valid_to=end,
        )
        answer = client.post("/api/v1/certifications", json=body, headers=qc)
        assert answer.status_code == 201, answer.get_json()
        ids[name] = answer.get_json()["id"]
    wanted = {ids["own"], ids["product"], ids["producer"]}
    assert {c.id for c in certificates_for_batch(db_session, batch)} == wanted
    listed = client.get(f"/api/v1/batches/{batch.id}/certifications", headers=qc).get_json()
    assert {c["id"] for c in listed} == wanted
    assert {c["status"] for c in listed} == {"valid", "expiring"}
    # On a given day the answer follows that day's validity.
    later = local_today() + dt.timedelta(days=50)
    assert {c.id for c in certificates_for_batch(db_session, batch, later)} == {
        ids["own"],
        ids["product"],
    }
    soon = {c.id for c in expiring_certificates(db_session, within_days=30)}
    assert ids["producer"] in soon and ids["own"] not in soon


def test_update_keeps_rules(client, qc, refs, db_session):
    created = client.post(
        "/api/v1/certifications", json=cert(refs["batch"].product_id), headers=qc
    ).get_json()
    url = f"/api/v1/certifications/{created['id']}"
    fixed = client.patch(url, json={"holder": "改名合作社（示例）"}, headers=qc)
    assert fixed.status_code == 200 and fixed.get_json()["holder"] == "改名合作社（示例）"
    bad = client.patch(url, json={"number": "GF12"}, headers=qc)
    assert bad.status_code == 422 and "number" in bad.get_json()["errors"]
    moved = client.patch(
        url, json={"scope": "producer", "scope_id": refs["batch"].producer_id}, headers=qc
    ).get_json()
    assert (moved["scope"], moved["producer_id"], moved["product_id"]) == (
        "producer",
        refs["batch"].producer_id,
        None,
    )
    half = client.patch(url, json={"scope": "batch"}, headers=qc)
    assert half.status_code == 422 and "scope_id" in half.get_json()["errors"]


def test_roles(client, as_role, refs):
    body = cert(refs["batch"].product_id)
    for role in ("station", "regulator"):
        answer = client.post("/api/v1/certifications", json=body, headers=as_role(role))
        assert answer.status_code == 403
    assert client.get("/api/v1/certifications").status_code == 401
    assert client.get("/api/v1/certifications", headers=as_role("regulator")).status_code == 200
