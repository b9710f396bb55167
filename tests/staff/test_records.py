"""Staff forms and lists: producers, products, batches, events; errors beside their fields."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from tests import factories
from tests.conftest import JINBI
from tests.staff.helpers import field_error, field_value, sign_in, submit, text
from trace import clock
from trace.models.batches import Batch, BatchStatus
from trace.models.events import TraceEvent
from trace.models.producers import Producer


def _count(db_session, column):
    return db_session.scalar(select(func.count(column)))


def test_station_registers_a_producer_and_finds_it(client, db_session, make_user):
    station = make_user("station")
    sign_in(client, station)
    form = client.get("/staff/producers/new")
    # A station is offered its own township only, already chosen.
    assert re.findall(r'<option value="(\d{9})"', text(form)) == [station.township_code]
    response = submit(
        client,
        "/staff/producers/new",
        {
            "name": "三台乡示例农户（示例）",
            "kind": "farmer",
            "township_code": station.township_code,
            "village": "大箐村",
            "phone": "13987800011",
            "is_poverty_registered": "1",
        },
    )
    assert response.status_code == 303
    producer = db_session.scalar(select(Producer).where(Producer.name == "三台乡示例农户（示例）"))
    assert producer is not None and producer.is_poverty_registered
    assert response.headers["Location"] == f"/staff/producers/{producer.id}"
    found = text(client.get("/staff/producers?q=示例农户"))
    assert "三台乡示例农户（示例）" in found and "共 1 条" in found


def test_rejected_producer_form_keeps_input_and_names_the_field(client, db_session, make_user):
    station = make_user("station")
    sign_in(client, station)
    before = _count(db_session, Producer.id)
    response = submit(
        client,
        "/staff/producers/new",
        {
            "name": "无信用代码合作社（示例）",
            "kind": "cooperative",
            "township_code": station.township_code,
            "village": "三台村",
            "phone": "12345",
        },
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "credit_code") == "合作社和企业须填写统一社会信用代码"
    assert field_value(html, "name") == "无信用代码合作社（示例）"
    assert field_value(html, "village") == "三台村"
    assert 'value="cooperative" selected' in html
    assert _count(db_session, Producer.id) == before
    missing = submit(client, "/staff/producers/new", {"kind": "farmer"})
    assert field_error(text(missing), "name") == "必填"
    assert field_error(text(missing), "township_code") == "必填"


def test_station_cannot_register_in_another_township(client, db_session, make_user):
    station = make_user("station")
    sign_in(client, station)
    before = _count(db_session, Producer.id)
    response = submit(
        client,
        "/staff/producers/new",
        {"name": "别乡农户（示例）", "kind": "farmer", "township_code": JINBI},
    )
    assert response.status_code == 422
    assert field_error(text(response), "township_code") == "服务站人员只能登记本乡镇的记录"
    assert _count(db_session, Producer.id) == before


def test_station_registers_a_batch_and_sees_it_in_the_list(client, db_session, make_user):
    admin = make_user("admin")
    product = factories.product(db_session, admin, name="三台核桃（示例）")
    station = make_user("station")
    producer = factories.producer(db_session, station, name="三台合作社（示例）")
    sign_in(client, station)
    form = text(client.get(f"/staff/batches/new?producer_id={producer.id}"))
    assert f'value="{producer.id}" selected' in form
    response = submit(
        client,
        "/staff/batches/new",
        {
            "product_id": str(product.id),
            "producer_id": str(producer.id),
            "harvested_on": "2025-09-20",
            "quantity": "125.5",
            "unit": "kg",
            "township_code": station.township_code,
            "village": "三台村",
            "plot": "2号地块",
        },
        form_page="/staff/batches/new",
    )
    assert response.status_code == 303
    batch = db_session.scalar(select(Batch).where(Batch.producer_id == producer.id))
    assert batch.lot.startswith("DY208HT250920-")
    page = text(client.get(response.headers["Location"]))
    assert batch.lot in page and "125.5" in page and "采收" in page  # the harvest event
    listed = text(client.get(f"/staff/batches?lot={batch.lot.lower()}"))
    assert batch.lot in listed and "共 1 条" in listed


def test_batch_form_errors_beside_fields(dayao_clock, client, db_session, make_user):
    station = make_user("station")
    sign_in(client, station)
    before = _count(db_session, Batch.id)
    tomorrow = (clock.local_today() + dt.timedelta(days=1)).isoformat()
    response = submit(
        client,
        "/staff/batches/new",
        {
            "product_id": "999999",
            "producer_id": "",
            "harvested_on": tomorrow,
            "quantity": "lots",
            "unit": "kg",
            "township_code": station.township_code,
        },
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "producer_id") == "必填"
    assert field_error(html, "quantity") == "数量请填写阿拉伯数字，可带单位，如 320斤、1.5公斤"
    assert field_value(html, "quantity") == "lots"
    assert _count(db_session, Batch.id) == before
    admin = make_user("admin")
    producer = factories.producer(db_session, station)
    product = factories.product(db_session, admin)
    future = submit(
        client,
        "/staff/batches/new",
        {
            "product_id": str(product.id),
            "producer_id": str(producer.id),
            "harvested_on": tomorrow,
            "quantity": "10",
            "unit": "kg",
            "township_code": station.township_code,
        },
    )
    assert field_error(text(future), "harvested_on") == "不能晚于今天"
    assert _count(db_session, Batch.id) == before


def test_station_records_an_event_and_a_correction(client, db_session, make_user):
    station = make_user("station")
    batch = factories.batch(db_session, make_user("admin"))
    sign_in(client, station)
    url = f"/staff/batches/{batch.id}/events/new"
    response = submit(
        client,
        url,
        {
            "event_type": "drying",
            "occurred_at": "2025-09-18T09:30",
            "location": "三台村晒场",
            "note": "晾晒三天，含水率 7.5%",
        },
    )
    assert response.status_code == 303
    event = db_session.scalar(
        select(TraceEvent).where(TraceEvent.batch_id == batch.id).order_by(TraceEvent.id.desc())
    )
    assert event.event_type.value == "drying" and event.details == {"note": "晾晒三天，含水率 7.5%"}
    assert event.occurred_at == dt.datetime(2025, 9, 18, 1, 30, tzinfo=dt.UTC)  # 09:30 Beijing
    missing_target = submit(
        client, url, {"event_type": "correcting", "occurred_at": "2025-09-18T10:00"}
    )
    assert field_error(text(missing_target), "corrects_event_id") == "更正时须选择被更正的事件"
    corrected = submit(
        client,
        url,
        {
            "event_type": "correcting",
            "occurred_at": "2025-09-18T10:00",
            "corrects_event_id": str(event.id),
        },
    )
    assert corrected.status_code == 303
    future = submit(client, url, {"event_type": "drying", "occurred_at": "2099-01-01T00:00"})
    assert field_error(text(future), "occurred_at") == "不能晚于今天"


def test_qc_registers_products_station_may_not(client, db_session, make_user):
    station = make_user("station")
    sign_in(client, station)
    assert client.get("/staff/products/new").status_code == 403
    assert "登记产品" not in text(client.get("/staff/products"))  # no link to a refused page
    qc_client = client.application.test_client()
    sign_in(qc_client, make_user("qc"))
    bad = submit(
        qc_client,
        "/staff/products/new",
        {"name": "校验位错（示例）", "gtin": "06901234567890", "category": "honey"},
    )
    assert bad.status_code == 422 and field_error(text(bad), "gtin")
    good = submit(
        qc_client,
        "/staff/products/new",
        {
            "name": "百花蜜（示例）",
            "gtin": factories.gtin(),
            "category": "honey",
            "net_content_g": "500",
        },
    )
    assert good.status_code == 303
    assert "百花蜜（示例）" in text(qc_client.get(good.headers["Location"]))


def test_lists_paginate_and_keep_the_search(client, db_session, make_user):
    admin = make_user("admin")
    for n in range(23):
        factories.producer(
            db_session, admin, name=f"分页农户{n:02d}（示例）", kind="farmer", credit_code=None
        )
    sign_in(client, make_user("regulator"))
    first = text(client.get("/staff/producers?q=分页农户"))
    assert "共 23 条" in first and "第 1 / 2 页" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "q=" in next_link
    second = text(client.get(next_link))
    # The newest first: the first page ends at 03, the second holds 02, 01, 00.
    assert "分页农户00（示例）" in second and "分页农户22（示例）" not in second
    assert "登记生产主体" not in second  # the regulator reads, never writes


def test_dashboard_shows_held_batches_and_my_own_work(client, db_session, make_user):
    station = make_user("station")
    mine = factories.producer(db_session, station, name="我登记的合作社（示例）")
    held = factories.batch(db_session, make_user("admin"), producer_id=mine.id)
    held.status = BatchStatus.ON_HOLD
    db_session.flush()
    sign_in(client, station)
    page = text(client.get("/staff/"))
    assert held.lot in page
    assert f'<a href="/staff/producers/{mine.id}">登记生产主体 #{mine.id}</a>' in page


def test_dashboard_panels_of_other_modules_appear_only_when_installed(
    client, make_user, monkeypatch
):
    from trace.web.accounts import home

    sign_in(client, make_user("qc"))
    page = text(client.get("/staff/"))
    for panel in home.OPTIONAL_PANELS:
        installed = home._optional_service(panel) is not None
        assert (f'id="panel-{panel.key}"' in page) == installed, panel.key
    missing = home.OptionalPanel("nothing", "不存在的面板", "trace.services.no_such_module", "f")
    monkeypatch.setattr(home, "OPTIONAL_PANELS", (missing,))
    assert "不存在的面板" not in text(client.get("/staff/"))
