"""Regulator work in the browser: home at /regulator/, a recall opened from the lot page
(the consumer pages flip, show the hotline, no ✓ 合格), actions recorded and the recall closed;
the lot page in words (units, voided codes apart, levels explained, a 1-day chart)."""

from __future__ import annotations

from decimal import Decimal

from tests import factories
from tests.staff.helpers import sign_in, submit, text
from trace.models.batches import BatchStatus
from trace.services.labels import issue_label_run, void_pack_codes


def _lot(db_session, make_user):
    admin = make_user("admin")
    batch = factories.batch(db_session, admin, quantity=Decimal("320"))
    factories.passed_inspection(db_session, admin, batch)
    run = issue_label_run(db_session, admin, batch.id, 5)
    db_session.flush()
    return batch, run


def test_regulator_lands_on_the_home_and_opens_a_recall_from_the_lot(client, db_session, make_user):
    batch, run = _lot(db_session, make_user)
    regulator = make_user("regulator")
    landed = sign_in(client, regulator)
    assert landed.status_code == 303 and landed.headers["Location"].endswith("/regulator/")
    home = text(client.get("/regulator/"))
    assert 'id="home-recalls"' in home and batch.lot in home
    lot_url = f"/regulator/lots/{batch.id}"
    page = text(client.get(lot_url))
    assert 'id="recall-form"' in page and "12315" in page
    before = text(client.get(f"/lots/{batch.lot}"))
    assert "✓" in before
    missing = submit(
        client,
        f"{lot_url}/recall",
        {"level": "2", "reason": "内部抽检单 NB-7", "instructions": "停止食用"},
        lot_url,
    )
    assert missing.status_code == 422 and "必填" in text(missing)
    assert 'id="recall-errors"' in text(missing)
    opened = submit(
        client,
        f"{lot_url}/recall",
        {
            "level": "2",
            "reason": "内部抽检单 NB-7",
            "public_reason": "抽检发现黄曲霉毒素超标",
            "instructions": "请停止食用，凭包装退货",
        },
        lot_url,
    )
    assert opened.status_code == 303, text(opened)
    recall_url = opened.headers["Location"]
    db_session.expire_all()
    assert db_session.get(type(batch), batch.id).status is BatchStatus.RECALLED
    public = text(client.get(f"/lots/{batch.lot}"))
    assert "抽检发现黄曲霉毒素超标" in public and "NB-7" not in public
    assert "12315" in public and "✓" not in public and 'id="recall-supersedes"' in public
    serial = db_session.scalars(
        __import__("sqlalchemy")
        .select(__import__("trace.models.labels", fromlist=["PackCode"]).PackCode.serial)
        .where(
            __import__("trace.models.labels", fromlist=["PackCode"]).PackCode.label_run_id == run.id
        )
    ).first()
    scan = client.get(f"/scan/{serial}")
    assert 'data-verdict="recalled"' in text(scan) and "12315" in text(scan)
    # Close it (the regulator's other write).
    recall_page = text(client.get(recall_url))
    assert 'id="close-recall"' in recall_page and "发起批次" in recall_page
    closed = submit(client, f"{recall_url}/close", {"note": "已全部下架"}, recall_url)
    assert closed.status_code == 303
    assert "已结束" in text(client.get(recall_url))


def test_admin_records_recall_actions(client, db_session, make_user):
    from trace.services.recalls import open_recall

    batch, _run = _lot(db_session, make_user)
    admin = make_user("admin")
    recall = open_recall(db_session, admin, batch.id, 3, "内部", "停止销售", "公告原因")
    db_session.flush()
    sign_in(client, admin)
    url = f"/regulator/recalls/{recall.id}"
    done = submit(
        client,
        f"{url}/actions",
        {
            "kind": "recovered",
            "batch_id": str(batch.id),
            "quantity": "20",
            "unit": "kg",
            "note": "县质检中心收回",
        },
        url,
    )
    assert done.status_code == 303, text(done)
    assert "县质检中心收回" in text(client.get(url))


def test_lot_page_reads_in_words(client, db_session, make_user):
    batch, run = _lot(db_session, make_user)
    admin = make_user("admin")
    void_pack_codes(db_session, admin, [run_serial(db_session, run.id)], "撕坏")
    db_session.flush()
    sign_in(client, make_user("regulator"))
    page = text(client.get(f"/regulator/lots/{batch.id}"))
    assert "320 千克" in page or "320 kg" in page
    assert "在用 4 个，已作废 1 个" in page
    assert "gi_conformity" not in page and "passed:" not in page and "label_run.void" not in page
    assert "第一层" in page
    english = text(client.get(f"/regulator/lots/{batch.id}?lang=en"))
    assert "发起召回" not in english


def run_serial(session, run_id):
    from sqlalchemy import select

    from trace.models.labels import PackCode

    return session.scalars(select(PackCode.serial).where(PackCode.label_run_id == run_id)).first()
