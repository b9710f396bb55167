"""The programme dashboard in a real browser, in Chinese, at a desktop's and a phone's width:
every target of the plan is a visible row with its figure, milestones, bar and status (issue 19).
Screenshots go to test-artifacts/ (or TRACE_SHOTS_DIR)."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Watched
from tests.conftest import SHARED

PLAN_CODES = [
    row["code"]
    for row in csv.DictReader((SHARED / "data" / "dayao_plan_targets.csv").open(encoding="utf-8"))
]
SHOTS = Path(os.environ.get("TRACE_SHOTS_DIR", str(ARTIFACTS)))


def _shot(page: Any, name: str, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _check_the_targets(page: Any) -> None:
    rows = page.locator("table.targets tbody tr")
    codes = rows.evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert [c for c in PLAN_CODES if c not in codes] == []
    for code in PLAN_CODES:
        assert page.locator(f'tr[data-code="{code}"]').is_visible(), code
    behind = page.locator('tr[data-status="behind"]').first
    assert "滞后于时间节点" in behind.inner_text()
    training = page.locator('tr[data-code="training_total"]')
    text = training.inner_text()
    assert "2019-08-31 ≥ 1,500 人次" in text and "2019-10-31 ≥ 3,000 人次" in text
    assert training.locator("svg.progress").count() == 1
    turnover = page.locator('tr[data-code="ecommerce_turnover_growth"]').inner_text()
    assert "21.4" in turnover and "政务公开数据" in turnover
    shown = page.locator('[data-section="targets"]').inner_text()
    assert set(re.findall(r"[A-Za-z]{2,}", shown)) <= {"CSV", "Excel"}


@pytest.fixture()
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page, errors
    context.close()


def test_the_dashboard_at_desktop_width(demo_app, desktop):
    _app, base = demo_app
    page, errors = desktop
    page.goto(f"{base}/program/dashboard")
    _check_the_targets(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
    # At this width the table keeps its header row.
    assert page.locator("table.targets thead").first.is_visible()
    assert _shot(page, "dashboard-desktop-1280.png").stat().st_size > 10_000
    assert _shot(page, "dashboard-desktop-1280-first-screen.png", full_page=False).exists()
    page.locator('tr[data-code="model_enterprises"]').scroll_into_view_if_needed()
    assert _shot(page, "dashboard-desktop-1280-poverty-relief.png", full_page=False).exists()
    assert errors == []


def test_the_dashboard_on_a_phone(demo_app, browser):
    _app, base = demo_app
    phone = Watched(browser, {"width": 390, "height": 844})
    try:
        phone.page.goto(f"{base}/program/dashboard")
        _check_the_targets(phone.page)
        assert phone.fits(), "the page scrolls sideways on a phone"
        # Each target is a card: its cells are labelled, since the header row is hidden.
        row = phone.page.locator('tr[data-code="village_stations"]')
        assert row.locator(".cell-label").first.is_visible()
        assert _shot(phone.page, "dashboard-phone-390.png").stat().st_size > 10_000
        assert _shot(phone.page, "dashboard-phone-390-first-screen.png", full_page=False).exists()
        phone.page.locator('tr[data-code="training_total"]').scroll_into_view_if_needed()
        assert _shot(phone.page, "dashboard-phone-390-training.png", full_page=False).exists()
        assert phone.errors == [] and phone.hosts == {"127.0.0.1"}
    finally:
        phone.close()


def test_the_english_dashboard_is_english(demo_app, browser):
    _app, base = demo_app
    phone = Watched(browser, {"width": 390, "height": 844})
    try:
        phone.page.goto(f"{base}/program/dashboard?lang=en")
        shown = phone.page.locator('[data-section="targets"]').inner_text()
        assert re.findall(r"[\u4e00-\u9fff]+", shown) == []
        assert "Behind its milestone" in shown and "2019-08-31 ≥ 1,500 person-times" in shown
        assert _shot(phone.page, "dashboard-phone-390-english.png", full_page=False).exists()
        wide = phone.page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > 391).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' +"
            " (e.textContent || '').slice(0, 40))"
        )
        assert phone.fits(), wide
    finally:
        phone.close()


def test_the_office_enters_a_months_figure_on_a_phone(demo_app, browser):
    from trace.demo import DEMO_DOMAIN, DEMO_PASSWORD

    _app, base = demo_app
    phone = Watched(browser, {"width": 390, "height": 844})
    page = phone.page
    try:
        page.goto(f"{base}/staff/")
        page.fill("#f-email", f"admin@{DEMO_DOMAIN}")
        page.fill("#f-password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        page.goto(f"{base}/staff/program/targets")
        page.click('tr[data-code="ecommerce_outlets_growth"] >> text=项目办填报')
        page.click("text=填报本月数值")
        assert phone.fits()
        page.fill("#f-month", "2025-09")
        page.fill("#f-value", "9.6")
        page.fill("#f-source", "县市场监管局市场主体统计（示例）")
        page.fill("#f-evidence", "市场主体发展情况通报2025年9月（示例）")
        assert _shot(page, "office-figure-form-phone-390.png", full_page=False).exists()
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        assert "/figures" in page.url and "9.6" in page.locator("table.list").inner_text()
        page.goto(f"{base}/program/dashboard")
        row = page.locator('tr[data-code="ecommerce_outlets_growth"]')
        assert row.get_attribute("data-current") == "9.6"
        assert phone.errors == [] and phone.hosts == {"127.0.0.1"}
    finally:
        phone.close()
