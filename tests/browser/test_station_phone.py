"""Station work on a phone, in a real browser (Debian's chromium, 360×740, Chinese): the short
menu and card lists; registering a farmer, warned of a possible duplicate and confirming; a
harvest typed in 斤 with the village filled from the producer (static/js/batch-form.js); a
drying event with its moisture. Every form fits one thumb: no sideways scrolling, tap targets
at least 44 px high. Screenshots go to test-artifacts/ and, when it exists, /work/team/shots/phone/
(for the review of this work)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.browser.conftest import Watched
from trace.demo import DEMO_DOMAIN, DEMO_PASSWORD
from trace.models.batches import Batch, Unit
from trace.models.events import TraceEvent
from trace.models.producers import Producer
from trace.web.database import EXTENSION_KEY

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
FARMER = "王桂芬（示例）"
VILLAGE = "大箐村"
SHOTS = Path("/work/team/shots/phone")
# Form controls a thumb must hit: 44 CSS px is the usual minimum (2.75rem here).
TAP = 44
UNPROCESSABLE = "status of 422 (UNPROCESSABLE ENTITY)"


class Phone(Watched):
    def __init__(self, browser: Any, base: str) -> None:
        super().__init__(browser, PHONE)
        self.base = base

    def go(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")

    def submit(self, selector: str = "button[type=submit].primary") -> None:
        with self.page.expect_navigation():
            self.page.click(selector)

    def snap(self, name: str) -> None:
        path = self.shot(name)
        if SHOTS.parent.is_dir():
            SHOTS.mkdir(exist_ok=True)
            shutil.copy(path, SHOTS / name)

    def small_targets(self) -> list[str]:
        """Visible inputs, selects and buttons of the form lower than a thumb's target."""
        found: list[str] = self.page.evaluate(
            """(tap) => [...document.querySelectorAll(
                 '.staff form input:not([type=hidden]):not([type=checkbox]), .staff form select,'
                 + ' .staff form button[type=submit]')]
               .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < tap)
               .map(e => e.id || e.name || e.textContent)""",
            TAP,
        )
        return found

    def labels_above_fields(self) -> bool:
        """Each visible text field's label sits above it, not beside it."""
        ok: bool = self.page.evaluate(
            """() => [...document.querySelectorAll('.field:not(.check) > label')]
               .filter(l => l.offsetParent !== null)
               .every(l => {
                 const input = l.parentElement.querySelector('input, select, textarea');
                 const below = input && input.getBoundingClientRect().top + 1;
                 return !input || l.getBoundingClientRect().bottom <= below;
               })"""
        )
        return ok


@pytest.fixture()
def phone(browser: Any, demo_app: tuple[Flask, str]) -> Iterator[Phone]:
    _app, base = demo_app
    watched = Phone(browser, base)
    yield watched
    watched.close()


def _query(app: Flask, statement: Any) -> Any:
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        try:
            return session.execute(statement).all()
        finally:
            session.close()


