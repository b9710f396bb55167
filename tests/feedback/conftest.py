"""A labelled lot to report on, form helpers that act like a browser, isolated upload folders."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests import factories
from trace.models.batches import Batch
from trace.models.feedback import FeedbackReport
from trace.services.labels import issue_label_run, run_serials

_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
REFERENCE = re.compile(r"FK-\d{4}-[0-9A-Z]{8}")


@dataclass
class Labelled:
    batch: Batch
    serials: list[str]


@pytest.fixture(autouse=True)
def quick_forms(app, monkeypatch, tmp_path):
    """Forms may be sent at once (the too-fast test sets the pause back), and every test gets
    its own upload folders."""
    monkeypatch.setitem(app.config, "REPORT_MIN_SECONDS", 0)
    monkeypatch.setitem(app.config, "FEEDBACK_UPLOAD_DIR", str(tmp_path / "feedback"))
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    app.extensions.pop("trace.public_records", None)  # no scan-page record cached across tests


@pytest.fixture()
def photo_dir(tmp_path):
    return tmp_path / "feedback"


@pytest.fixture()
def labelled(db_session, make_user):
    admin = make_user("admin")
    batch = factories.batch(db_session, admin)
    factories.passed_inspection(db_session, admin, batch)  # labels need a passed inspection
    run = issue_label_run(db_session, admin, batch.id, 3)
    db_session.flush()
    return Labelled(batch, run_serials(db_session, run.id))


def report_count(db_session) -> int:
    return db_session.scalar(select(func.count(FeedbackReport.id))) or 0


def form_fields(page_html: str) -> dict[str, str]:
    """What a browser sends back with the report form untouched: its tokens and the code."""
    token = _TOKEN.search(page_html)
    assert token, "the page has no report form"
    fields = {"csrf_token": csrf_from_html(page_html), "form_token": token.group(1)}
    code = re.search(r'name="code" type="text" value="([^"]*)"', page_html)
    if code and code.group(1):  # filled in from the scan page's link
        fields["code"] = html.unescape(code.group(1))
    return fields


def csrf_from_html(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def file_report(client, data: dict[str, Any], url: str = "/report", **kwargs: Any):
    """GET the form (for its tokens), then POST it with `data` as a browser would."""
    page = client.get(url)
    assert page.status_code == 200
    body = {**form_fields(page.get_data(as_text=True)), **data}
    return client.post(url, data=body, content_type="multipart/form-data", **kwargs)


def jpeg_bytes(size=(64, 48), exif: bytes | None = None, colour=(120, 80, 40)) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if exif is not None:
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def png_bytes(size=(32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 200)).save(out, "PNG")
    return out.getvalue()
