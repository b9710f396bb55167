"""What a shopper reads on the scan, batch and product pages: every section, marks, privacy,
wording of the warnings, language, local time, size and caching."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests import factories
from tests.public.conftest import add_certificate, add_inspection
from tests.staff.helpers import sign_in
from trace import clock
from trace.demo import load_demo
from trace.models.batches import Batch, BatchStatus
from trace.models.producers import Producer
from trace.models.scans import Scan
from trace.models.users import Role, User
from trace.services.labels import issue_label_run, run_serials
from trace.web.public import pages as public

JSON = {"Accept": "application/json"}
SECTIONS = ("product", "origin", "producer", "timeline", "inspections", "certificates", "report")


def _page(client, url, **kwargs) -> str:
    answer = client.get(url, **kwargs)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def _labelled(session, actor, **batch_overrides) -> tuple[Batch, list[str]]:
    batch = factories.batch(session, actor, **batch_overrides)
    factories.passed_inspection(session, actor, batch)  # walnut labels need one
    run = issue_label_run(session, actor, batch.id, 2)
    session.flush()
    return batch, run_serials(session, run.id)


def _text(html: str) -> str:
    """The page's visible text, roughly: tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_scan_page_shows_every_section_of_the_pack(
    dayao_clock, client, labelled, make_user, db_session
):
    admin = make_user("admin")
    add_inspection(db_session, admin, labelled.batch)
    today = clock.local_today()
    add_certificate(
        db_session,
        admin,
        labelled.batch,
        "12425000000000001",
        today - dt.timedelta(days=30),
        today + dt.timedelta(days=300),
    )
    html = _page(client, f"/scan/{labelled.serials[0]}")
    for name in SECTIONS:
        assert f'data-section="{name}"' in html, name
    text = _text(html)
    batch, product = labelled.batch, labelled.batch.product
    for shown in (
        product.name,
        product.variety,
        "500 g",
        batch.lot,
        product.brand,
        "三台乡",
        "三台村",
        "1号地块",
        "测试核桃合作社（示例）",
        batch.producer.credit_code,
        batch.producer.phone,
        "大姚县农产品质量检测中心（示例）",
        "DYQC-",
        "≤ 5",
        "12425000000000001",
        "food.cnca.cn",
    ):
        assert shown in text, shown
    today = clock.local_today()  # the run was issued today, in Dayao; shown in Chinese style
    assert f"包装日期 {today.year}年{today.month}月{today.day}日" in text
    assert 'href="/report?code=' + labelled.serials[0] + '"' in html


def test_json_carries_pack_date_and_quality_records(
    dayao_clock, client, labelled, make_user, db_session
):
    admin = make_user("admin")
    add_inspection(db_session, admin, labelled.batch, aflatoxin="7.5")  # over the 5.0 limit
    body = client.get(f"/scan/{labelled.serials[0]}", headers=JSON).get_json()
    assert body["pack_date"] == clock.local_today().isoformat()
    report = body["record"]["inspections"][0]
    assert report["passed"] is False
    aflatoxin = next(r for r in report["results"] if r["item"] == "aflatoxin_b1")
    assert aflatoxin["limit_max"] == "5" and aflatoxin["passed"] is False
    assert body["record"]["certificates"] == []


def test_only_valid_certificates_are_shown(dayao_clock, client, labelled, make_user, db_session):
    admin = make_user("admin")
    today = clock.local_today()
    add_certificate(
        db_session,
        admin,
        labelled.batch,
        "12424000000000001",
        today - dt.timedelta(days=400),
        today - dt.timedelta(days=40),
    )
    add_certificate(
        db_session,
        admin,
        labelled.batch,
        "GF532326250001",
        today - dt.timedelta(days=10),
        today + dt.timedelta(days=700),
        "green_food",
    )
    html = _page(client, f"/scan/{labelled.serials[0]}")
    assert "GF532326250001" in html and "绿色食品" in html
    assert "12424000000000001" not in html  # expired: never on a public page


