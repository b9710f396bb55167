"""Where scans come from: the offline IP-region database, regions per pack and lot, the flags for
cloned codes and 窜货, and QC's test scans."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from tests import needs
from trace.config import IP_REGION_DB
from trace.errors import PermissionDeniedError, ValidationError
from trace.ip_region import Locator, Region
from trace.models.audit import AuditEntry
from trace.models.labels import PackCode
from trace.services import scans
from trace.services.scan_regions import (
    MOVED_MIN_SCANS,
    lot_regions,
    mark_test_scans,
    pack_regions,
)
from trace.services.scans import Client, Verdict

SECRET = "a-test-secret-of-some-length"
_phones = itertools.count(1)


def _require_data() -> Locator:
    needs.data("ip-region")
    return Locator(IP_REGION_DB)


def test_a_known_address_resolves_offline():
    locator = _require_data()
    assert locator.region_of("183.62.57.1") == Region("广东", "广州")
    assert str(locator.region_of("183.62.57.1")) == "广东/广州"
    assert locator.region_of("8.8.8.8").province == "美国"  # abroad: the country comes first
    assert locator.region_of("127.0.0.1") == Region()  # loopback, private: no region
    assert locator.region_of("10.1.2.3") == Region()
    assert locator.region_of("not an address") == Region()
    assert locator.build() >= "2026-01-01"


def test_without_the_data_regions_are_empty(tmp_path):
    missing = Locator(tmp_path / "none.ipdb")
    assert not missing.available and missing.region_of("183.62.57.1") == Region()


def _scan(db_session, serial, region, at=None):
    client = scans.identify(SECRET, None, f"198.51.100.{next(_phones) % 250 + 1}", "Chrome/1")
    outcome = scans.record_scan(
        db_session.connection(),
        serial,
        limit=5,
        is_public=True,
        client=Client(client.key, client.address, client.alias, region),
    )
    return outcome


def test_regions_per_pack_and_far_apart_flag(db_session, labelled, make_user):
    qc = make_user("qc")
    serial = labelled.serials[0]
    _scan(db_session, serial, "云南/昆明")
    _scan(db_session, serial, "云南/昆明")
    _scan(db_session, serial, "黑龙江/哈尔滨")
    report = pack_regions(db_session, qc, serial, hours=24)
    assert [(r.region, r.scans) for r in report.regions] == [("云南/昆明", 2), ("黑龙江/哈尔滨", 1)]
    assert report.total == 3
    assert [(f.first_region, f.second_region) for f in report.far_apart] == [
        ("云南/昆明", "黑龙江/哈尔滨")
    ]
    # Same province only: no flag.
    _scan(db_session, labelled.serials[1], "云南/昆明")
    _scan(db_session, labelled.serials[1], "云南/楚雄")
    assert pack_regions(db_session, qc, labelled.serials[1], hours=24).far_apart == []
    with pytest.raises(PermissionDeniedError):
        pack_regions(db_session, make_user("station"), serial, hours=24)


def test_lot_scanned_mostly_outside_its_sales_region_is_flagged(db_session, labelled, make_user):
    regulator = make_user("regulator")
    labelled.batch.sales_region = "云南"
    db_session.flush()
    for n in range(MOVED_MIN_SCANS):
        _scan(db_session, labelled.serials[n % 3], "广东/广州" if n < 7 else "云南/昆明")
    report = lot_regions(db_session, regulator, labelled.batch.id, hours=24)
    assert report.total == MOVED_MIN_SCANS and report.moved
    assert report.outside_share == pytest.approx(0.7)
    assert report.regions[0].region == "广东/广州"


def test_qc_marks_test_scans_resetting_the_verdict(db_session, labelled, make_user):
    qc = make_user("qc")
    serial = labelled.serials[0]
    for _ in range(3):
        _scan(db_session, serial, "云南/楚雄")
    with pytest.raises(ValidationError):
        mark_test_scans(db_session, qc, serial, "  ")
    with pytest.raises(PermissionDeniedError):
        mark_test_scans(db_session, make_user("regulator"), serial, "测试")
    code = mark_test_scans(db_session, qc, serial, "质检员入库前扫码测试")
    assert code.public_scan_count == 0 and code.first_scanned_at is None
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "scans.mark_test")
    ).one()
    assert entry.note == "质检员入库前扫码测试" and entry.before["public_scan_count"] == 3
    assert pack_regions(db_session, qc, serial, hours=24).total == 0
    # The next consumer is the first again.
    first = _scan(db_session, serial, "广东/广州")
    assert first.verdict is Verdict.GENUINE and first.scan_count == 1
    later = db_session.scalar(select(PackCode.counted_since).where(PackCode.serial == serial))
    assert later is not None and later <= dt.datetime.now(dt.UTC)
    assert pack_regions(db_session, qc, serial, hours=24).total == 1


def test_regions_and_test_scans_through_the_api(client, labelled, as_role, db_session):
    serial = labelled.serials[0]
    _scan(db_session, serial, "云南/昆明")
    _scan(db_session, serial, "黑龙江/哈尔滨")
    qc = as_role("qc")
    pack = client.get(f"/api/v1/pack-codes/{serial}/scan-regions", headers=qc)
    assert pack.status_code == 200
    body = pack.get_json()
    assert body["total"] == 2 and body["far_apart"][0]["serial"] == serial
    lot = client.get(
        f"/api/v1/batches/{labelled.batch.id}/scan-regions", headers=as_role("regulator")
    )
    assert lot.status_code == 200 and lot.get_json()["total"] == 2
    station = client.get(f"/api/v1/pack-codes/{serial}/scan-regions", headers=as_role("station"))
    assert station.status_code == 403
    missing = client.post(f"/api/v1/pack-codes/{serial}/test-scans", json={}, headers=qc)
    assert missing.status_code == 422 and "reason" in str(missing.get_json()["errors"])
    refused = client.post(
        f"/api/v1/pack-codes/{serial}/test-scans",
        json={"reason": "测试"},
        headers=as_role("regulator"),
    )
    assert refused.status_code == 403
    marked = client.post(
        f"/api/v1/pack-codes/{serial}/test-scans", json={"reason": "入库抽检扫码"}, headers=qc
    )
    assert marked.status_code == 200 and marked.get_json()["public_scan_count"] == 0
    assert marked.get_json()["counted_since"] is not None
    scanned = client.get(f"/scan/{serial}", headers={"Accept": "application/json"}).get_json()
    assert scanned["verdict"] == "genuine" and scanned["scan_count"] == 1


def test_the_regulators_lot_page_shows_regions_and_flags(client, labelled, make_user, db_session):
    from tests.staff.helpers import sign_in

    labelled.batch.sales_region = "云南"
    db_session.flush()
    for n in range(MOVED_MIN_SCANS):
        _scan(db_session, labelled.serials[n % 3], "广东/广州" if n % 2 else "北京/北京")
    sign_in(client, make_user("regulator"))
    page = client.get(f"/regulator/lots/{labelled.batch.id}").get_data(as_text=True)
    assert 'id="scan-regions" data-moved="true"' in page
    assert "疑似窜货" in page and 'data-region="广东/广州"' in page
    assert "data-far-apart=" in page  # the same packs seen in 广东 and 北京 within hours
