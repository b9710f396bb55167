"""Station pages for a phone, server side: the menu by role, card lists newest first, the harvest
form filled from its producer, 斤 typed into the quantity, the duplicate warning and its
confirmation, and measured values on the event form."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from tests import factories
from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from trace.models.batches import Batch, Unit
from trace.models.events import TraceEvent
from trace.models.producers import Producer


def _count(session, column):
    return session.scalar(select(func.count(column)))


def _menu(html: str) -> str:
    return html.split('<nav class="staff-nav"', 1)[1].split("</nav>", 1)[0]


def test_station_staff_get_a_short_menu_and_qc_the_full_one(client, make_user):
    sign_in(client, make_user("station"))
    station = _menu(text(client.get("/staff/")))
    for shown in ("工作台", "生产主体", "批次", "培训", "修改密码", "退出"):
        assert shown in station, shown
    for hidden in ("API 令牌", "后台任务", "/staff/jobs", "/staff/tokens", "账号管理"):
        assert hidden not in station, hidden
    # The pages stay reachable (an import's progress page is a job page).
    assert client.get("/staff/jobs").status_code == 200
    client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get("/staff/"))})
    sign_in(client, make_user("qc"))
    qc = _menu(text(client.get("/staff/")))
    for shown in ("产品", "质量管理", "后台任务", "API 令牌"):
        assert shown in qc, shown
    assert "培训" not in qc  # the training link is station work


def test_lists_are_cards_with_the_newest_first(client, db_session, make_user):
    admin = make_user("admin")
    older = factories.producer(
        db_session, admin, name="先登记的农户（示例）", kind="farmer", credit_code=None
    )
    newer = factories.producer(
        db_session, admin, name="后登记的农户（示例）", kind="farmer", credit_code=None
    )
    old_lot = factories.batch(
        db_session, admin, producer_id=older.id, quantity=Decimal("320"), unit="jin"
    )
    new_lot = factories.batch(db_session, admin, producer_id=newer.id)
    sign_in(client, make_user("station"))
    producers = text(client.get("/staff/producers?q=登记的农户"))
    assert 'class="cards"' in producers and "<table" not in producers
    assert producers.index(newer.name) < producers.index(older.name)
    batches = text(client.get("/staff/batches"))
    assert "<table" not in batches
    assert batches.index(new_lot.lot) < batches.index(old_lot.lot)
    card = batches.split(old_lot.lot, 1)[1].split("</li>", 1)[0]
    assert "320 斤" in card and 'class="status status-active"' in card


def test_harvest_form_takes_village_and_township_from_the_producer(client, db_session, make_user):
    station = make_user("station")
    product = factories.product(db_session, make_user("admin"))
    farmer = factories.producer(
        db_session,
        station,
        name="大箐村农户（示例）",
        kind="farmer",
        credit_code=None,
        village="大箐村",
    )
    sign_in(client, station)
    form = text(client.get(f"/staff/batches/new?producer_id={farmer.id}"))
    assert field_value(form, "village") == "大箐村"
    assert f'data-village="大箐村" data-township="{farmer.township_code}"' in form
    assert '<script src="/static/js/batch-form.js" defer></script>' in form
    assert client.get("/static/js/batch-form.js").status_code == 200
    # Sent without a village (no script): the producer's; typed "320斤" sets the unit.
    response = submit(
        client,
        "/staff/batches/new",
        {
            "product_id": str(product.id),
            "producer_id": str(farmer.id),
            "harvested_on": "2025-09-20",
            "quantity": "320斤",
            "unit": "kg",
            "township_code": station.township_code,
        },
    )
    assert response.status_code == 303, field_error(text(response), "quantity")
    batch = db_session.scalar(select(Batch).where(Batch.producer_id == farmer.id))
    assert batch.village == "大箐村" and batch.unit is Unit.JIN and batch.quantity == 320
    page = text(client.get(response.headers["Location"]))
    assert "320 斤" in page and "合 160 千克" in page


def test_unreadable_quantity_is_refused_beside_the_field(client, db_session, make_user):
    station = make_user("station")
    sign_in(client, station)
    before = _count(db_session, Batch.id)
    response = submit(
        client,
        "/staff/batches/new",
        {"quantity": "三百斤", "unit": "jin", "harvested_on": "2025-09-20"},
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "quantity") == "数量请填写阿拉伯数字，可带单位，如 320斤、1.5公斤"
    assert field_error(html, "producer_id") == "必填"  # the other fields are checked too
    assert field_value(html, "quantity") == "三百斤"
    assert _count(db_session, Batch.id) == before


FARMER = {"name": "张秀英（示例）", "kind": "farmer", "village": "大箐村", "phone": "13987800456"}


def test_a_possible_duplicate_is_shown_and_saved_only_when_confirmed(client, db_session, make_user):
    station = make_user("station")
    sign_in(client, station)
    data = {**FARMER, "township_code": station.township_code}
    assert submit(client, "/staff/producers/new", data).status_code == 303
    first = db_session.scalar(select(Producer).where(Producer.phone == FARMER["phone"]))
    before = _count(db_session, Producer.id)

    warned = submit(client, "/staff/producers/new", {**data, "phone": ""})
    html = text(warned)
    assert warned.status_code == 422
    assert 'id="duplicates"' in html and f'href="/staff/producers/{first.id}"' in html
    assert "可能已登记过" in field_error(html, "name")
    assert f'name="confirm_duplicate" value="{first.id}"' in html
    assert field_value(html, "village") == "大箐村"  # what was typed is kept
    assert _count(db_session, Producer.id) == before

    token = csrf_from(warned)
    confirmed = client.post(
        "/staff/producers/new",
        data={**data, "phone": "", "confirm_duplicate": str(first.id), "csrf_token": token},
    )
    assert confirmed.status_code == 303
    assert _count(db_session, Producer.id) == before + 1
    assert re.search(r"/staff/producers/\d+$", confirmed.headers["Location"])


def test_the_event_form_records_moisture_for_drying(client, db_session, make_user):
    station = make_user("station")
    batch = factories.batch(db_session, make_user("admin"))
    sign_in(client, station)
    url = f"/staff/batches/{batch.id}/events/new"
    form = text(client.get(url))
    assert 'id="measures-drying"' in form and 'name="moisture_pct"' in form
    assert 'inputmode="decimal"' in form and "不高于 8%" in form
    fields = {"event_type": "drying", "occurred_at": "2025-09-19T10:00"}
    refused = submit(client, url, {**fields, "moisture_pct": "很干"})
    assert refused.status_code == 422
    assert field_error(text(refused), "moisture_pct") == "含水率请填写数字，如 7.5"
    out_of_range = submit(client, url, {**fields, "moisture_pct": "120"})
    assert field_error(text(out_of_range), "moisture_pct") == "含水率须在 0 到 100 % 之间"
    # Another event's fields (hidden by script) are not read for drying.
    saved = submit(client, url, {**fields, "moisture_pct": "9.5", "temperature_c": "x"})
    assert saved.status_code == 303
    event = db_session.scalars(
        select(TraceEvent)
        .where(TraceEvent.batch_id == batch.id)
        .order_by(TraceEvent.sequence.desc())
    ).first()
    assert event.details == {"moisture_pct": "9.5"}
    page = text(client.get(saved.headers["Location"]))
    assert "含水率 <strong>9.5%</strong>" in page
    assert "高于 8% 的目标" in page  # a hint, not a refusal
