"""Monthly partitions of the append-only logs (PostgreSQL): months made ahead, rows of a month
made late moved out of DEFAULT, partitions append-only too, months past their rule's
attached_months detached, archived and dropped only when removable and due; and the scale
benchmark's generator at a tiny size (unique serials, chains that verify, consistent counters).
SQLite keeps plain tables: the same calls find nothing to do there."""

from __future__ import annotations

import datetime as dt
import tarfile

import numpy as np
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bench import scale_data
from bench.pgdb import drop_database
from tests import factories
from trace.db import utcnow
from trace.models.audit import AuditEntry
from trace.models.labels import PackCode
from trace.models.retention import RetentionArchive, RetentionRule
from trace.models.scans import Scan
from trace.services import partitions, retention
from trace.services.labels import SERIAL_ALPHABET, issue_label_run

NOW = dt.datetime(2026, 12, 15, 4, 0, tzinfo=dt.UTC)


@pytest.fixture()
def on_postgres(db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("monthly partitions are PostgreSQL's; SQLite keeps plain tables")


@pytest.fixture()
def code_id(db_session, admin):
    batch = factories.batch(db_session, admin)
    factories.passed_inspection(db_session, admin, batch)
    run = issue_label_run(db_session, admin, batch.id, 1)
    return db_session.scalar(select(PackCode.id).where(PackCode.label_run_id == run.id))


def scan_at(session, code, when):
    session.add(Scan(pack_code_id=code, scanned_at=when, client_hash="ab" * 16, verdict="genuine"))
    session.flush()


def where_rows_are(session, table, key, when):
    return session.scalar(
        text(f"SELECT tableoid::regclass::text FROM {table} WHERE {key} = :w LIMIT 1"), {"w": when}
    )


def is_attached(session, name):
    return bool(
        session.scalar(
            text("SELECT count(*) FROM pg_inherits WHERE inhrelid = CAST(:n AS regclass)"),
            {"n": name},
        )
    )


def exists(session, name):
    return session.scalar(text("SELECT to_regclass(:n)"), {"n": name}) is not None


def test_month_arithmetic():
    assert partitions.add_months(dt.date(2026, 12, 1), 1) == dt.date(2027, 1, 1)
    assert partitions.add_months(dt.date(2026, 1, 1), -25) == dt.date(2023, 12, 1)
    assert partitions.month_start(NOW) == dt.date(2026, 12, 1)
    assert partitions.partition_name("scans", dt.date(2027, 3, 1)) == "scans_p202703"
    assert partitions.is_partition_name("audit_entries_default")
    assert not partitions.is_partition_name("scan_clients")


def test_on_sqlite_the_logs_are_plain_tables_and_nothing_is_made_or_detached(
    db_session, admin, tmp_path
):
    if db_session.get_bind().dialect.name == "postgresql":
        assert partitions.is_partitioned(db_session, "scans")
        return
    assert not partitions.is_partitioned(db_session, "scans")
    assert partitions.ensure_partitions(db_session, NOW) == []
    assert partitions.detach_expired(db_session, admin, tmp_path, NOW) == []


def test_scans_and_audit_entries_go_to_their_month_or_default(on_postgres, db_session, code_id):
    partitions.ensure_partitions(db_session, NOW)
    scan_at(db_session, code_id, NOW)
    scan_at(db_session, code_id, NOW - dt.timedelta(days=3 * 365))
    assert where_rows_are(db_session, "scans", "scanned_at", NOW) == "scans_p202612"
    old = NOW - dt.timedelta(days=3 * 365)
    assert where_rows_are(db_session, "scans", "scanned_at", old) == "scans_default"
    entry_at = db_session.scalar(select(func.max(AuditEntry.at)))
    assert where_rows_are(db_session, "audit_entries", "at", entry_at).startswith("audit_entries_")
    # The key includes the month: the database enforces (id, scanned_at), ids come from one
    # sequence.
    key = db_session.scalar(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST('scans' AS regclass) AND contype = 'p'"
        )
    )
    assert key == "PRIMARY KEY (id, scanned_at)"


def test_months_ahead_are_made_once(on_postgres, db_session):
    first = partitions.ensure_partitions(db_session, NOW + dt.timedelta(days=400))
    assert "scans_p202801" in first and "audit_entries_p202804" in first
    assert partitions.ensure_partitions(db_session, NOW + dt.timedelta(days=400)) == []
    months = partitions.attached_months(db_session, "scans")
    assert {dt.date(2028, m, 1) for m in (1, 2, 3, 4)} <= set(months)


