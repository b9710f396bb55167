"""承诺达标合格证, label runs and recalls in a real browser (Debian's chromium, headless, phone).

QC issues a 合格证 from the batch page, opens its public page (headed 承诺达标合格证), issues a
label run with a chosen pack date and voids one code on the run page. A regulator signs in,
lands on the regulator home, reaches the lot, opens a recall there and sees the consumer scan page
flip to the recall notice with the hotline. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from tests.browser.conftest import Watched
from trace.demo import DEMO_DOMAIN, DEMO_PASSWORD
from trace.models.producers import Producer
from trace.models.users import Role, User
from trace.services.batches import create_batch
from trace.services.labels import issue_label_run, run_serials
from trace.services.products import create_product
from trace.web.database import EXTENSION_KEY

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PRODUCT = "大姚松茸礼盒（合格证测试，示例）"
GTIN = "06901234598889"


def _add_lots(app: Any) -> dict[str, Any]:
    """Two lots of a product of 500 g packs whose category needs no lab report: one for QC's
    certificate and labels, one with a printed run for the regulator's recall."""
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        producer = session.scalars(select(Producer).order_by(Producer.id)).first()
        product = create_product(
            session, admin, name=PRODUCT, gtin=GTIN, category="other", net_content_g=500
        )
        lots = []
        for day in (3, 4):
            lots.append(
                create_batch(
                    session,
                    admin,
                    product_id=product.id,
                    producer_id=producer.id,
                    harvested_on=dt.date(2025, 9, day),
                    quantity=Decimal("40"),
                    unit="kg",
                    township_code=producer.township_code,
                )
            )
        session.flush()
        run = issue_label_run(session, admin, lots[1].id, 4)
        serial = run_serials(session, run.id)[0]
        found = {"qc": (lots[0].id, lots[0].lot), "recall": (lots[1].id, lots[1].lot)}
        session.commit()
        session.close()
    return {**found, "serial": serial}


@pytest.fixture(scope="module")
def served(demo_app: tuple[Flask, str]) -> tuple[str, dict[str, Any]]:
    app, base = demo_app
    return base, _add_lots(app)


class Phone(Watched):
    def __init__(self, browser: Any, base_url: str) -> None:
        super().__init__(browser, PHONE, accept_downloads=True)
        self.base = base_url

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path, wait_until="load")

    def sign_in(self, who: str) -> None:
        self.go("/staff/sign-in")
        self.page.fill("#f-email", f"{who}@{DEMO_DOMAIN}")
        self.page.fill("#f-password", DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.click("button[type=submit].primary")


@pytest.fixture()
def phone(browser: Any, served: tuple[str, dict[str, Any]]) -> Iterator[Phone]:
    made = Phone(browser, served[0])
    yield made
    made.close()


def test_qc_issues_a_certificate_and_a_label_run_and_voids_one_code(phone, served):
    _base, lots = served
    batch_id, _lot = lots["qc"]
    page = phone.page
    phone.sign_in("qc")
    phone.go(f"/staff/batches/{batch_id}")
    with page.expect_navigation():
        page.click("#issue-certificate-button")
    row = page.locator("#certificates tbody tr").first
    number = row.get_attribute("data-number")
    assert number and number.startswith("HG")
    assert "质检" in row.inner_text() or "qc" in row.inner_text()  # who issued it
    assert phone.fits()
    phone.shot("law-1-batch-certificate.png")
    with page.expect_download() as info:
        page.click(f"#certificates tr[data-number='{number}'] a.cert-a6")
    assert info.value.path().read_bytes().startswith(b"%PDF-")

    phone.go(f"/compliance/{number}")
    assert page.locator("h1").inner_text() == "承诺达标合格证"
    assert page.locator("#cert-number").inner_text() == number
    assert PRODUCT in page.locator("#cert-product").inner_text()
    assert page.locator("#lot-status").get_attribute("data-status") == "active"
    for field in ("产品名称", "数量", "产地", "开具时间", "承诺主体", "联系方式"):
        assert field in page.locator("#cert-fields").inner_text()
    assert phone.fits()
    phone.shot("law-2-certificate-page.png")

    phone.go(f"/staff/batches/{batch_id}")
    page.click("text=生成追溯码标签")
    page.wait_for_load_state("load")
    page.fill("#f-count", "81")  # 40 kg hold 80 packs of 500 g
    page.fill("#f-pack_date", "2025-09-20")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "此批次最多还能生成 80 个码" in page.locator("#count-error").inner_text()
    page.fill("#f-count", "12")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert re.search(r"/staff/label-runs/\d+$", page.url)
    assert "2025-09-20" in page.content()
    assert "实际大小" in page.locator("#print-scale-note").inner_text()
    page.fill("#void-code input[name=code]", "000003")
    page.fill("#void-code input[name=reason]", "标签撕坏")
    with page.expect_navigation():
        page.click("#void-code-button")
    voided = page.locator("#run-codes tr[data-status='void']")
    assert voided.count() == 1 and voided.inner_text().startswith("000003")
    assert phone.fits()
    phone.shot("law-3-label-run-voided.png")
    assert [e for e in phone.errors if "422" not in e] == []
    assert phone.hosts == {"127.0.0.1"}


def test_regulator_reaches_the_lot_from_home_opens_a_recall_and_the_scan_page_flips(
    browser, phone, served
):
    base, lots = served
    batch_id, lot = lots["recall"]
    consumer = Phone(browser, base)
    try:
        consumer.go(f"/scan/{lots['serial']}")
        banner = consumer.page.locator("[data-verdict]").first
        assert banner.get_attribute("data-verdict") in {"genuine", "repeat"}

        page = phone.page
        phone.sign_in("regulator")
        assert urlsplit(page.url).path == "/regulator/"
        assert phone.fits()
        phone.shot("law-4-regulator-home.png")
        page.fill("#home-lot", lot)
        with page.expect_navigation():
            page.click("#home-search button[type=submit]")
        with page.expect_navigation():
            page.locator("table.list a", has_text=lot).first.click()
        assert urlsplit(page.url).path == f"/regulator/lots/{batch_id}"
        page.select_option("#recall-level", "2")
        page.fill("#recall-reason", "县市场监管局抽检单 JC-2025-88（内部）")
        page.fill("#recall-public-reason", "抽检发现包装破损受潮，可能霉变")
        page.fill("#recall-instructions", "请停止食用，凭包装到购买处退货")
        with page.expect_navigation():
            page.click("#open-recall-button")
        assert re.search(r"/regulator/recalls/\d+$", page.url)
        assert phone.fits()
        phone.shot("law-5-recall-opened.png")

        consumer.go(f"/scan/{lots['serial']}")
        banner = consumer.page.locator("[data-verdict]").first
        assert banner.get_attribute("data-verdict") == "recalled"
        notice = consumer.page.content()
        assert "抽检发现包装破损受潮" in notice and "JC-2025-88" not in notice
        assert "12315" in notice and "✓" not in notice
        consumer.shot("law-6-consumer-recalled.png")
        assert consumer.hosts == {"127.0.0.1"}
    finally:
        consumer.close()