def test_gi_mark_only_where_the_producer_may_use_it(client, make_user, db_session, app):
    app.extensions.pop(public.CACHE_KEY, None)
    admin = make_user("admin")
    gi_producer = factories.producer(db_session, admin, is_gi_authorised=True)
    _walnut, walnut_serials = _labelled(db_session, admin, producer_id=gi_producer.id)
    honey_product = factories.product(db_session, admin, category="honey", name="示例蜂蜜")
    _honey, honey_serials = _labelled(
        db_session, admin, producer_id=gi_producer.id, product_id=honey_product.id
    )
    _plain, plain_serials = _labelled(db_session, admin)
    assert "gi-mark.svg" in _page(client, f"/scan/{walnut_serials[0]}")
    assert "gi-mark.svg" not in _page(client, f"/scan/{honey_serials[0]}")
    assert "gi-mark.svg" not in _page(client, f"/scan/{plain_serials[0]}")
    gi_svg = client.get("/static/img/gi-mark.svg")
    assert gi_svg.status_code == 200 and "地理标志保护产品" in gi_svg.get_data(as_text=True)


def test_farmers_are_masked_and_poverty_shown_only_for_legal_persons(
    client, make_user, db_session, app
):
    app.extensions.pop(public.CACHE_KEY, None)
    admin = make_user("admin")
    farmer = factories.producer(
        db_session,
        admin,
        name="罗小芬（示例）",
        kind="farmer",
        credit_code=None,
        phone="13987800001",
        is_poverty_registered=True,
    )
    coop = factories.producer(
        db_session, admin, name="扶贫核桃合作社（示例）", is_poverty_registered=True
    )
    _batch, farmer_serials = _labelled(db_session, admin, producer_id=farmer.id)
    _batch, coop_serials = _labelled(db_session, admin, producer_id=coop.id)
    farmer_page = _page(client, f"/scan/{farmer_serials[0]}")
    assert "罗*芬（示例）" in farmer_page and "罗小芬" not in farmer_page
    assert "13987800001" not in farmer_page  # a person's phone stays private
    assert "扶贫产品" not in farmer_page  # a household's status is never shown
    farmer_json = client.get(f"/scan/{farmer_serials[1]}", headers=JSON).get_json()
    assert "罗小芬" not in str(farmer_json)
    coop_page = _page(client, f"/scan/{coop_serials[0]}")
    assert "扶贫产品" in coop_page and coop.credit_code in coop_page


def test_timeline_runs_oldest_first_with_step_names(client, labelled):
    html = _page(client, f"/scan/{labelled.serials[0]}")
    days = re.findall(r'<time datetime="([^"]+)"', html)
    assert days and days == sorted(days)
    assert "采收" in html
    english = _page(client, f"/scan/{labelled.serials[1]}?lang=en")
    assert "Harvest" in english


def _phone(app, n):
    """Another person's phone: its own cookies, its own address."""
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
    return phone


def test_repeat_wording_with_first_scan_in_shanghai_time(client, labelled, app):
    serial = labelled.serials[0]
    _phone(app, 1).get(f"/scan/{serial}")
    body = _phone(app, 2).get(f"/scan/{serial}", headers=JSON).get_json()
    first = dt.datetime.fromisoformat(body["first_scanned_at"]).astimezone(clock.zone())
    text = _text(_page(_phone(app, 3), f"/scan/{serial}"))
    expected = (
        f"此码已被 3 位查询者查询过，首次查询于 {first:%Y-%m-%d %H:%M}。如果那不是您或您的家人"
    )
    assert expected in text


def test_exceeded_and_english_wording(client, labelled, app):
    serial = labelled.serials[0]
    for n in range(app.config["SCAN_LIMIT"]):
        _phone(app, n + 1).get(f"/scan/{serial}")
    zh = _text(_page(_phone(app, 50), f"/scan/{serial}"))
    assert "查询次数超限，谨防假冒" in zh
    en = _text(
        _page(_phone(app, 51), f"/scan/{serial}", headers={"Accept-Language": "en-US,en;q=0.9"})
    )
    assert "beware of counterfeits" in en.lower() and "查询次数超限" not in en
    genuine = _text(_page(client, f"/scan/{labelled.serials[1]}?lang=en"))
    assert "Genuine" in genuine


