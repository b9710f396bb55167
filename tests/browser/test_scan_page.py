"""The scan page in a real browser: Debian's chromium, headless, at a phone's size (390x844).

The app is served for real on 127.0.0.1 over a fresh SQLite database (migrated, demo loaded, a
label run issued); the browser opens a pack's QR URL, follows the 307 and reads the page as a
shopper would. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.browser.conftest import Watched
from trace.models.batches import Batch, BatchStatus
from trace.models.certifications import Certification
from trace.models.inspections import Inspection, InspectionLimit
from trace.models.users import Role, User
from trace.services.certifications import create_certification
from trace.services.inspections import create_limit, record_inspection
from trace.services.labels import issue_label_run, run_serials
from trace.web.database import EXTENSION_KEY

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SECTIONS = ("product", "origin", "producer", "timeline", "inspections", "certificates", "report")


@dataclass
class Served:
    base: str
    gtin: str
    lot: str
    serials: list[str]

    def qr_url(self, index: int) -> str:
        return f"{self.base}/01/{self.gtin}/10/{self.lot}/21/{self.serials[index]}"


# Demo limits (DOMAIN.md: aflatoxin B1 5.0 µg/kg [U]; moisture from the drying step's 8 %).
LIMITS = (
    ("aflatoxin_b1", "黄曲霉毒素B1", "μg/kg", "5.0", "1.2"),
    ("moisture", "水分", "%", "8.0", "6.9"),
)


def _add_quality_records(session: Any, actor: User, batch: Batch) -> None:
    """A passed lab report and an organic certificate, unless the demo has its own already."""
    category = batch.product.category
    for item, name, unit, limit, _value in LIMITS:
        exists = session.scalar(
            select(InspectionLimit.id).where(
                InspectionLimit.product_category == category, InspectionLimit.item == item
            )
        )
        if exists is None:
            create_limit(
                session,
                actor,
                product_category=category,
                item=item,
                name_zh=name,
                unit=unit,
                max_value=Decimal(limit),
            )
    if session.scalar(select(Inspection.id).where(Inspection.batch_id == batch.id)) is None:
        record_inspection(
            session,
            actor,
            batch.id,
            lab="大姚县农产品质量检测中心（示例）",
            report_no="DYQC-2025-0917",
            sampled_on=batch.harvested_on + dt.timedelta(days=6),
            tested_on=batch.harvested_on + dt.timedelta(days=8),
            results=[{"item": i, "value": Decimal(v), "unit": u} for i, _n, u, _l, v in LIMITS],
        )
    if (
        session.scalar(
            select(Certification.id).where(Certification.producer_id == batch.producer_id)
        )
        is None
    ):
        start = dt.date.today() - dt.timedelta(days=120)
        create_certification(
            session,
            actor,
            cert_type="organic",
            number="12425000000012345",
            holder=batch.producer.name,
            issuer="示例有机认证机构",
            scope="producer",
            scope_id=batch.producer_id,
            valid_from=start,
            valid_to=start + dt.timedelta(days=364),
        )


@pytest.fixture(scope="module")
def served(demo_app: tuple[Flask, str]) -> Served:
    """The shared served demo app, with a label run on a lot with quality records."""
    app, base = demo_app
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        # The demo's first walnut lot with map coordinates: the typical pack a shopper scans.
        batch = session.scalars(
            select(Batch)
            .where(Batch.latitude.is_not(None), Batch.status == BatchStatus.ACTIVE)
            .order_by(Batch.id)
        ).first()
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        assert batch is not None and admin is not None
        _add_quality_records(session, admin, batch)
        run = issue_label_run(session, admin, batch.id, 3)
        serials = run_serials(session, run.id)
        gtin, lot = batch.product.gtin, batch.lot
        session.commit()
        session.close()
    return Served(base, gtin, lot, serials)


def test_a_shopper_scans_a_pack_on_a_phone(browser, served):
    watched = Watched(browser, PHONE)
    page = watched.page
    try:
        response = page.goto(served.qr_url(0), wait_until="load")
        assert response is not None and response.status == 200
        assert page.url == f"{served.base}/scan/{served.serials[0]}"  # the 307 was followed
        assert response.request.redirected_from is not None
        assert response.request.redirected_from.response().status == 307

        banner = page.locator("[data-verdict]")
        assert banner.get_attribute("data-verdict") == "genuine"
        assert banner.is_visible() and "正品验证通过" in banner.inner_text()
        assert banner.bounding_box()["y"] < PHONE["height"] / 3  # seen without scrolling
        for name in SECTIONS:
            assert page.locator(f"[data-section={name}]").is_visible(), name
        assert served.lot in page.locator("#product").inner_text()
        assert page.locator("#timeline li").count() >= 5
        assert page.locator("#origin svg.locator").is_visible()
        # Nothing wider than the phone: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # Every image (the marks) loaded.
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        watched.shot("scan-page.png")

        page.goto(served.qr_url(0), wait_until="load")  # the same pack once more, same phone
        again = page.locator("[data-verdict]")
        assert again.get_attribute("data-verdict") == "genuine"  # a person, not a page load
        assert "查询过此码" in again.inner_text()

        assert watched.errors == []
        assert watched.hosts == {"127.0.0.1"}
    finally:
        watched.close()


def test_the_page_works_without_javascript_and_in_english(browser, served):
    watched = Watched(browser, PHONE, java_script_enabled=False)
    page = watched.page
    try:
        page.goto(served.qr_url(1) + "?lang=en", wait_until="load")
        banner = page.locator("[data-verdict]")
        assert banner.get_attribute("data-verdict") == "genuine"
        assert page.locator("html").get_attribute("lang") == "en"
        for name in SECTIONS:
            assert page.locator(f"[data-section={name}]").is_visible(), name
        assert watched.errors == [] and watched.hosts == {"127.0.0.1"}
        watched.shot("scan-page-en.png")
    finally:
        watched.close()


def test_an_unknown_code_warns_of_a_counterfeit(browser, served):
    watched = Watched(browser, PHONE)
    page = watched.page
    try:
        response = page.goto(f"{served.base}/scan/ZZZZZZZZZZ", wait_until="load")
        assert response is not None and response.status == 404
        assert page.locator("[data-verdict]").get_attribute("data-verdict") == "unknown"
        assert "可能是假冒" in page.locator("[data-verdict]").inner_text()
        assert watched.hosts == {"127.0.0.1"}
    finally:
        watched.close()


def test_lot_and_product_links_open_pages_with_the_same_parts(browser, served):
    watched = Watched(browser, PHONE)
    page = watched.page
    try:
        response = page.goto(f"{served.base}/01/{served.gtin}/10/{served.lot}", wait_until="load")
        assert response is not None and response.status == 200
        assert page.url.endswith(f"/lots/{served.lot}")
        for name in SECTIONS:
            assert page.locator(f"[data-section={name}]").is_visible(), name
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        watched.shot("batch-page.png")
        page.goto(f"{served.base}/01/{served.gtin}", wait_until="load")
        assert page.url.endswith(f"/products/{served.gtin}")
        assert page.locator("[data-section=product]").is_visible()
        page.locator(f"#lots a:has-text('{served.lot}')").click()
        assert page.url.endswith(f"/lots/{served.lot}")
        assert watched.errors == [] and watched.hosts == {"127.0.0.1"}
    finally:
        watched.close()


def test_first_scan_english_reload_second_device_and_report(browser, served):
    """A buyer scans, switches to English and reloads: still genuine, told calmly when they
    looked. A second phone then sees repeat with when it was first checked, and its report link
    opens the form with the code filled in."""
    serial = served.serials[2]
    buyer = Watched(browser, PHONE)
    try:
        page = buyer.page
        response = page.goto(served.qr_url(2), wait_until="load")
        assert response is not None and response.status == 200
        assert page.locator("[data-verdict]").get_attribute("data-verdict") == "genuine"
        page.locator("nav.lang a[hreflang=en]").click()
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "en"
        banner = page.locator("[data-verdict]")
        assert banner.get_attribute("data-verdict") == "genuine"
        assert "You checked this code at" in banner.inner_text()
        page.reload(wait_until="load")
        assert page.locator("[data-verdict]").get_attribute("data-verdict") == "genuine"
        assert buyer.fits()
        buyer.shot("journey-1-buyer-english-reload.png")
        assert buyer.errors == [] and buyer.hosts == {"127.0.0.1"}
    finally:
        buyer.close()

    # Another person's phone, reading the code in WeChat. (On the same network with the same
    # browser family and no cookie yet it would be taken for the buyer and told "you checked at",
    # never alarmed: trace.services.scans.)
    wechat = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 MicroMessenger/8.0.42 NetType/WIFI Language/zh_CN"
    )
    other = Watched(browser, PHONE, user_agent=wechat)
    try:
        page = other.page
        page.goto(served.qr_url(2), wait_until="load")
        banner = page.locator("[data-verdict]")
        assert banner.get_attribute("data-verdict") == "repeat"
        assert "首次查询于" in banner.inner_text() and "谨防假冒" in banner.inner_text()
        assert other.fits()
        other.shot("journey-2-second-device.png")
        page.locator("#report a.button").click()
        page.wait_for_load_state("load")
        assert "/report" in page.url
        assert page.locator("#f-code").input_value() == serial
        other.shot("journey-3-report-form.png")
        assert other.errors == [] and other.hosts == {"127.0.0.1"}
    finally:
        other.close()