def test_a_month_made_late_takes_its_rows_out_of_default(on_postgres, db_session, code_id):
    later = NOW + dt.timedelta(days=31 * 8)  # no partition yet for that month
    scan_at(db_session, code_id, later)
    assert where_rows_are(db_session, "scans", "scanned_at", later) == "scans_default"
    made = partitions.ensure_partitions(db_session, later)
    name = partitions.partition_name("scans", partitions.month_start(later))
    assert name in made
    assert where_rows_are(db_session, "scans", "scanned_at", later) == name
    assert db_session.scalar(select(func.count(Scan.id)).where(Scan.scanned_at == later)) == 1


def test_a_partition_is_append_only_itself(on_postgres, db_session, code_id):
    partitions.ensure_partitions(db_session, NOW)
    scan_at(db_session, code_id, NOW)
    with pytest.raises(DBAPIError, match="append-only table"), db_session.begin_nested():
        db_session.execute(text("DELETE FROM scans_p202612"))
    with pytest.raises(DBAPIError, match="append-only table"), db_session.begin_nested():
        db_session.execute(text("UPDATE scans_default SET verdict = 'repeat'"))
    assert db_session.scalar(select(func.count(Scan.id)).where(Scan.scanned_at == NOW)) == 1


def test_the_rule_says_how_many_months_stay_attached(db_session):
    rules = {r.record_kind: r for r in db_session.scalars(select(RetentionRule))}
    assert rules["scan"].attached_months == 25  # 730 days and the month under way
    assert rules["audit_entry"].attached_months is None  # kept attached for ever


def test_months_past_the_rule_are_detached_archived_and_dropped_when_due(
    on_postgres, db_session, admin, code_id, tmp_path
):
    old_month = dt.date(2026, 8, 1)
    for month in (old_month, dt.date(2026, 9, 1)):
        partitions.create_partition(db_session, "scans", month)
    partitions.ensure_partitions(db_session, NOW)
    august = dt.datetime(2026, 8, 20, 12, tzinfo=dt.UTC)
    september = dt.datetime(2026, 9, 20, 12, tzinfo=dt.UTC)
    for when in (august, august + dt.timedelta(hours=1), september):
        scan_at(db_session, code_id, when)
    db_session.execute(
        update(RetentionRule)
        .where(RetentionRule.record_kind == "scan")
        .values(attached_months=4, period_days=100)  # Sept.-Dec. stay; August is due
    )
    done = partitions.detach_expired(db_session, admin, tmp_path, NOW)
    assert [(d.partition, d.records, d.dropped) for d in done] == [("scans_p202608", 2, True)]
    assert not exists(db_session, "scans_p202608")
    assert is_attached(db_session, "scans_p202609")
    assert db_session.scalar(select(func.count(Scan.id)).where(Scan.scanned_at == august)) == 0
    assert db_session.scalar(select(func.count(Scan.id)).where(Scan.scanned_at == september)) == 1
    archive = done[0].archive
    manifest = retention.check_archive(tmp_path / archive.archive_name)
    assert manifest["records"] == 2 and manifest["record_kind"] == "scan"
    with tarfile.open(tmp_path / archive.archive_name) as tar:
        member = tar.extractfile("records.jsonl")
        assert member is not None
        lines = member.read().decode().splitlines()
    assert all(f'"pack_code_id": {code_id}' in line for line in lines)
    stored = db_session.scalar(select(RetentionArchive).where(RetentionArchive.id == archive.id))
    assert stored.records == 2
    audit = db_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "retention.detach_partition")
    )
    assert audit is not None and "scans_p202608" in audit.note


def test_a_detached_month_not_yet_due_is_kept_as_a_table(
    on_postgres, db_session, admin, code_id, tmp_path
):
    partitions.create_partition(db_session, "scans", dt.date(2026, 8, 1))
    partitions.ensure_partitions(db_session, NOW)
    scan_at(db_session, code_id, dt.datetime(2026, 8, 20, 12, tzinfo=dt.UTC))
    db_session.execute(
        update(RetentionRule).where(RetentionRule.record_kind == "scan").values(attached_months=4)
    )  # period_days stays 730: August 2026 is detached from the live log but not removed
    done = partitions.detach_expired(db_session, admin, tmp_path, NOW)
    assert [(d.partition, d.records, d.dropped) for d in done] == [("scans_p202608", 1, False)]
    assert exists(db_session, "scans_p202608") and not is_attached(db_session, "scans_p202608")
    assert db_session.scalar(text("SELECT count(*) FROM scans_p202608")) == 1
    with pytest.raises(DBAPIError, match="append-only table"), db_session.begin_nested():
        db_session.execute(text("DELETE FROM scans_p202608"))


