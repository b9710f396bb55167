"""A station imports a training sign-in sheet on a phone (360 px, Chinese), in a real browser.

From a session's 到课登记 page the station opens 导入签到表, downloads the Excel template, fills
it in (as a clerk would, with openpyxl), uploads it with one bad cell and sees that row and
column named with nothing written, then uploads the corrected sheet and sees the people counted.
Screenshots go to test-artifacts/ (and TRACE_SHOTS_DIR when set).
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.browser.test_staff_flows import Phone
from trace.models.training import Attendance, TrainingSession
from trace.web.database import EXTENSION_KEY

SANTAI = "532326208"


def _santai_session(app: Any) -> tuple[int, int]:
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        held = session.scalars(
            select(TrainingSession)
            .where(TrainingSession.township_code == SANTAI)
            .order_by(TrainingSession.id)
        ).first()
        assert held is not None
        present = session.scalar(
            select(func.count(Attendance.id)).where(Attendance.session_id == held.id)
        )
        session.close()
        return held.id, int(present or 0)


def _copy(path: Path) -> None:
    extra = os.environ.get("TRACE_SHOTS_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)


def _filled(template: bytes, rows: list[list[str]], tmp: Path, name: str) -> Path:
    book = load_workbook(io.BytesIO(template))
    for row in rows:
        book.worksheets[0].append(row)
    path = tmp / name
    book.save(path)
    return path


@pytest.fixture(scope="module")
def base_url(demo_app: tuple[Any, str]) -> str:
    """The shared served demo app, as it is (test_staff_flows adds a batch of its own to it)."""
    return demo_app[1]


def test_station_imports_an_attendance_sheet_on_a_phone(browser, base_url, demo_app, tmp_path):
    app, _base = demo_app
    session_id, before = _santai_session(app)
    phone = Phone(browser, base_url)
    page = phone.page
    try:
        phone.sign_in("station")
        phone.go(f"/staff/program/training/sessions/{session_id}/attendance")
        with page.expect_navigation():
            page.click("#import-link")
        assert "/staff/imports/attendance" in page.url and phone.fits()
        _copy(phone.shot("import-1-page.png"))
        with page.expect_download() as download:
            page.click("#template-xlsx")
        template = Path(download.value.path()).read_bytes()
        header = next(load_workbook(io.BytesIO(template)).worksheets[0].iter_rows(values_only=True))
        assert header[:4] == ("培训日期*", "课程*", "乡镇*", "姓名*")
        rows = [
            ["", "", "", "浏览器学员甲（示例）", "多底河村", "是", "否"],
            ["", "", "", "浏览器学员乙（示例）", "多底河村", "也许", "否"],
        ]
        page.set_input_files("#f-file", str(_filled(template, rows, tmp_path, "签到表.xlsx")))
        with page.expect_navigation():
            page.click("#import-submit")
        result = page.locator("#import-result")
        assert result.get_attribute("data-status") == "invalid"
        assert "没有导入任何记录" in result.inner_text()
        bad = page.locator(".import-row.error[data-row='4']")
        assert "第 4 行" in bad.inner_text() and "建档立卡户" in bad.inner_text()
        assert "请填写“是”或“否”" in bad.inner_text()
        assert _santai_session(app)[1] == before  # nothing written
        assert phone.fits()
        _copy(phone.shot("import-2-errors.png"))
        rows[1][5] = "否"
        page.set_input_files("#f-file", str(_filled(template, rows, tmp_path, "签到表-改.xlsx")))
        with page.expect_navigation():
            page.click("#import-submit")
        assert f"/sessions/{session_id}/attendance" in page.url
        assert "已导入 2 行" in page.locator(".alert.ok").inner_text()
        assert "浏览器学员乙（示例）" in page.content()
        assert _santai_session(app)[1] == before + 2
        # The refused upload answered 422 (the browser logs that status); nothing else failed.
        unexpected = [e for e in phone.errors if "status of 422" not in e]
        assert phone.fits() and not unexpected and phone.hosts <= {"127.0.0.1"}
        _copy(phone.shot("import-3-done.png"))
    finally:
        phone.close()