def test_recall_notice_overrides_with_level_reason_and_what_to_do(
    client, labelled, db_session, monkeypatch, app
):
    labelled.batch.status = BatchStatus.RECALLED
    db_session.flush()
    plain = _text(_page(client, f"/scan/{labelled.serials[0]}"))
    assert "此批次产品已召回" in plain and "请立即停止食用" in plain

    original = public.public_batch_record

    def with_recall(session, batch_id):
        record = original(session, batch_id)
        record["recall"] = {
            "level": 1,
            "reason": "黄曲霉毒素超标（示例）",
            "instructions": "请停止食用并退回购买处（示例）",
            "opened_at": "2025-10-20T02:00:00+00:00",
        }
        return record

    monkeypatch.setattr(public, "public_batch_record", with_recall)
    app.extensions.pop(public.CACHE_KEY, None)
    html = _page(client, f"/scan/{labelled.serials[1]}")
    assert re.search(r'data-verdict="recalled"', html)
    text = _text(html)
    for shown in (
        "一级召回",
        "黄曲霉毒素超标（示例）",
        "请停止食用并退回购买处（示例）",
        "2025-10-20 10:00",
    ):  # opened at 02:00 UTC = 10:00 in Dayao
        assert shown in text, shown
    batch_page = _text(_page(client, f"/lots/{labelled.batch.lot}"))
    assert "一级召回" in batch_page


def test_signed_in_staff_scans_are_not_counted(client, labelled, make_user, db_session):
    sign_in(client, make_user("qc"))
    body = client.get(f"/scan/{labelled.serials[0]}", headers=JSON).get_json()
    assert body["scan_count"] == 0 and body["verdict"] == "genuine"
    logged = db_session.scalars(select(Scan)).all()
    assert [s.is_public for s in logged] == [False]


def test_scan_answers_are_never_cached(client, labelled):
    answer = client.get(f"/scan/{labelled.serials[0]}")
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Accept-Language" in answer.headers["Vary"]


def test_unknown_code_page_offers_the_report_link(client, labelled):
    answer = client.get("/scan/ZZZZZZZZZZ")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404 and 'href="/report?code=ZZZZZZZZZZ"' in html


def test_batch_and_product_pages_share_the_parts(client, labelled):
    batch = labelled.batch
    lot_html = _page(client, f"/lots/{batch.lot}")
    for name in SECTIONS:
        assert f'data-section="{name}"' in lot_html, name
    assert "public.css" in lot_html
    product_html = _page(client, f"/products/{batch.product.gtin}")
    assert 'data-section="product"' in product_html and batch.product.variety in product_html
    assert f'href="/lots/{batch.lot}"' in product_html
    lots = client.get(f"/products/{batch.product.gtin}", headers=JSON).get_json()["lots"]
    assert lots[0]["lot"] == batch.lot


@pytest.mark.slow
def test_a_typical_demo_walnut_pack_is_under_30_kb(midnight_clock, client, db_session, app):
    """HTML plus every stylesheet it links, for a demo walnut lot with its full history."""
    app.extensions.pop(public.CACHE_KEY, None)
    if db_session.scalar(select(User.id).where(User.email.like("%@demo.dayao.example.cn"))):
        pytest.skip("demo data present already")
    load_demo(db_session)
    admin = db_session.scalars(select(User).where(User.role == Role.ADMIN)).first()
    batch = db_session.scalars(
        select(Batch)
        .join(Producer)
        .where(Producer.is_gi_authorised, Batch.latitude.is_not(None))
        .order_by(Batch.id)
    ).first()
    add_inspection(db_session, admin, batch)
    today = clock.local_today()
    add_certificate(
        db_session,
        admin,
        batch,
        "12425000000000002",
        today - dt.timedelta(days=30),
        today + dt.timedelta(days=300),
    )
    serials = run_serials(db_session, issue_label_run(db_session, admin, batch.id, 1).id)
    html = _page(client, f"/scan/{serials[0]}")
    assert len(re.findall(r"<li ", html)) >= 6  # the demo lot's history is on the page
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert sheets
    total = len(html.encode())
    for href in sheets:
        sheet = client.get(href)
        assert sheet.status_code == 200
        total += len(sheet.data)
    assert total < 30 * 1024, total


def test_lot_pages_are_revalidated_and_product_pages_cached_briefly(client, labelled):
    lot = client.get(f"/lots/{labelled.batch.lot}")
    assert lot.headers["Cache-Control"] == "no-cache"  # a recall must show at once
    product = client.get(f"/products/{labelled.batch.product.gtin}")
    assert product.headers["Cache-Control"] == "public, max-age=300"
