"""Label runs through the API: unique serials, idempotency, refusals, voids, reprints, the PDF."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tests import factories, readback
from trace import clock
from trace.models.audit import AuditEntry
from trace.models.batches import BatchStatus
from trace.models.labels import CodeStatus, PackCode
from trace.services.labels import SERIAL_ALPHABET

SERIAL_RE = re.compile(f"^[{SERIAL_ALPHABET}]{{10}}$")


@pytest.fixture()
def batch(db_session, make_user):
    admin = make_user("admin")
    batch = factories.batch(db_session, admin)
    factories.passed_inspection(db_session, admin, batch)
    return batch


def test_no_labels_without_a_passed_inspection(client, as_role, db_session, make_user):
    unreleased = factories.batch(db_session, make_user("admin"))
    before = _codes(db_session)
    answer = client.post(
        f"/api/v1/batches/{unreleased.id}/label-runs", json={"count": 3}, headers=as_role("qc")
    )
    assert answer.status_code == 409 and "inspection" in answer.get_json()["errors"]
    assert _codes(db_session) == before


def _codes(session):
    return session.scalar(select(func.count(PackCode.id)))


def test_issue_run_gives_unique_random_serials_and_numbers(client, as_role, batch, db_session):
    headers = as_role("qc")
    first = client.post(
        f"/api/v1/batches/{batch.id}/label-runs", json={"count": 24}, headers=headers
    )
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["count"] == 24 and len(body["serials"]) == 24
    assert len(set(body["serials"])) == 24
    assert all(SERIAL_RE.match(s) for s in body["serials"])
    assert body["pdf_url"].endswith(f"/label-runs/{body['id']}/pdf")
    second = client.post(
        f"/api/v1/batches/{batch.id}/label-runs", json={"count": 10}, headers=headers
    ).get_json()
    assert second["first_sequence"] == 25
    sequences = db_session.scalars(
        select(PackCode.sequence).where(PackCode.batch_id == batch.id).order_by(PackCode.sequence)
    ).all()
    assert sequences == list(range(1, 35))
    # Not sequential: sorted serials are not the issue order.
    assert body["serials"] != sorted(body["serials"])


def test_idempotency_key_returns_the_same_run(client, as_role, batch, db_session):
    headers = as_role("qc")
    url = f"/api/v1/batches/{batch.id}/label-runs"
    body = {"count": 5, "idempotency_key": "retry-key-123456"}
    first = client.post(url, json=body, headers=headers).get_json()
    before = _codes(db_session)
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] == first["id"]
    assert again.get_json()["serials"] == first["serials"]
    assert _codes(db_session) == before
    clash = client.post(url, json={**body, "count": 6}, headers=headers)
    assert clash.status_code == 409 and "idempotency_key" in clash.get_json()["errors"]


@pytest.mark.parametrize("status", [BatchStatus.ON_HOLD, BatchStatus.RECALLED])
def test_held_or_recalled_batch_gets_no_labels(client, as_role, batch, db_session, status):
    batch.status = status
    db_session.flush()
    before = _codes(db_session)
    answer = client.post(
        f"/api/v1/batches/{batch.id}/label-runs", json={"count": 3}, headers=as_role("qc")
    )
    assert answer.status_code == 409
    assert "status" in answer.get_json()["errors"]
    assert _codes(db_session) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 100_001}, "count"),
        ({"count": "5"}, "count"),
        ({"count": 5, "template": "no-such-template"}, "template"),
    ],
)
def test_bad_run_requests_name_the_field(client, as_role, batch, db_session, body, field):
    before = _codes(db_session)
    answer = client.post(f"/api/v1/batches/{batch.id}/label-runs", json=body, headers=as_role("qc"))
    assert answer.status_code == 422 and field in answer.get_json()["errors"]
    assert _codes(db_session) == before


def test_only_qc_and_admin_issue_labels(client, as_role, batch):
    url = f"/api/v1/batches/{batch.id}/label-runs"
    assert client.post(url, json={"count": 1}, headers=as_role("station")).status_code == 403
    assert client.post(url, json={"count": 1}, headers=as_role("regulator")).status_code == 403
    assert (
        client.post(
            "/api/v1/batches/999999/label-runs", json={"count": 1}, headers=as_role("qc")
        ).status_code
        == 404
    )


def test_void_run_and_single_codes_are_audited(client, as_role, batch, db_session):
    headers = as_role("qc")
    run = client.post(
        f"/api/v1/batches/{batch.id}/label-runs", json={"count": 4}, headers=headers
    ).get_json()
    one = client.post(
        "/api/v1/pack-codes/void",
        json={"serials": [run["serials"][0]], "reason": "标签撕坏"},
        headers=headers,
    )
    assert one.status_code == 200 and one.get_json()[0]["status"] == "void"
    unknown = client.post(
        "/api/v1/pack-codes/void", json={"serials": ["ZZZZZZZZZZ"], "reason": "x"}, headers=headers
    )
    assert unknown.status_code == 422 and "serials" in unknown.get_json()["errors"]
    whole = client.post(
        f"/api/v1/label-runs/{run['id']}/void", json={"reason": "整张打印错位"}, headers=headers
    )
    assert whole.get_json()["status"] == "void"
    statuses = db_session.scalars(
        select(PackCode.status).where(PackCode.label_run_id == run["id"])
    ).all()
    assert set(statuses) == {CodeStatus.VOID}
    notes = db_session.scalars(
        select(AuditEntry.note).where(AuditEntry.action.in_(["pack_code.void", "label_run.void"]))
    ).all()
    assert {"标签撕坏", "整张打印错位"} <= set(notes)
    reprint = client.post(
        f"/api/v1/label-runs/{run['id']}/reprints", json={"reason": "卡纸"}, headers=headers
    )
    assert reprint.status_code == 409


def test_reprint_keeps_the_codes(client, as_role, batch, db_session):
    headers = as_role("qc")
    run = client.post(
        f"/api/v1/batches/{batch.id}/label-runs", json={"count": 2}, headers=headers
    ).get_json()
    again = client.post(
        f"/api/v1/label-runs/{run['id']}/reprints", json={"reason": "卡纸重打"}, headers=headers
    ).get_json()
    assert again["reprint_count"] == 1 and again["serials"] == run["serials"]
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "label_run.reprint")
    ).one()
    assert entry.note == "卡纸重打"


def test_serials_are_unique_by_database_constraint(client, as_role, batch, db_session):
    run = client.post(
        f"/api/v1/batches/{batch.id}/label-runs", json={"count": 1}, headers=as_role("qc")
    ).get_json()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(
            insert(PackCode),
            [
                {
                    "serial": run["serials"][0],
                    "label_run_id": run["id"],
                    "batch_id": batch.id,
                    "sequence": 999,
                    "status": "active",
                    "void_reason": "",
                    "public_scan_count": 0,
                }
            ],
        )


def test_pdf_download_reads_back(client, as_role, batch, tmp_path):
    headers = as_role("qc")
    run = client.post(
        f"/api/v1/batches/{batch.id}/label-runs", json={"count": 3}, headers=headers
    ).get_json()
    pdf = client.get(run["pdf_url"], headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (found,) = readback.pdf_qr_texts(pdf.get_data(), tmp_path, dpi=300)  # one page, both decoders
    lot = batch.lot
    gtin = batch.product.gtin
    assert sorted(found) == sorted(
        f"https://trace.test/01/{gtin}/10/{lot}/21/{s}" for s in run["serials"]
    )
    assert client.get(run["pdf_url"], headers=as_role("station")).status_code == 403


def _certificate_pdf(client, headers, batch, tmp_path):
    """The 合格证 as a buyer reads it: its text without layout spaces, and its QR codes."""
    answer = client.get(f"/api/v1/batches/{batch.id}/compliance-certificate.pdf", headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pdf = answer.get_data()
    flat = re.sub(r"\s+", "", readback.pdf_text(pdf, tmp_path))  # fields may wrap
    (codes,) = readback.pdf_qr_texts(pdf, tmp_path / "pages")
    return flat, codes


def _assert_certificate_fields(flat: str, batch, quantity: str) -> None:
    """The fields of MoA order 2025 No. 4, written out for the factory's lot (not computed by
    the code under test): 产品名称, 数量, 产地, 开具时间, 承诺主体, 联系方式, and the promise."""
    assert flat.startswith("承诺达标合格证")
    for field, value in {
        "产品名称": batch.product.name,
        "数量": quantity,
        "产地": "云南省楚雄彝族自治州大姚县三台乡三台村",
        "承诺主体": batch.producer.name,
        "联系方式": batch.producer.phone,
    }.items():
        assert re.search(f"{field}(（[^）]*）)?[:：]{re.escape(value)}", flat), (field, value)
    issued = re.search(r"开具(?:时间|日期)[:：](\d{4})年(\d{1,2})月(\d{1,2})日", flat)
    assert issued, "no issue date"
    assert dt.date(*map(int, issued.groups())) == clock.local_today()  # the county's date
    for promise in ("我承诺", "不使用禁用农药兽药", "非法添加物", "残留不超标", "真实性负责"):
        assert promise in flat, promise
    assert batch.lot in flat


def test_compliance_certificate_pdf(
    midnight_clock, client, as_role, batch, make_user, db_session, tmp_path
):
    """What a buyer checks on the 承诺达标合格证: its words, every field, where its QR leads."""
    from trace.services.compliance import issue_certificate

    headers = as_role("qc")
    # None issued yet: the download issues (and records) one for the whole lot; its QR is the
    # certificate's own public address.
    flat, codes = _certificate_pdf(client, headers, batch, tmp_path / "first")
    _assert_certificate_fields(flat, batch, "100千克")
    (first,) = client.get(
        f"/api/v1/batches/{batch.id}/compliance-certificates", headers=headers
    ).get_json()
    assert codes == [f"https://trace.test/compliance/{first['number']}"]
    # Issued for part of the lot: that quantity, its QR the certificate's own public address.
    record = issue_certificate(db_session, make_user("qc"), batch.id, quantity=Decimal("40"))
    db_session.flush()
    flat, codes = _certificate_pdf(client, headers, batch, tmp_path / "issued")
    _assert_certificate_fields(flat, batch, "40千克")
    assert codes == [f"https://trace.test/compliance/{record.number}"]


def test_single_label_png_and_svg(client, as_role, batch):
    import io
    import xml.etree.ElementTree as ET

    from PIL import Image

    headers = as_role("qc")
    run = client.post(
        f"/api/v1/batches/{batch.id}/label-runs", json={"count": 1}, headers=headers
    ).get_json()
    serial = run["serials"][0]
    uri = f"https://trace.test/01/{batch.product.gtin}/10/{batch.lot}/21/{serial}"
    png = client.get(f"/api/v1/pack-codes/{serial}/label.png?dpi=300", headers=headers)
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert readback.qr_texts(Image.open(io.BytesIO(png.get_data()))) == [uri]
    svg = client.get(f"/api/v1/pack-codes/{serial}/label.svg", headers=headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.get_data())
    assert root.tag == f"{readback.SVG}svg"
    assert root.get("width", "").endswith("mm") and root.get("height", "").endswith("mm")
    words = {g.get("aria-label") for g in root.iter(f"{readback.SVG}g")}
    assert batch.product.name in words and "No.000001" in words
    # Its QR code, drawn from the SVG's own path data, leads to this pack (both decoders).
    assert readback.qr_texts(readback.svg_paths_image(svg.get_data(as_text=True))) == [uri]
    missing = client.get("/api/v1/pack-codes/ZZZZZZZZZZ/label.svg", headers=headers)
    assert missing.status_code == 404
    assert (
        client.get(
            f"/api/v1/pack-codes/{serial}/label.png", headers=as_role("regulator")
        ).status_code
        == 403
    )
