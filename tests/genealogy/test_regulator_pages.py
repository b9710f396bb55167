"""The regulator's read-only pages: search, the lot page with everything on it, recalls, exports."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import insert, select, update

from tests import factories
from tests.genealogy.conftest import label, split
from tests.staff.helpers import sign_in, text
from trace import clock
from trace.models.batches import BatchStatus
from trace.models.events import TraceEvent
from trace.models.labels import PackCode
from trace.models.scans import Scan
from trace.services.labels import run_serials
from trace.services.recalls import open_recall


@pytest.fixture()
def regulator_client(app, make_user, client):
    sign_in(client, make_user("regulator"))
    return client


@pytest.fixture()
def lot_family(client, as_role, walnuts, db_session, admin):
    graded = split(client, as_role("qc"), walnuts, "600", "400")
    return (
        walnuts,
        [o["batch_id"] for o in graded["outputs"]],
        [o["lot"] for o in graded["outputs"]],
    )


def test_only_regulators_and_admins_see_the_pages(app, make_user, walnuts):
    for role, allowed in (("regulator", True), ("admin", True), ("qc", False), ("station", False)):
        client = app.test_client()
        sign_in(client, make_user(role))
        answer = client.get(f"/regulator/lots/{walnuts.id}")
        assert (answer.status_code == 200) is allowed, (role, answer.status_code)
    anonymous = app.test_client().get("/regulator/lots")
    assert anonymous.status_code == 303 and "/staff/sign-in" in anonymous.headers["Location"]


def test_search_filters_lots(regulator_client, db_session, admin, walnuts):
    other = factories.batch(
        db_session, admin, township_code="532326101", harvested_on=dt.date(2025, 10, 2)
    )
    other.status = BatchStatus.ON_HOLD
    db_session.flush()
    page = text(regulator_client.get("/regulator/lots"))
    assert walnuts.lot in page and other.lot in page
    by_township = text(regulator_client.get("/regulator/lots?township_code=532326101"))
    assert other.lot in by_township and walnuts.lot not in by_township
    by_status = text(regulator_client.get("/regulator/lots?status=on_hold"))
    assert other.lot in by_status and walnuts.lot not in by_status
    by_date = text(regulator_client.get("/regulator/lots?harvested_from=2025-10-01"))
    assert other.lot in by_date and walnuts.lot not in by_date
    by_product = text(regulator_client.get(f"/regulator/lots?product_id={walnuts.product_id}"))
    assert walnuts.lot in by_product and other.lot not in by_product
    by_producer = text(regulator_client.get("/regulator/lots?producer=测试核桃"))
    assert walnuts.lot in by_producer
    # A bad filter is dropped, not an error page.
    assert regulator_client.get("/regulator/lots?harvested_from=soon").status_code == 200


def test_certificate_filter(regulator_client, db_session, admin, walnuts):
    from trace.services.certifications import create_certification

    other = factories.batch(db_session, admin)
    create_certification(
        db_session,
        admin,
        cert_type="green_food",
        number="GF532326250001",
        holder="测试（示例）",
        issuer="中国绿色食品发展中心",
        scope="product",
        scope_id=walnuts.product_id,
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2027, 12, 31),
    )
    db_session.flush()
    page = text(regulator_client.get("/regulator/lots?cert_type=green_food"))
    assert walnuts.lot in page and other.lot not in page
    assert other.lot not in text(regulator_client.get("/regulator/lots?cert_type=organic"))


def test_lot_page_shows_timeline_trees_chain_and_audit(
    regulator_client, lot_family, db_session, app
):
    walnuts, children, lots = lot_family
    page = text(regulator_client.get(f"/regulator/lots/{children[0]}"))
    # Timeline with the ancestor's harvest, the upstream tree back to the harvest lot.
    assert "来自上游批次" in page and walnuts.lot in page
    assert 'id="upstream"' in page and re.search(r'class="tree"', page)
    assert 'data-intact="true"' in page
    root_page = text(regulator_client.get(f"/regulator/lots/{walnuts.id}"))
    for lot in lots:
        assert lot in root_page  # the downstream tree lists both grade lots
    assert "分割" in root_page
    assert "登记批次" in root_page or "记录追溯事件" in root_page  # the audit trail, in words
    # Tampering shows at once on the lot page.
    factories.as_insider(db_session)
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.batch_id == walnuts.id, TraceEvent.sequence == 1)
        .values(location="改过的地点")
        .execution_options(synchronize_session=False)
    )
    tampered = text(regulator_client.get(f"/regulator/lots/{walnuts.id}"))
    assert 'data-intact="false"' in tampered and "hash_mismatch" not in tampered
    assert "内容与哈希值不符" in tampered


def test_scan_statistics_flag_suspicious_codes(regulator_client, db_session, admin, walnuts):
    run = label(db_session, admin, walnuts.id, 3)
    db_session.flush()
    serials = run_serials(db_session, run.id)
    found = db_session.execute(
        select(PackCode.id, PackCode.serial).where(PackCode.label_run_id == run.id)
    )
    codes = {serial: code_id for code_id, serial in found}
    now = clock.utcnow().replace(microsecond=0)
    rows = []
    # The first code: five different phones in a day (a copied label) and an exceeded verdict.
    for i in range(5):
        rows.append(
            {
                "pack_code_id": codes[serials[0]],
                "scanned_at": now - dt.timedelta(hours=i),
                "client_hash": f"phone{i}",
                "is_public": True,
                "verdict": "genuine" if i == 0 else ("exceeded" if i == 4 else "repeat"),
            }
        )
    # The second: the same two phones three weeks apart.
    for days, phone in ((21, "a"), (0, "b")):
        rows.append(
            {
                "pack_code_id": codes[serials[1]],
                "scanned_at": now - dt.timedelta(days=days),
                "client_hash": phone,
                "is_public": True,
                "verdict": "repeat",
            }
        )
    # The third: one honest scan, and a staff check.
    rows.append(
        {
            "pack_code_id": codes[serials[2]],
            "scanned_at": now,
            "client_hash": "c",
            "is_public": True,
            "verdict": "genuine",
        }
    )
    rows.append(
        {
            "pack_code_id": codes[serials[2]],
            "scanned_at": now,
            "client_hash": "d",
            "is_public": False,
            "verdict": "genuine",
        }
    )
    db_session.execute(insert(Scan), rows)
    page = text(regulator_client.get(f"/regulator/lots/{walnuts.id}"))
    assert f'data-serial="{serials[0]}"' in page and f'data-serial="{serials[1]}"' in page
    assert f'data-serial="{serials[2]}"' not in page
    assert "多部手机扫码" in page and "扫码时间相隔很久" in page
    assert 'data-exceeded="1"' in page and 'data-repeat="5"' in page
    assert "<svg" in page and "<rect" in page


def test_recall_pages_and_exports(regulator_client, lot_family, db_session, make_user):
    walnuts, children, lots = lot_family
    recall = open_recall(db_session, make_user("admin"), walnuts.id, 2, "示例原因", "示例要求")
    db_session.flush()
    listing = text(regulator_client.get("/regulator/recalls"))
    assert f"/regulator/recalls/{recall.id}" in listing
    detail = text(regulator_client.get(f"/regulator/recalls/{recall.id}"))
    assert "2 级召回" in detail and all(lot in detail for lot in lots)
    assert "没有发运记录" in detail
    lot_page = text(regulator_client.get(f"/regulator/lots/{children[0]}"))
    assert 'id="recall"' in lot_page
    csv_export = regulator_client.get(f"/regulator/lots/{walnuts.id}/export.csv")
    assert csv_export.status_code == 200 and walnuts.lot in csv_export.get_data(as_text=True)
    xlsx = regulator_client.get(f"/regulator/lots/{walnuts.id}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"
    epcis = regulator_client.get(f"/regulator/lots/{walnuts.id}/export.epcis")
    assert epcis.status_code == 200 and epcis.get_json()["type"] == "EPCISDocument"
    assert regulator_client.get(f"/regulator/lots/{walnuts.id}/export.pdf").status_code == 404
    ranged = regulator_client.get(
        "/regulator/exports?occurred_from=2025-09-01&occurred_to=2025-12-31&format=csv"
    )
    assert ranged.status_code == 200 and "text/csv" in ranged.headers["Content-Type"]
    form = regulator_client.get("/regulator/exports")
    assert form.status_code == 200 and 'name="occurred_from"' in text(form)
    bad = regulator_client.get("/regulator/exports?format=csv")
    assert bad.status_code == 422 and "form-errors" in text(bad)


def test_audit_page_shows_who_changed_what(regulator_client, walnuts, db_session, make_user):
    admin = make_user("admin")
    admin.name = "示例管理员"
    open_recall(db_session, admin, walnuts.id, 3, "r", "i")
    db_session.flush()
    page = text(
        regulator_client.get(f"/regulator/audit?entity_type=batches&entity_id={walnuts.id}")
    )
    assert "召回批次" in page and "batch.recall" not in page and "示例管理员" in page
    assert "正常 → 已召回" in page  # the status change in words
