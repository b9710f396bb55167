"""合格证 through the API, the staff batch page and its public page; label run page actions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import factories
from tests.staff.helpers import sign_in, submit, text
from trace.models.batches import BatchStatus
from trace.models.labels import CodeStatus, PackCode
from trace.services import compliance
from trace.services.labels import issue_label_run


@pytest.fixture()
def admin(make_user):
    return make_user("admin")


@pytest.fixture()
def lot(db_session, admin):
    farmer = factories.producer(
        db_session, admin, kind="farmer", name="罗小芬（示例）", credit_code=None
    )
    batch = factories.batch(db_session, admin, producer_id=farmer.id, quantity=Decimal("320"))
    factories.passed_inspection(db_session, admin, batch)
    return batch


def test_api_issues_lists_and_prints_and_refuses_a_recalled_lot(client, as_role, db_session, lot):
    headers = as_role("qc")
    made = client.post(
        f"/api/v1/batches/{lot.id}/compliance-certificates", json={}, headers=headers
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["lot"] == lot.lot and body["quantity"] == "320.000"
    assert body["public_url"].endswith(f"/compliance/{body['number']}")
    listed = client.get(
        f"/api/v1/batches/{lot.id}/compliance-certificates", headers=as_role("regulator")
    )
    assert [c["number"] for c in listed.get_json()] == [body["number"]]
    pdf = client.get(body["pdf_url"] + "?template=compliance-sticker", headers=headers)
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF-")
    legacy = client.get(f"/api/v1/batches/{lot.id}/compliance-certificate.pdf", headers=headers)
    assert legacy.status_code == 200
    again_listed = client.get(
        f"/api/v1/batches/{lot.id}/compliance-certificates", headers=headers
    ).get_json()
    assert len(again_listed) == 1  # the legacy download printed the newest, not a new one
    lot.status = BatchStatus.RECALLED
    db_session.flush()
    refused = client.post(
        f"/api/v1/batches/{lot.id}/compliance-certificates", json={}, headers=headers
    )
    assert refused.status_code == 409
    assert refused.get_json()["error_codes"]["status"] == [
        {"code": "batch.recalled", "params": {"lot": lot.lot}}
    ]
    assert refused.get_json()["errors"]["status"] == [f"批次 {lot.lot} 已召回"]
    again = client.get(f"/api/v1/batches/{lot.id}/compliance-certificate.pdf", headers=headers)
    assert again.status_code == 409
    assert client.get(body["pdf_url"], headers=headers).status_code == 409


def test_public_page_shows_the_fields_masked_and_the_lot_status(client, db_session, make_user, lot):
    record = compliance.issue_certificate(db_session, make_user("qc"), lot.id)
    page = client.get(f"/compliance/{record.number}")
    assert page.status_code == 200
    html = text(page)
    for words in ["承诺达标合格证", "产品名称", "数量", "产地", "开具时间", "承诺主体", "联系方式"]:
        assert words in html
    assert lot.product.name in html and "320 千克" in html
    assert "云南省楚雄彝族自治州大姚县三台乡" in html and record.number in html
    assert "罗*芬" in html and "罗小芬" not in html
    assert "139****0009" in html and "13987800009" not in html
    assert 'data-status="active"' in html and "正常" in html
    lot.status = BatchStatus.RECALLED
    db_session.flush()
    recalled = text(client.get(f"/compliance/{record.number}"))
    assert 'id="lot-warning"' in recalled and "已召回" in recalled
    english = text(client.get(f"/compliance/{record.number}?lang=en"))
    assert "承诺达标合格证" in english  # the words the order requires, in every language
    assert client.get("/compliance/HG-NOPE").status_code == 404


def test_qc_issues_from_the_batch_page_and_sees_who_issued_it(client, db_session, make_user, lot):
    qc = make_user("qc")
    sign_in(client, qc)
    page_url = f"/staff/batches/{lot.id}"
    answer = submit(client, f"/staff/batches/{lot.id}/compliance-certificates", {}, page_url)
    assert answer.status_code == 303
    html = text(client.get(page_url))
    (record,) = compliance.list_certificates(db_session, qc, lot.id)
    assert record.number in html and qc.name in html
    assert f"/staff/compliance-certificates/{record.id}.pdf" in html
    lot.status = BatchStatus.ON_HOLD
    db_session.flush()
    held = text(client.get(page_url))
    assert 'id="certificate-refused"' in held and "暂扣" in held
    refused = submit(client, f"/staff/batches/{lot.id}/compliance-certificates", {}, page_url)
    assert refused.status_code == 303
    assert len(compliance.list_certificates(db_session, qc, lot.id)) == 1


def test_run_page_voids_one_code_by_number_and_records_a_reprint(
    client, db_session, make_user, lot
):
    qc = make_user("qc")
    run = issue_label_run(db_session, qc, lot.id, 3, pack_date=lot.harvested_on)
    sign_in(client, qc)
    run_url = f"/staff/label-runs/{run.id}"
    page = text(client.get(run_url))
    assert "实际大小" in page and "校准线" in page and "000002" in page
    empty = submit(client, f"{run_url}/void-codes", {"code": "000002", "reason": ""}, run_url)
    assert empty.status_code == 422 and "必填" in text(empty)
    voided = submit(
        client, f"{run_url}/void-codes", {"code": "No.000002", "reason": "标签撕坏"}, run_url
    )
    assert voided.status_code == 303
    code = db_session.query(PackCode).filter_by(label_run_id=run.id, sequence=2).one()
    assert code.status is CodeStatus.VOID and code.void_reason == "标签撕坏"
    unknown = submit(client, f"{run_url}/void-codes", {"code": "ZZZZZ", "reason": "x"}, run_url)
    assert unknown.status_code == 422 and "没有这个防伪码" in text(unknown)
    reprinted = submit(client, f"{run_url}/reprint", {"reason": "卡纸"}, run_url)
    assert reprinted.status_code == 303
    db_session.refresh(run)
    assert run.reprint_count == 1


def test_label_form_takes_a_pack_date_and_names_the_capacity_in_chinese(
    client, db_session, make_user, lot
):
    qc = make_user("qc")
    sign_in(client, qc)
    form = f"/staff/batches/{lot.id}/label-runs/new"
    page = text(client.get(form))
    assert 'name="pack_date"' in page
    too_many = submit(
        client,
        form,
        {
            "count": "641",
            "template": "a4-3x8",
            "pack_date": "2025-09-20",
            "idempotency_key": "k" * 16,
        },
    )
    assert too_many.status_code == 422
    assert "此批次最多还能生成 640 个码" in text(too_many)
    early = submit(
        client,
        form,
        {
            "count": "1",
            "template": "a4-3x8",
            "pack_date": "2025-09-01",
            "idempotency_key": "j" * 16,
        },
    )
    assert early.status_code == 422 and "不能早于采收日期 2025-09-15" in text(early)
