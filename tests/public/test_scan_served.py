"""Scans as served for real on PostgreSQL: committed data, the autocommit scan pool, concurrency.

The other tests run each request inside the test's rolled-back transaction; here the records are
committed (and removed afterwards), so the scan takes the production path: one statement on a
connection of its own, many of them at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select, text

import trace.models  # noqa: F401  (every table in the metadata, for the clean-up)
from tests import factories
from tests.conftest import TEST_PASSWORD_HASH
from trace.db import Base
from trace.models.labels import PackCode
from trace.models.scans import Scan, ScanAddress, ScanClient
from trace.models.users import Role, User
from trace.services import scans
from trace.services.labels import issue_label_run, run_serials
from trace.web.database import EXTENSION_KEY
from trace.web.public.pages import CACHE_KEY
from trace.web.public.scan_clients import DEVICE_COOKIE
from trace.web.scan_pool import SCAN_ENGINE_KEY, SCAN_POOL_NAME

JSON = {"Accept": "application/json"}
CLIENT = {"REMOTE_ADDR": "198.51.100.23"}  # a rate-limit budget of its own


@pytest.fixture()
def committed(engine) -> Iterator[None]:
    """Rows committed during the test are deleted afterwards (every table with an integer id)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the autocommit scan pool is PostgreSQL's")
    tables = [t for t in Base.metadata.sorted_tables if "id" in t.c]
    with engine.connect() as connection:
        marks = {
            t.name: connection.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()
            for t in tables
        }
    try:
        yield
    finally:
        with engine.begin() as connection:
            # Cleaning up as the database owner: the append-only tables' triggers stand aside.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            packs = marks["pack_codes"]
            for derived in (ScanClient, ScanAddress):  # keyed by pack, not by an id of their own
                connection.execute(delete(derived).where(derived.pack_code_id > packs))
            for table in reversed(tables):
                connection.execute(table.delete().where(table.c.id > marks[table.name]))


def _committed_pack(app) -> tuple[int, list[str]]:
    with app.extensions[EXTENSION_KEY]() as session:
        admin = User(
            email="served-scan-admin@test.example.cn",
            name="测试admin",
            role=Role.ADMIN,
            password_hash=TEST_PASSWORD_HASH,
        )
        session.add(admin)
        session.flush()
        batch = factories.batch(session, admin)
        factories.passed_inspection(session, admin, batch)  # labels need one
        run = issue_label_run(session, admin, batch.id, 2)
        serials = run_serials(session, run.id)
        session.commit()
        return batch.id, serials


def test_concurrent_served_scans_each_count_once(app, committed):
    assert app.extensions.get(SCAN_ENGINE_KEY) is not None
    app.extensions.pop(CACHE_KEY, None)
    _batch_id, serials = _committed_pack(app)

    def scan(index: int) -> dict:
        where = {"REMOTE_ADDR": f"198.51.100.{30 + index}"}  # eight people, eight networks
        answer = app.test_client().get(f"/scan/{serials[0]}", headers=JSON, environ_base=where)
        assert answer.status_code == 200
        return answer.get_json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(scan, range(8)))
    assert sorted(b["scan_count"] for b in bodies) == list(range(1, 9))  # no count seen twice
    by_count = {b["scan_count"]: b["verdict"] for b in bodies}
    limit = app.config["SCAN_LIMIT"]
    assert by_count[1] == "genuine" and by_count[limit] == "repeat"
    assert by_count[limit + 1] == "exceeded"
    assert len({b["first_scanned_at"] for b in bodies}) == 1

    head = app.test_client().head(f"/scan/{serials[0]}", environ_base=CLIENT)
    assert head.status_code == 200
    with app.extensions[EXTENSION_KEY]() as session:
        code_id = session.scalar(select(PackCode.id).where(PackCode.serial == serials[0]))
        logged = session.scalars(select(Scan).where(Scan.pack_code_id == code_id)).all()
        count = session.scalar(select(PackCode.public_scan_count).where(PackCode.id == code_id))
    assert count == 8 and len(logged) == 8  # the HEAD request left no trace
    assert sorted(s.verdict for s in logged) == sorted(by_count.values())
    other = app.test_client().get(f"/scan/{serials[1]}", headers=JSON, environ_base=CLIENT)
    assert other.get_json()["verdict"] == "genuine"


def test_a_scan_survives_connections_the_server_dropped(app, engine, committed, monkeypatch):
    """The scan pool does not ping each connection before use: a dropped one is replaced."""
    app.extensions.pop(CACHE_KEY, None)
    _batch_id, serials = _committed_pack(app)
    first = app.test_client().get(f"/scan/{serials[0]}", headers=JSON, environ_base=CLIENT)
    assert first.get_json()["scan_count"] == 1
    with engine.connect() as connection:  # as a database restart would
        dropped = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": SCAN_POOL_NAME},
        ).scalar_one()
    assert dropped >= 1
    attempts = []
    real = scans.record_scan_dbapi
    monkeypatch.setattr(
        scans, "record_scan_dbapi", lambda *a, **k: attempts.append(1) or real(*a, **k)
    )
    elsewhere = {"REMOTE_ADDR": "198.51.100.24"}  # another person
    again = app.test_client().get(f"/scan/{serials[0]}", headers=JSON, environ_base=elsewhere)
    assert again.status_code == 200 and len(attempts) == 2  # the dead connection, then a new one
    assert again.get_json()["scan_count"] == 2 and again.get_json()["verdict"] == "repeat"


def test_concurrent_looks_by_one_client_or_one_address_stay_bounded(app, committed):
    """A phone that loads the page twice at once (a preview and the load) counts once; many new
    clients from one address at once still add at most SCAN_CLIENTS_PER_ADDRESS."""
    app.extensions.pop(CACHE_KEY, None)
    _batch_id, serials = _committed_pack(app)
    device = scans.new_device_id()

    def same_phone(_index: int) -> dict:
        phone = app.test_client()
        phone.set_cookie(DEVICE_COOKIE, device)
        answer = phone.get(f"/scan/{serials[0]}", headers=JSON, environ_base=CLIENT)
        return answer.get_json()

    def new_phone_same_address(_index: int) -> dict:
        phone = app.test_client()
        phone.set_cookie(DEVICE_COOKIE, scans.new_device_id())  # a fresh cookie every time
        answer = phone.get(f"/scan/{serials[1]}", headers=JSON, environ_base=CLIENT)
        return answer.get_json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        once = list(pool.map(same_phone, range(8)))
        crowd = list(pool.map(new_phone_same_address, range(12)))
    assert {b["verdict"] for b in once} == {"genuine"}
    with app.extensions[EXTENSION_KEY]() as session:
        counts = dict(
            session.execute(
                select(PackCode.serial, PackCode.public_scan_count).where(
                    PackCode.serial.in_(serials)
                )
            ).all()
        )
    assert counts[serials[0]] == 1
    assert counts[serials[1]] == app.config["SCAN_CLIENTS_PER_ADDRESS"]
    assert "exceeded" not in {b["verdict"] for b in crowd}
