"""Label runs fit their batch (capacity, pack date, cartons) and print what a pack needs:
its own code, the masked farmer's name, the origin, marks and 扫码验真; QR at least 20 mm."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.printing.conftest import decode, rasterise, require_tool
from trace import clock
from trace.gs1 import check_digit
from trace.models.labels import PackCode
from trace.printing import render_sheet_pdf
from trace.printing.templates import list_templates, load_template
from trace.services import compliance
from trace.services.labels import certificate_print, pack_labels

HOST = "trace.test"


@pytest.fixture()
def admin(make_user):
    return make_user("admin")


def _released(session, admin, **overrides):
    batch = factories.batch(session, admin, **overrides)
    factories.passed_inspection(session, admin, batch)
    return batch


def _issue(client, headers, batch_id, **body):
    return client.post(f"/api/v1/batches/{batch_id}/label-runs", json=body, headers=headers)


def test_codes_times_net_content_cannot_exceed_the_batch(client, as_role, db_session, admin):
    batch = _released(db_session, admin, quantity=Decimal("100"))  # 100 kg of 500 g packs
    headers = as_role("qc")
    first = _issue(client, headers, batch.id, count=150)
    assert first.status_code == 201
    refused = _issue(client, headers, batch.id, count=60)
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert list(errors) == ["count"] and "最多还能生成 50 个码" in errors["count"][0]
    assert refused.get_json()["error_codes"]["count"] == [
        {
            "code": "label.capacity",
            "params": {"lot": batch.lot, "n": 50, "left": "25", "unit": "kg"},
        }
    ]
    assert _issue(client, headers, batch.id, count=50).status_code == 201
    # Voided codes give their capacity back: 20 torn labels, 20 new codes.
    serials = first.get_json()["serials"][:20]
    voided = client.post(
        "/api/v1/pack-codes/void", json={"serials": serials, "reason": "撕坏"}, headers=headers
    )
    assert voided.status_code in (200, 201), voided.get_json()
    assert _issue(client, headers, batch.id, count=21).status_code == 422
    assert _issue(client, headers, batch.id, count=20).status_code == 201


def test_units_convert_and_counted_lots_hold_one_pack_a_piece(client, as_role, db_session, admin):
    headers = as_role("qc")
    tonne = _released(db_session, admin, quantity=Decimal("0.1"), unit="t")
    assert _issue(client, headers, tonne.id, count=201).status_code == 422
    assert _issue(client, headers, tonne.id, count=200).status_code == 201
    grams = _released(db_session, admin, quantity=Decimal("2500"), unit="g")
    assert _issue(client, headers, grams.id, count=6).status_code == 422
    assert _issue(client, headers, grams.id, count=5).status_code == 201
    boxes = _released(db_session, admin, quantity=Decimal("12"), unit="box")
    assert _issue(client, headers, boxes.id, count=13).status_code == 422
    assert _issue(client, headers, boxes.id, count=12).status_code == 201


def test_pack_date_is_chosen_never_before_harvest_nor_in_the_future(
    dayao_clock, client, as_role, db_session, admin
):
    batch = _released(db_session, admin)
    headers = as_role("qc")
    future = (clock.local_today() + dt.timedelta(days=1)).isoformat()
    answer = _issue(client, headers, batch.id, count=1, pack_date=future)
    assert answer.status_code == 422 and "pack_date" in answer.get_json()["errors"]
    early = _issue(client, headers, batch.id, count=1, pack_date="2025-09-01")
    assert (
        early.status_code == 422
        and "不能早于采收日期" in early.get_json()["errors"]["pack_date"][0]
    )
    chosen = _issue(client, headers, batch.id, count=1, pack_date="2025-09-20")
    assert chosen.status_code == 201 and chosen.get_json()["pack_date"] == "2025-09-20"
    default = _issue(client, headers, batch.id, count=1).get_json()
    assert default["pack_date"] == clock.local_today().isoformat()  # the county's today


def _carton_gtin(pack_gtin: str) -> str:
    body = "1" + pack_gtin[1:13]
    return body + check_digit(body)


def test_a_carton_needs_its_own_gtin_and_counts_packs(client, as_role, db_session, admin):
    batch = _released(db_session, admin, quantity=Decimal("60"))  # 60 kg = 120 packs of 500 g
    headers = as_role("qc")
    refused = _issue(client, headers, batch.id, count=1, template="carton-100x150")
    assert refused.status_code == 422 and "template" in refused.get_json()["errors"]
    assert refused.get_json()["error_codes"]["template"][0]["code"] == "label.consumer_gtin"
    assert "消费单元" in refused.get_json()["errors"]["template"][0]
    same = client.post(
        "/api/v1/products",
        json={
            "name": "测试核桃 外箱（示例）",
            "gtin": batch.product.gtin,
            "category": "walnut_in_shell",
            "pack_product_id": batch.product_id,
            "packs_per_case": 12,
        },
        headers=headers,
    )
    assert same.status_code in (409, 422)
    carton_gtin = _carton_gtin(batch.product.gtin)
    made = client.post(
        "/api/v1/products",
        json={
            "name": "测试核桃 外箱（示例）",
            "gtin": carton_gtin,
            "category": "walnut_in_shell",
            "pack_product_id": batch.product_id,
            "packs_per_case": 12,
        },
        headers=headers,
    )
    assert made.status_code == 201, made.get_json()
    # 60 kg hold 10 cartons of 12 × 500 g.
    assert _issue(client, headers, batch.id, count=11, template="carton-100x150").status_code == 422
    run = _issue(client, headers, batch.id, count=10, template="carton-100x150")
    assert run.status_code == 201
    assert run.get_json()["serials"]
    # Nothing is left for consumer packs now.
    assert _issue(client, headers, batch.id, count=1).status_code == 422
    pdf = client.get(run.get_json()["pdf_url"], headers=headers)
    text = _pdftotext(pdf.get_data())
    assert "内装 12 件 × 500 g" in text and "净含量" not in text
    assert f"(01){carton_gtin}" in text


def _pdftotext(pdf: bytes) -> str:
    tool = require_tool("pdftotext")
    done = subprocess.run([tool, "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def _farmer_run(session, admin, template):
    from trace.services.labels import issue_label_run

    farmer = factories.producer(
        session, admin, kind="farmer", name="罗小芬（示例）", credit_code=None
    )
    batch = _released(session, admin, producer_id=farmer.id, quantity=Decimal("500"))
    if load_template(template).trade_item == "case":
        factories.product(
            session,
            admin,
            name="外箱（示例）",
            gtin=_carton_gtin(batch.product.gtin),
            pack_product_id=batch.product_id,
            packs_per_case=12,
        )
    return issue_label_run(session, admin, batch.id, 2, template)


PACK_TEMPLATES = [t.name for t in list_templates() if t.kind == "pack"]


@pytest.mark.parametrize("template", PACK_TEMPLATES)
def test_every_label_template_prints_the_code_and_the_masked_name(
    db_session, admin, template, tmp_path
):
    run = _farmer_run(db_session, admin, template)
    labels = list(pack_labels(db_session, run, HOST))
    out = io.BytesIO()
    render_sheet_pdf(load_template(template), labels, out)
    text = _pdftotext(out.getvalue())
    serials = db_session.scalars(
        select(PackCode.serial).where(PackCode.label_run_id == run.id).order_by(PackCode.sequence)
    ).all()
    for serial in serials:
        assert f"{serial[:5]} {serial[5:]}" in text  # 防伪码, grouped for reading
    assert "防伪码" in text and "扫码验真" in text and "大姚县三台乡" in text
    assert "罗*芬" in text and "罗小芬" not in text
    assert "校准线" in text or "20 mm" in text
    # The QR symbol (without its quiet zone) is at least 20 mm wide on the printed label.
    page = rasterise(out.getvalue(), tmp_path, dpi=600)[0]
    qrs = [c for c in decode(page) if c.format.name == "QRCode"]
    on_first_page = serials[: load_template(template).labels_per_page]
    assert {c.text.rsplit("/", 1)[-1] for c in qrs} == set(on_first_page)
    for code in qrs:
        position = code.position
        width_px = abs(position.top_right.x - position.top_left.x)
        assert width_px / 600 * 25.4 >= 20.0, (template, width_px)


@pytest.mark.parametrize("template", ["compliance-cert", "compliance-sticker"])
def test_the_certificate_pdf_carries_its_words_fields_and_qr(
    db_session, make_user, admin, template, tmp_path
):
    batch = _released(db_session, admin, quantity=Decimal("320"))
    record = compliance.issue_certificate(db_session, make_user("qc"), batch.id)
    out = io.BytesIO()
    render_sheet_pdf(load_template(template), [certificate_print(record, HOST)], out)
    text = _pdftotext(out.getvalue())
    flat = "".join(text.split())
    for expected in [
        "承诺达标合格证",
        f"产品名称：{batch.product.name}",
        "320千克",
        "云南省楚雄彝族自治州大姚县三台乡",
        "开具时间：",
        f"承诺主体：{batch.producer.name}",
        f"联系方式：{batch.producer.phone}",
        "对承诺的真实性负责",
        record.number,
    ]:
        assert "".join(expected.split()) in flat, expected
    page = rasterise(out.getvalue(), tmp_path, dpi=300)[0]
    found = {c.text for c in decode(page) if c.format.name == "QRCode"}
    assert found == {f"https://{HOST}/compliance/{record.number}"}


def test_a_carton_code_resolves_to_its_scan_page(client, as_role, db_session, admin):
    batch = _released(db_session, admin, quantity=Decimal("60"))
    carton_gtin = _carton_gtin(batch.product.gtin)
    factories.product(
        db_session,
        admin,
        name="外箱（示例）",
        gtin=carton_gtin,
        pack_product_id=batch.product_id,
        packs_per_case=12,
    )
    run = _issue(client, as_role("qc"), batch.id, count=1, template="carton-100x150").get_json()
    serial = run["serials"][0]
    answer = client.get(f"/01/{carton_gtin}/10/{batch.lot}/21/{serial}")
    assert answer.status_code == 307 and f"/scan/{serial}" in answer.headers["Location"]
    # The consumer GTIN does not name the carton's code's lot under another product.
    other = client.get(f"/01/{factories.gtin()}/10/{batch.lot}/21/{serial}")
    assert other.status_code == 404
