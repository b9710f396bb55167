"""Uploaded lab reports and certificate scans: type and first bytes checked, size limited, kept
outside the web root and served to signed-in staff only."""

from __future__ import annotations

import io

import pytest

from tests.quality.conftest import count, inspection_body
from trace.models.inspections import InspectionReport
from trace.services.inspections import REPORT_MAX_BYTES

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _file(data: bytes, name: str, content_type: str) -> dict:
    return {"file": (io.BytesIO(data), name, content_type)}


@pytest.fixture()
def inspection(client, qc, walnut_batch):
    body = client.post(
        f"/api/v1/batches/{walnut_batch.id}/inspections", json=inspection_body(), headers=qc
    ).get_json()
    return f"/api/v1/batches/{walnut_batch.id}/inspections/{body['id']}"


def _stored_files(upload_dir):
    return sorted(p.name for p in upload_dir.rglob("*") if p.is_file())


def test_report_pdf_round_trip_for_staff_only(client, qc, as_role, inspection, upload_dir):
    answer = client.post(
        f"{inspection}/report",
        data=_file(PDF_BYTES, "检测报告.pdf", "application/pdf"),
        headers=qc,
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["size_bytes"] == len(PDF_BYTES)
    [stored] = _stored_files(upload_dir)
    assert stored.endswith(".pdf") and "检测报告" not in stored
    record = client.get(inspection, headers=qc).get_json()
    assert record["report_url"] == f"{inspection}/report"
    download = client.get(f"{inspection}/report", headers=as_role("regulator"))
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"{inspection}/report").status_code == 401
    again = client.post(
        f"{inspection}/report",
        data=_file(PDF_BYTES, "again.pdf", "application/pdf"),
        headers=qc,
        content_type="multipart/form-data",
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"MZ\x90\x00 this is not a pdf", "application/pdf"),  # wrong first bytes
        (PNG_BYTES, "application/pdf"),
        (PDF_BYTES, "image/png"),  # a report must be a PDF
        (PDF_BYTES, "text/html"),
        (b"", "application/pdf"),
        (b"%PDF-" + b"0" * REPORT_MAX_BYTES, "application/pdf"),  # one byte too many
    ],
)
def test_bad_report_is_refused_naming_file_and_nothing_kept(
    client, qc, inspection, db_session, upload_dir, data, content_type
):
    before = count(db_session, InspectionReport)
    answer = client.post(
        f"{inspection}/report",
        data=_file(data, "report.pdf", content_type),
        headers=qc,
        content_type="multipart/form-data",
    )
    assert answer.status_code in {413, 422}, answer.get_json()
    assert "file" in answer.get_json()["errors"]
    assert count(db_session, InspectionReport) == before
    assert _stored_files(upload_dir) == []


def test_request_over_the_app_limit_is_413(client, qc, inspection, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    answer = client.post(
        f"{inspection}/report",
        data=_file(b"%PDF-" + b"0" * 4096, "big.pdf", "application/pdf"),
        headers=qc,
        content_type="multipart/form-data",
    )
    assert answer.status_code == 413


def test_missing_file_is_named(client, qc, inspection):
    answer = client.post(
        f"{inspection}/report", data={}, headers=qc, content_type="multipart/form-data"
    )
    assert answer.status_code == 422 and "file" in answer.get_json()["errors"]


def test_only_inspection_writers_upload(client, as_role, inspection):
    answer = client.post(
        f"{inspection}/report",
        data=_file(PDF_BYTES, "r.pdf", "application/pdf"),
        headers=as_role("station"),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 403


def _certificate(client, headers, producer_id):
    return client.post(
        "/api/v1/certifications",
        json={
            "cert_type": "compliance_certificate",
            "number": "HGZ-2025-0001",
            "holder": "测试合作社（示例）",
            "issuer": "测试合作社（示例）",
            "scope": "producer",
            "scope_id": producer_id,
            "valid_from": "2025-09-01",
            "valid_to": "2026-03-01",
        },
        headers=headers,
    ).get_json()


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (PNG_BYTES, "image/png", 201),
        (JPEG_BYTES, "image/jpeg", 201),
        (PDF_BYTES, "application/pdf", 201),
        (PNG_BYTES, "image/jpeg", 422),
        (b"GIF89a", "image/gif", 422),
    ],
)
def test_certificate_scan_types(client, qc, walnut_batch, upload_dir, data, content_type, status):
    cert = _certificate(client, qc, walnut_batch.producer_id)
    url = f"/api/v1/certifications/{cert['id']}/file"
    answer = client.post(
        url,
        data=_file(data, "scan", content_type),
        headers=qc,
        content_type="multipart/form-data",
    )
    assert answer.status_code == status, answer.get_json()
    if status == 201:
        assert answer.get_json()["has_file"] is True
        download = client.get(url, headers=qc)
        assert download.data == data and download.mimetype == content_type
        assert client.get(url).status_code == 401
    else:
        assert "file" in answer.get_json()["errors"]
        assert _stored_files(upload_dir) == []
        assert client.get(url, headers=qc).status_code == 404
