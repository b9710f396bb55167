"""Issue 16.11: PDFs with active content (scripts, launch or submit actions, embedded files) are
refused on upload, hidden or not; plain PDFs, compressed ones included, are accepted."""

from __future__ import annotations

import io
import zlib

import pytest
from reportlab.pdfgen import canvas

from trace.services import disclosure as service
from trace.services.pdf_check import active_content


def _pdf(*objects: bytes) -> bytes:
    body = b"".join(b"%d 0 obj%s endobj\n" % (n, o) for n, o in enumerate(objects, 1))
    return b"%PDF-1.7\n" + body + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def _objstm(hidden: bytes) -> bytes:
    packed = zlib.compress(hidden)
    head = b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n" % len(packed)
    return _pdf(b"<</Type/Catalog/OpenAction 9 0 R>>", head + packed + b"\nendstream")


ACTIVE = {
    "open action script": _pdf(b"<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"),
    "escaped names": _pdf(b"<</Type/Catalog/OpenAction 2 0 R>>", b"<</S/J#61vaScript/J#53 3 0 R>>"),
    "launch": _pdf(b"<</Type/Catalog/Pages 2 0 R>>", b"<</S/Launch/F(cmd.exe)>>"),
    "page action": _pdf(b"<</Type/Catalog>>", b"<</Type/Page/AA<</O 3 0 R>>>>"),
    "embedded file": _pdf(b"<</Type/Catalog/Names<</EmbeddedFiles 2 0 R>>>>", b"<<>>"),
    "script in an object stream": _objstm(b"9 0 <</S/JavaScript/JS(app.alert(1))>>"),
}


def real_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=1)
    page.drawString(72, 720, "Lab report 2025-001")
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ACTIVE)
def test_active_pdfs_are_found(kind):
    assert active_content(ACTIVE[kind]) != []


def test_plain_pdfs_pass():
    assert active_content(real_pdf()) == []
    destination = _pdf(b"<</Type/Catalog/OpenAction[3 0 R/Fit]>>")
    assert active_content(destination) == []


@pytest.fixture()
def notice(db_session, make_user):
    import datetime as dt

    created = service.create_notice(
        db_session,
        make_user("admin"),
        title="示例公告",
        category="plan",
        published_on=dt.date(2025, 3, 1),
        body="正文",
        is_published=True,
    )
    db_session.flush()
    return created


@pytest.mark.parametrize(
    "kind", ["open action script", "escaped names", "script in an object stream"]
)
def test_a_public_notice_refuses_an_active_pdf(client, as_role, notice, tmp_path, app, kind):
    app.config["UPLOAD_DIR"], before = str(tmp_path), app.config["UPLOAD_DIR"]
    try:
        answer = client.post(
            f"/api/v1/notices/{notice.id}/attachments",
            data={"file": (io.BytesIO(ACTIVE[kind]), "公告.pdf", "application/pdf")},
            headers=as_role("admin"),
            content_type="multipart/form-data",
        )
        plain = client.post(
            f"/api/v1/notices/{notice.id}/attachments",
            data={"file": (io.BytesIO(real_pdf()), "公告.pdf", "application/pdf")},
            headers=as_role("admin"),
            content_type="multipart/form-data",
        )
    finally:
        app.config["UPLOAD_DIR"] = before
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error_codes"]["file"][0]["code"] == "file.pdf_active"
    assert "可执行内容" in answer.get_json()["errors"]["file"][0]
    assert [p.name for p in tmp_path.rglob("*.pdf")] != [] and plain.status_code == 201
    assert len(list(tmp_path.rglob("*.pdf"))) == 1  # only the plain one was kept


def test_a_public_notice_pdf_is_served_as_a_sandboxed_attachment(
    client, app, notice, db_session, make_user, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    attachment = service.attach_file(
        db_session,
        make_user("admin"),
        notice.id,
        data=real_pdf(),
        content_type="application/pdf",
        filename="公告.pdf",
        upload_dir=tmp_path,
    )
    db_session.flush()
    answer = client.get(f"/disclosure/notices/{notice.id}/files/{attachment.id}")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF-")
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["Content-Security-Policy"].startswith("sandbox")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
