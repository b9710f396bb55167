"""Staff pages in a real browser: Debian's chromium, headless, at a 360x740 phone viewport.

The app is served for real on 127.0.0.1 (a werkzeug server in a thread, production settings:
Secure `__Host-` cookies, CSRF, CSP) over a fresh SQLite database migrated with `flask db
upgrade` and loaded with the demo data. Station staff sign in on the phone and register a
producer and a harvest batch; QC signs in, issues a label run for that batch and downloads its
PDF. Every page must raise no console error, load nothing from any host but 127.0.0.1, and fit
the phone's width. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from tests import readback
from tests.browser.conftest import ARTIFACTS, Watched
from trace.demo import DEMO_DOMAIN, DEMO_PASSWORD
from trace.models.producers import Producer
from trace.models.users import Role, User
from trace.services.batches import create_batch
from trace.services.products import create_product
from trace.web.database import EXTENSION_KEY

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PRODUCER = "三台乡浏览器测试农户（示例）"
RELEASABLE = "大姚松茸（示例）"
RELEASABLE_GTIN = "06901234599992"


def _add_releasable_batch(app: Any) -> None:
    """A lot QC may label at once: its category has no inspection limits (walnuts, honey and
    vermicelli need a passed lab report first, which is the quality module's business)."""
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        producer = session.scalars(select(Producer).order_by(Producer.id)).first()
        product = create_product(
            session, admin, name=RELEASABLE, gtin=RELEASABLE_GTIN, category="other"
        )
        create_batch(
            session,
            admin,
            product_id=product.id,
            producer_id=producer.id,
            harvested_on=dt.date(2025, 8, 20),
            quantity=Decimal("40"),
            unit="kg",
            township_code=producer.township_code,
        )
        session.commit()
        session.close()


def _pack_codes(pdf: bytes, workdir: Path) -> set[str]:
    """The pack codes a phone reads off the PDF's pages (zxing-cpp and zbar agreeing): each a
    pack URI of the labelled lot, none twice."""
    found = [uri for page in readback.pdf_qr_texts(pdf, workdir) for uri in page]
    pattern = re.compile(rf"^https?://[^/]+/01/{RELEASABLE_GTIN}/10/([^/]+)/21/([0-9A-Z]{{10}})$")
    matches = [pattern.match(uri) for uri in found]
    assert all(matches), found
    assert len({m.group(1) for m in matches if m}) == 1  # one lot
    assert len(set(found)) == len(found)
    return set(found)


@pytest.fixture(scope="module")
def base_url(demo_app: tuple[Flask, str]) -> str:
    """The shared served demo app (production settings), with one more releasable batch."""
    app, base = demo_app
    assert app.config["SESSION_COOKIE_SECURE"]  # as in production
    _add_releasable_batch(app)
    return base


class Phone(Watched):
    """A staff member's phone, on the served app."""

    def __init__(self, browser: Any, base_url: str) -> None:
        super().__init__(browser, PHONE, accept_downloads=True)
        self.base = base_url

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path, wait_until="load")

    def sign_in(self, who: str) -> None:
        self.go("/staff/")
        assert "/staff/sign-in" in self.page.url
        self.page.fill("#f-email", f"{who}@{DEMO_DOMAIN}")
        self.page.fill("#f-password", DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.click("button[type=submit].primary")
        assert urlsplit(self.page.url).path == "/staff/", self.page.url
        cookies = {c["name"]: c for c in self.context.cookies()}
        session = cookies["__Host-trace-session"]
        assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax"


@pytest.fixture()
def station(browser: Any, base_url: str) -> Iterator[Phone]:
    phone = Phone(browser, base_url)
    yield phone
    phone.close()


def test_station_registers_a_producer_and_a_batch_on_a_phone(browser, base_url):
    phone = Phone(browser, base_url)
    page = phone.page
    try:
        phone.sign_in("station")
        assert phone.fits()
        phone.shot("staff-1-dashboard.png")

        page.click("text=登记生产主体")
        page.wait_for_load_state("load")
        # A rejected form keeps what was typed and says what is wrong next to the field.
        page.fill("#f-village", "大箐村")
        page.select_option("#f-kind", "cooperative")
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        assert page.locator("#name-error").inner_text() == "必填"
        assert page.input_value("#f-village") == "大箐村"
        assert page.get_attribute("#f-name", "aria-invalid") == "true"
        assert phone.fits()
        phone.shot("staff-2-producer-form-rejected.png")

        page.fill("#f-name", PRODUCER)
        page.select_option("#f-kind", "farmer")
        page.fill("#f-phone", "13987800077")
        page.check("#f-is_poverty_registered")
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        assert re.search(r"/staff/producers/\d+$", page.url)
        assert PRODUCER in page.locator("h1").inner_text()
        phone.shot("staff-3-producer.png")

        page.click("text=为其登记采收批次")
        page.wait_for_load_state("load")
        walnut = page.locator("#f-product_id option", has_text="三台薄壳").get_attribute("value")
        page.select_option("#f-product_id", walnut)
        page.fill("#f-harvested_on", "2025-10-02")
        page.fill("#f-quantity", "86.5")
        page.fill("#f-plot", "核桃林 3号地块")
        assert phone.fits()
        phone.shot("staff-4-batch-form.png")
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        assert re.search(r"/staff/batches/\d+$", page.url)
        lot = page.locator("h1 code").inner_text()
        assert lot.startswith("DY208HT251002-")
        assert "86.5" in page.content() and "采收" in page.locator("ol.timeline").inner_text()
        phone.shot("staff-5-batch.png")

        phone.go(f"/staff/batches?lot={lot}")
        assert page.locator("ul.cards li.item").count() == 1
        assert lot in page.locator("ul.cards").inner_text()
        phone.go("/staff/producers?q=浏览器测试")
        assert PRODUCER in page.locator("ul.cards").inner_text()
        assert phone.fits()
        phone.shot("staff-6-lists.png")

        with page.expect_navigation():
            page.click("button:has-text('退出')")
        assert "/staff/sign-in" in page.url
        # The one expected "error": the rejected form's page answers 422, as it should.
        rejected = "status of 422 (UNPROCESSABLE ENTITY) (" + base_url + "/staff/producers/new)"
        assert [e for e in phone.errors if not e.endswith(rejected)] == []
        assert phone.hosts == {"127.0.0.1"}
    finally:
        phone.close()


def test_qc_issues_a_label_run_and_downloads_the_pdf(browser, base_url):
    phone = Phone(browser, base_url)
    page = phone.page
    try:
        phone.sign_in("qc")
        phone.go("/staff/batches?status=active")
        page.locator("ul.cards li.item", has_text=RELEASABLE).locator("a").first.click()
        page.wait_for_load_state("load")
        page.click("text=生成追溯码标签")
        page.wait_for_load_state("load")
        page.fill("#f-count", "30")
        assert phone.fits()
        phone.shot("staff-7-label-form.png")
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        assert re.search(r"/staff/label-runs/\d+$", page.url)
        assert "30 个码" in page.content()
        phone.shot("staff-8-label-run.png")

        with page.expect_download() as info:
            page.click("#pdf-link")
        download = info.value
        target = ARTIFACTS / "staff-label-run.pdf"
        ARTIFACTS.mkdir(exist_ok=True)
        download.save_as(str(target))
        data = target.read_bytes()
        small = _pack_codes(data, ARTIFACTS / "staff-label-run-pages")
        assert len(small) == 30  # every label of the run on the pages, each its own pack

        # A larger run prints in the background: a progress page that refreshes itself (no
        # script) until the file is ready, then the download.
        phone.go("/staff/batches?status=active")
        page.locator("ul.cards li.item", has_text=RELEASABLE).locator("a").first.click()
        page.wait_for_load_state("load")
        page.click("text=生成追溯码标签")
        page.wait_for_load_state("load")
        page.fill("#f-count", "120")
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        assert re.search(r"/staff/jobs/\d+$", page.url)  # issued in the background
        issued = page.locator("a.button.primary", has_text="查看标签批次")
        issued.wait_for(timeout=60_000)
        with page.expect_navigation():
            issued.click()
        assert "120 个码" in page.content() and page.locator("#pdf-link").count() == 0
        with page.expect_navigation():
            page.click("#print-job")
        assert re.search(r"/staff/jobs/\d+$", page.url)
        result = page.locator("a.button.primary", has_text="下载")
        result.wait_for(timeout=60_000)  # the page reloads itself every 2 s until then
        phone.shot("staff-9-print-job-done.png")
        with page.expect_download() as info:
            result.click()
        big = ARTIFACTS / "staff-label-run-background.pdf"
        info.value.save_as(str(big))
        large = _pack_codes(big.read_bytes(), ARTIFACTS / "staff-label-run-background-pages")
        assert len(large) == 120 and not large & small
        assert phone.errors == []
        assert phone.hosts == {"127.0.0.1"}
    finally:
        phone.close()


def test_staff_pages_work_without_javascript(browser, base_url):
    """Server-rendered forms: signing in and searching need no script at all."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(base_url + "/staff/sign-in", wait_until="load")
        page.fill("#f-email", f"regulator@{DEMO_DOMAIN}")
        page.fill("#f-password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        page.goto(base_url + "/staff/batches", wait_until="load")
        assert page.locator("ul.cards li.item").count() >= 1
        assert page.locator("text=登记采收批次").count() == 0  # the regulator writes nothing
    finally:
        context.close()