def test_the_retention_run_detaches_first(on_postgres, db_session, admin, code_id, tmp_path):
    partitions.create_partition(db_session, "scans", dt.date(2026, 8, 1))
    partitions.ensure_partitions(db_session, NOW)
    scan_at(db_session, code_id, dt.datetime(2026, 8, 20, 12, tzinfo=dt.UTC))
    db_session.execute(
        update(RetentionRule)
        .where(RetentionRule.record_kind == "scan")
        .values(attached_months=2, period_days=30)
    )
    made = retention.run_retention(db_session, admin, tmp_path, tmp_path, NOW)
    names = [a.archive_name for a in made]
    assert names and names[0].startswith("scan-scans_p202608-")


def test_generated_serials_are_unique_and_of_the_alphabet():
    serials = scale_data.serials_for(np.arange(1, 300_001, dtype=np.int64), key=12345)
    assert len(set(serials)) == 300_000
    assert all(len(s) == 10 for s in serials[:1000])
    assert set("".join(serials[:5000])) <= set(SERIAL_ALPHABET)
    assert scale_data.serials_for(np.arange(1, 4, dtype=np.int64), key=1) != serials[:3]


def test_the_generator_at_a_tiny_size(on_postgres, database_url):
    from sqlalchemy.orm import Session

    from trace.db import make_engine
    from trace.services.verify import verify_chains

    server = make_url(database_url).set(query={}).render_as_string(hide_password=False)
    url, figures = scale_data.build(server, codes=3000, scans=1000, events=300, seed=3)
    try:
        rows = figures["rows"]
        assert rows["pack_codes"] == 3000 and rows["scans"] == 1000
        assert rows["scan_clients"] == rows["scan_addresses"] == 1000
        assert rows["trace_events"] >= 300
        assert figures["mib_per_million_codes"] > 0 and figures["mib_per_million_scans"] > 0
        engine = make_engine(url)
        with Session(engine) as session:
            report = verify_chains(session)
            assert report.is_intact and report.events >= 300
            # The counters on the codes are the scans' own.
            counted = session.scalar(select(func.sum(PackCode.public_scan_count)))
            assert counted == session.scalar(select(func.count(Scan.id))) == 1000
            assert session.scalar(text("SELECT count(*) FROM scans_default")) == 0
            # The indexes rebuilt after COPY are on every month, not on the parent only.
            month = partitions.partition_name("scans", partitions.month_start(utcnow()))
            indexes = session.scalars(
                text("SELECT indexdef FROM pg_indexes WHERE tablename = :t"), {"t": month}
            ).all()
            assert len(indexes) == 4 and any("(batch_id)" in d for d in indexes), indexes
            runs = session.execute(
                text("SELECT min(count), max(count) FROM label_runs WHERE template = 'a4-3x8' ")
            ).one()
            assert runs[1] <= 1000
            # Serials keep their unique index (rebuilt after COPY).
            unique = session.scalar(
                text(
                    "SELECT count(*) FROM pg_constraint WHERE conname = 'uq_pack_codes_serial' "
                    "AND contype = 'u'"
                )
            )
            assert unique == 1
        engine.dispose()
    finally:
        drop_database(url)


def test_a_scan_logged_without_its_lot_gets_it_from_the_database(db_session, code_id):
    """scans.batch_id (what a lot's statistics read) is filled by the database for any insert
    that leaves it out: a Core insert here, a restore elsewhere."""
    from sqlalchemy import insert

    lot = db_session.scalar(select(PackCode.batch_id).where(PackCode.id == code_id))
    db_session.execute(
        insert(Scan),
        [
            {
                "pack_code_id": code_id,
                "scanned_at": NOW,
                "client_hash": "cd" * 16,
                "verdict": "repeat",
            }
        ],
    )
    found = db_session.scalar(
        select(Scan.batch_id).where(Scan.pack_code_id == code_id, Scan.verdict == "repeat")
    )
    assert found == lot
