"""Issue 16.14: the complaint form's anti-bot stamp is accepted once; a replay of one good
submission (it was accepted 16 times) files nothing more."""

from __future__ import annotations

import pytest

from tests.feedback.conftest import form_fields, report_count
from tests.staff.helpers import text

GOOD = {"kind": "quality", "description": "核桃仁发霉，有哈喇味"}


@pytest.fixture(autouse=True)
def _quick(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "REPORT_MIN_SECONDS", 0)
    monkeypatch.setitem(app.config, "FEEDBACK_UPLOAD_DIR", str(tmp_path / "photos"))


def test_a_replayed_stamp_files_nothing(client, db_session):
    fields = form_fields(text(client.get("/report")))
    first = client.post("/report", data={**fields, **GOOD})
    assert first.status_code == 303
    for _ in range(15):
        again = client.post("/report", data={**fields, **GOOD, "description": "再来一次"})
        assert again.status_code == 409
        assert "已经提交过" in text(again)
    assert report_count(db_session) == 1
    # A fresh form is accepted as before.
    fresh = form_fields(text(client.get("/report")))
    assert client.post("/report", data={**fresh, **GOOD}).status_code == 303
    assert report_count(db_session) == 2


def test_a_refused_form_leaves_its_stamp_unspent(client, db_session):
    fields = form_fields(text(client.get("/report")))
    refused = client.post("/report", data={**fields, "kind": "quality", "description": ""})
    assert refused.status_code == 422
    assert client.post("/report", data={**fields, **GOOD}).status_code == 303