def test_a_station_registers_a_farmer_a_harvest_in_jin_and_a_drying(phone, demo_app):
    app, _base = demo_app
    page = phone.page
    phone.go("/staff/")
    page.fill("#f-email", f"station@{DEMO_DOMAIN}")
    page.fill("#f-password", DEMO_PASSWORD)
    phone.submit()
    assert urlsplit(page.url).path == "/staff/"

    # A short menu on one or two rows: no API tokens, no background jobs.
    menu = page.locator("nav.staff-nav")
    assert "API 令牌" not in menu.inner_text() and "后台任务" not in menu.inner_text()
    assert menu.bounding_box()["height"] < 120
    assert phone.fits()
    phone.snap("phone-1-home-menu.png")

    # Register a farmer.
    phone.go("/staff/producers/new")
    assert phone.labels_above_fields() and phone.small_targets() == []
    page.fill("#f-name", FARMER)
    page.fill("#f-village", VILLAGE)
    page.fill("#f-phone", "13987800778")
    assert page.get_attribute("#f-phone", "inputmode") == "tel"
    phone.snap("phone-2-farmer-form.png")
    phone.submit()
    assert re.search(r"/staff/producers/\d+$", page.url)
    first_id = int(page.url.rsplit("/", 1)[1])

    # The same name in the same village again: the page shows the record and asks to confirm.
    phone.go("/staff/producers/new")
    page.fill("#f-name", FARMER)
    page.fill("#f-village", VILLAGE)
    phone.submit()
    warning = page.locator("#duplicates")
    assert warning.is_visible()
    assert FARMER in warning.inner_text() and "13987800778" in warning.inner_text()
    assert page.locator("#name-error").inner_text().startswith("可能已登记过")
    assert page.input_value("#f-village") == VILLAGE
    assert phone.fits() and phone.small_targets() == []
    phone.snap("phone-3-duplicate-warning.png")
    page.click("#confirm-duplicate")
    page.wait_for_url(re.compile(r"/staff/producers/\d+$"))
    assert int(page.url.rsplit("/", 1)[1]) != first_id
    (count,) = _query(
        app, select(func.count()).select_from(Producer).where(Producer.name == FARMER)
    )[0]
    assert count == 2

    # A harvest in 斤: choosing the producer fills 村 (the script); "320斤" sets the unit list.
    phone.go("/staff/batches/new")
    assert page.input_value("#f-village") == ""
    walnut = page.locator("#f-product_id option", has_text="三台薄壳").first.get_attribute("value")
    page.select_option("#f-product_id", walnut)
    page.select_option("#f-producer_id", str(first_id))
    assert page.input_value("#f-village") == VILLAGE
    page.fill("#f-harvested_on", "2025-10-03")
    page.fill("#f-quantity", "320斤")
    assert page.input_value("#f-unit") == "jin"
    assert page.get_attribute("#f-quantity", "inputmode") == "decimal"
    assert phone.fits() and phone.small_targets() == [] and phone.labels_above_fields()
    phone.snap("phone-4-harvest-in-jin.png")
    phone.submit()
    assert re.search(r"/staff/batches/\d+$", page.url)
    batch_id = int(page.url.rsplit("/", 1)[1])
    facts = page.locator("dl.facts").inner_text()
    assert "320 斤" in facts and "合 160 千克" in facts
    [(unit, quantity, village)] = _query(
        app, select(Batch.unit, Batch.quantity, Batch.village).where(Batch.id == batch_id)
    )
    assert unit is Unit.JIN and quantity == 320 and village == VILLAGE

    # A drying event with its moisture; the other events' measures stay hidden.
    page.click("text=记录事件")
    page.wait_for_load_state("load")
    assert page.input_value("#f-event_type") == "drying"
    assert page.locator("#f-moisture_pct").is_visible()
    assert not page.locator("#f-temperature_c").is_visible()
    page.select_option("#f-event_type", "storing")
    assert page.locator("#f-temperature_c").is_visible()
    page.select_option("#f-event_type", "drying")
    page.fill("#f-moisture_pct", "很干")
    phone.submit()
    assert page.locator("#moisture_pct-error").inner_text() == "含水率请填写数字，如 7.5"
    page.fill("#f-moisture_pct", "7.5")
    assert phone.fits() and phone.small_targets() == []
    phone.snap("phone-5-drying-moisture.png")
    phone.submit()
    assert urlsplit(page.url).path == f"/staff/batches/{batch_id}"
    newest = page.locator("ol.timeline li").first
    assert (
        "晾晒" in newest.inner_text()
        or "干燥" in newest.inner_text()
        or "烘干" in newest.inner_text()
    )
    assert "含水率 7.5%" in newest.inner_text()
    phone.snap("phone-6-batch-timeline.png")
    details = _query(
        app,
        select(TraceEvent.details)
        .where(TraceEvent.batch_id == batch_id)
        .order_by(TraceEvent.sequence.desc())
        .limit(1),
    )
    assert details[0][0] == {"moisture_pct": "7.5"}

    # The batch list: cards, the newest first; quantity and status on screen, the product
    # name never one character a line.
    phone.go("/staff/batches")
    card = page.locator("ul.cards li.item").first
    assert "320 斤" in card.inner_text()
    for part in (".quantity", ".status", ".product"):
        box = card.locator(part).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], part
    product = card.locator(".product").bounding_box()
    assert product["width"] > 100  # whole words on a line, not a column of single characters
    assert phone.fits()
    phone.snap("phone-7-batch-cards.png")

    # The only console "errors" are the refused forms' 422 answers, as they should be.
    assert [e for e in phone.errors if UNPROCESSABLE not in e] == []
    assert phone.hosts == {"127.0.0.1"}
