"""Issue 19 in a real browser (Debian's chromium, 390x844, Chinese): a station's staff member
records a service from the phone in a few taps (menu entry, kind tile, count, save) and sees it
in today's list; the dashboard's funding and station sections fit the phone. Screenshots go to
test-artifacts/ and, when it exists, /work/team/shots/funding/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.browser.conftest import Watched
from trace.demo import DEMO_DOMAIN, DEMO_PASSWORD
from trace.models.station_activity import ServiceRecord
from trace.web.database import EXTENSION_KEY

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/work/team/shots/funding")


def _keep(path: Path) -> None:
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def _records(app: Flask) -> int:
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        try:
            return int(session.scalar(select(func.count(ServiceRecord.id))) or 0)
        finally:
            session.close()


def test_a_station_records_a_parcel_service_on_a_phone(browser: Any, demo_app: Any) -> None:
    app, base = demo_app
    phone = Watched(browser, PHONE)
    page = phone.page
    try:
        page.goto(base + "/staff/", wait_until="load")
        page.fill("#f-email", f"station@{DEMO_DOMAIN}")
        page.fill("#f-password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        assert urlsplit(page.url).path == "/staff/"
        with page.expect_navigation():
            page.click("#nav-station-services")  # the one menu entry
        assert urlsplit(page.url).path == "/staff/program/services"
        assert page.locator("h1").inner_text() == "站点服务登记"
        # Defaults: today and the staff member's (township) station, nothing to choose.
        assert page.input_value("#f-served_on") != ""
        tile = page.locator("label:has(input[value=parcel_out])")
        box = tile.bounding_box()
        assert box is not None and box["height"] >= 48 and box["width"] >= 150  # a big target
        _keep(phone.shot("funding-phone-1-form.png"))
        before = _records(app)
        tile.tap()
        page.fill("#f-parcels", "3")
        _keep(phone.shot("funding-phone-2-filled.png"))
        with page.expect_navigation():
            page.tap("button.big")
        assert _records(app) == before + 1
        assert "已登记：快递代发" in page.locator(".alert.ok").inner_text()
        card = page.locator(".service-cards li[data-kind=parcel_out]").first
        assert "3 件" in card.inner_text()
        assert phone.fits(), "the page scrolls sideways on a phone"
        _keep(phone.shot("funding-phone-3-saved.png"))
        page.goto(base + "/program/dashboard#funding", wait_until="load")
        assert page.locator("#funding h2").inner_text() == "项目资金"
        assert page.locator("#station-services").is_visible()
        assert phone.fits(), "the dashboard scrolls sideways on a phone"
        _keep(phone.shot("funding-phone-4-dashboard.png"))
        assert phone.errors == []
        assert phone.hosts <= {"127.0.0.1"}
    finally:
        phone.close()
