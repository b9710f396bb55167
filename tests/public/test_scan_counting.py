"""Who counts (trace.services.scans): clients, not page loads; one address cannot condemn a pack.

These call the service on the test's connection (SQLite's few statements, PostgreSQL's one);
tests/public/test_scan_clients.py drives the same rules through the scan page.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from trace.models.batches import BatchStatus
from trace.models.labels import CodeStatus, PackCode
from trace.models.scans import Scan
from trace.services import scans
from trace.services.scans import Client, Verdict

SECRET = "a-test-secret-of-some-length"
LIMIT = 5
_addresses = itertools.count(1)


def _scan(db_session, serial, client, **kwargs):
    arguments = {"limit": LIMIT, "is_public": True, "per_address": 2, **kwargs}
    return scans.record_scan(db_session.connection(), serial, client=client, **arguments)


def _phone(address: str | None = None, device: str | None = None, region: str = "") -> Client:
    address = address or f"198.51.100.{next(_addresses)}"
    found = scans.identify(SECRET, device, address, "Mozilla/5.0 (iPhone) MicroMessenger/8.0")
    return Client(found.key, found.address, found.alias, region)


def test_the_same_client_again_is_not_a_new_scan_and_keeps_its_verdict(db_session, labelled):
    serial = labelled.serials[0]
    buyer = _phone(region="云南/昆明")
    first = _scan(db_session, serial, buyer)
    assert first.verdict is Verdict.GENUINE and first.scan_count == 1 and first.is_counted
    assert first.registered and first.you_scanned_at is None
    assert first.first_region == "云南/昆明"
    again = _scan(db_session, serial, buyer)
    assert again.verdict is Verdict.GENUINE and again.scan_count == 1 and not again.is_counted
    assert again.you_scanned_at == first.first_scanned_at
    # With the device cookie minted on the first look (no cookie then), from another address.
    cookie = Client(buyer.alias or "", scans.client_hash(SECRET, "203.0.113.9"))
    by_cookie = _scan(db_session, serial, cookie)
    assert by_cookie.verdict is Verdict.GENUINE and by_cookie.scan_count == 1
    # Someone else now: repeat; the buyer, looking again, still keeps genuine.
    assert _scan(db_session, serial, _phone()).verdict is Verdict.REPEAT
    assert _scan(db_session, serial, buyer).verdict is Verdict.GENUINE


def test_one_address_adds_at_most_two_clients_and_never_exceeds(db_session, labelled):
    serial = labelled.serials[0]
    address = "203.0.113.50"
    outcomes = [
        _scan(db_session, serial, _phone(address, device=scans.new_device_id())) for _ in range(20)
    ]
    assert [o.is_counted for o in outcomes].count(True) == 2
    assert outcomes[-1].scan_count == 2
    assert {o.verdict for o in outcomes} == {Verdict.GENUINE, Verdict.REPEAT}


def test_an_ipv6_subscriber_is_its_slash_64(db_session, labelled):
    serial = labelled.serials[0]
    outcomes = [
        _scan(db_session, serial, _phone(f"2001:db8:1:2::{n:x}", device=scans.new_device_id()))
        for n in range(1, 10)
    ]
    assert outcomes[-1].scan_count == 2


def test_more_clients_than_the_limit_from_several_addresses_exceed(db_session, labelled):
    serial = labelled.serials[0]
    outcomes = [_scan(db_session, serial, _phone()) for _ in range(LIMIT + 1)]
    assert [o.verdict for o in outcomes] == [Verdict.GENUINE] + [Verdict.REPEAT] * (LIMIT - 1) + [
        Verdict.EXCEEDED
    ]
    assert outcomes[-1].scan_count == LIMIT + 1
    assert _scan(db_session, labelled.serials[1], _phone()).verdict is Verdict.GENUINE


def test_uncountable_looks_leave_no_trace_in_the_count(db_session, labelled):
    serial = labelled.serials[0]
    crawler = _scan(db_session, serial, _phone(), countable=False)
    staff = _scan(db_session, serial, Client(), is_public=False)
    head = _scan(db_session, serial, _phone(), log=False)
    assert [o.scan_count for o in (crawler, staff, head)] == [0, 0, 0]
    assert not crawler.registered and not head.registered
    logged = db_session.scalars(select(Scan).order_by(Scan.id)).all()
    assert [(s.is_public, s.is_counted) for s in logged] == [(True, False), (False, False)]
    assert _scan(db_session, serial, _phone()).verdict is Verdict.GENUINE


def test_recall_and_void_override_a_kept_verdict(db_session, labelled):
    serial = labelled.serials[0]
    buyer = _phone()
    _scan(db_session, serial, buyer)
    code = db_session.scalar(select(PackCode).where(PackCode.serial == serial))
    code.status = CodeStatus.VOID
    db_session.flush()
    assert _scan(db_session, serial, buyer).verdict is Verdict.VOID
    labelled.batch.status = BatchStatus.RECALLED
    db_session.flush()
    assert _scan(db_session, serial, buyer).verdict is Verdict.RECALLED


def test_unknown_serial(db_session, labelled):
    outcome = _scan(db_session, "ZZZZZZZZZZ", _phone())
    assert outcome.verdict is Verdict.UNKNOWN and outcome.batch_id is None


def test_the_log_keeps_region_not_address(db_session, labelled):
    _scan(db_session, labelled.serials[0], _phone("203.0.113.77", region="广东/广州"))
    logged = db_session.scalars(select(Scan)).one()
    assert logged.region == "广东/广州" and logged.is_counted
    assert "203.0.113.77" not in logged.client_hash


def test_client_keys():
    plain = scans.identify(SECRET, None, "203.0.113.1", "Mozilla/5.0 Chrome/120")
    assert scans.DEVICE_ID.match(plain.alias or "")
    same = scans.identify(SECRET, None, "203.0.113.1", "Mozilla/5.0 Chrome/121")
    assert same.key == plain.key and same.alias != plain.alias  # UA family, not the version
    other = scans.identify(SECRET, None, "203.0.113.1", "Mozilla/5.0 Firefox/120")
    assert other.key != plain.key and other.address == plain.address
    device = scans.new_device_id()
    assert scans.identify(SECRET, device, "203.0.113.1", "x").key == device
    assert scans.identify(SECRET, "not-a-device-id", "203.0.113.1", "x").alias is not None
    assert scans.address_network("2001:db8::1") == scans.address_network("2001:db8::ffff:1")
    assert scans.address_network("::ffff:203.0.113.1") == "203.0.113.1"


def test_postgresql_verdict_in_sql_matches_verdict_for(engine):
    """The one-statement scan works its verdicts out in SQL: the same rule as verdict_for."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the one-statement scan is PostgreSQL's")
    grid = [
        (batch_status, code_status, count, addresses, kept)
        for batch_status in BatchStatus
        for code_status in CodeStatus
        for count in range(8)
        for addresses in range(3)
        for kept in (None, "genuine", "repeat", "exceeded")
    ]
    values = ", ".join(
        f"('{b.value}', '{c.value}', {n}, {a}, {repr(k) if k else 'NULL::text'})"
        for b, c, n, a, k in grid
    )
    query = (
        f"SELECT batch_status, code_status, scan_count, addresses, kept, {scans.SQL_VERDICT} "
        f"FROM (VALUES {values}) AS t(batch_status, code_status, scan_count, addresses, kept)"
    )
    with engine.connect() as connection:
        for limit in (1, 3, 5):
            rows = connection.exec_driver_sql(query, {"limit": limit}).all()
            assert len(rows) == len(grid)
            for batch_status, code_status, count, addresses, kept, verdict in rows:
                code, batch = CodeStatus(code_status), BatchStatus(batch_status)
                expected = scans.verdict_for(code, batch, count, limit, addresses, kept)
                assert verdict == expected.value, (batch_status, code_status, count, limit)
