"""Retention: periods are data with their legal source; a run archives, checks the archive and
removes only what is past its period and may go; trace records are never removed; a lawful
erasure of a farmer's data keeps every chain verifiable."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import tarfile

from sqlalchemy import func, select

from tests import factories
from tests.records.conftest import run_cli
from trace.db import utcnow
from trace.models.audit import AuditEntry
from trace.models.events import TraceEvent
from trace.models.feedback import FeedbackReport, ReportKind, ReportStatus
from trace.models.labels import PackCode
from trace.models.retention import RetentionArchive, RetentionRule
from trace.models.scans import Scan
from trace.services import erasure, retention
from trace.services.labels import issue_label_run
from trace.services.verify import verify_chains

NOW = utcnow().replace(microsecond=0)
YEAR = dt.timedelta(days=365)


def test_every_rule_names_its_legal_source_and_only_two_kinds_may_go(db_session):
    rules = {r.record_kind: r for r in db_session.scalars(select(RetentionRule))}
    assert set(rules) >= {
        "production_event",
        "inspection",
        "sales_record",
        "compliance_certificate",
        "audit_entry",
        "scan",
        "complaint_photo",
    }
    assert all(rule.legal_source and rule.reason for rule in rules.values())
    assert {k for k, r in rules.items() if r.is_removable} == {"scan", "complaint_photo"}
    assert rules["production_event"].period_days == 730  # 农产品质量安全法: at least two years
    assert rules["compliance_certificate"].period_days >= 182  # at least six months


def scan(session, code_id, when):
    row = Scan(pack_code_id=code_id, scanned_at=when, client_hash="ab" * 16, verdict="genuine")
    session.add(row)
    session.flush()
    return row


def report(session, photo_dir, closed_at, status=ReportStatus.CLOSED):
    name = secrets.token_hex(16) + ".jpg"
    (photo_dir / name).write_bytes(b"\xff\xd8\xff photo " + name.encode())
    row = FeedbackReport(
        reference=f"FK-TEST-{secrets.token_hex(4)}",
        kind=ReportKind.COUNTERFEIT,
        description="包装可疑",
        status=status,
        closed_at=closed_at,
        photo_stored_name=name,
        photo_content_type="image/jpeg",
        photo_size_bytes=10,
    )
    session.add(row)
    session.flush()
    return row


def test_a_run_archives_then_removes_only_what_is_due(db_session, admin, tmp_path):
    # An old harvest: its events are far past the two-year minimum and must stay anyway.
    batch = factories.batch(db_session, admin, harvested_on=dt.date(2021, 9, 15))
    factories.passed_inspection(db_session, admin, batch)
    run = issue_label_run(db_session, admin, batch.id, 1)
    code = db_session.scalar(select(PackCode.id).where(PackCode.label_run_id == run.id))
    old_scan_id = scan(db_session, code, NOW - 3 * YEAR).id
    recent_scan = scan(db_session, code, NOW - YEAR)
    photo_dir = tmp_path / "photos"
    photo_dir.mkdir()
    old_report = report(db_session, photo_dir, NOW - 4 * YEAR)
    recent_report = report(db_session, photo_dir, NOW - YEAR)
    open_report = report(db_session, photo_dir, None, ReportStatus.IN_PROGRESS)
    old_photo, old_reference = old_report.photo_stored_name, old_report.reference
    events_before = db_session.scalar(select(func.count(TraceEvent.id)))

    due = {d.rule.record_kind: d for d in retention.due_now(db_session, NOW)}
    assert due["scan"].count == 1 and due["complaint_photo"].count == 1
    assert due["production_event"].count >= 1 and not due["production_event"].will_be_removed

    archives = retention.run_retention(db_session, admin, tmp_path / "archives", photo_dir, NOW)
    assert {a.record_kind: a.records for a in archives} == {"scan": 1, "complaint_photo": 1}

    remaining = set(db_session.scalars(select(Scan.id).where(Scan.pack_code_id == code)))
    assert remaining == {recent_scan.id}
    db_session.expire_all()
    assert db_session.get(FeedbackReport, old_report.id).photo_stored_name is None
    assert not (photo_dir / old_photo).exists()
    for kept in (recent_report, open_report):
        assert (photo_dir / db_session.get(FeedbackReport, kept.id).photo_stored_name).is_file()
    # Trace records are never removed: same events, chains intact.
    assert db_session.scalar(select(func.count(TraceEvent.id))) == events_before
    assert verify_chains(db_session).is_intact

    # The archives read back, hold what was removed, and are recorded and audited.
    for archive in archives:
        path = tmp_path / "archives" / archive.archive_name
        manifest = retention.check_archive(path)
        assert manifest["records"] == archive.records
        with tarfile.open(path) as opened:
            rows = [json.loads(x) for x in opened.extractfile("records.jsonl").read().splitlines()]
            if archive.record_kind == "scan":
                assert [r["id"] for r in rows] == [old_scan_id]
            else:
                assert rows[0]["reference"] == old_reference
                assert opened.extractfile(f"files/{old_photo}").read().startswith(b"\xff\xd8")
    assert db_session.scalar(select(func.count(RetentionArchive.id))) == 2
    audited = db_session.scalars(
        select(AuditEntry.note).where(AuditEntry.action == "retention.remove")
    ).all()
    assert len(audited) == 2 and all("法" in note for note in audited)

    # A second run finds nothing more to do.
    again = retention.run_retention(db_session, admin, tmp_path / "archives", photo_dir, NOW)
    assert again == []


def test_the_commands_list_and_run(app, db_session):
    listed = run_cli(app, "retention", "list")
    assert listed.exit_code == 0
    assert "scan" in listed.output and "个人信息保护法" in listed.output
    ran = run_cli(app, "retention", "run")
    assert ran.exit_code == 0, ran.output


def test_erasing_a_farmers_data_keeps_the_chains_verifiable(app, db_session, admin):
    farmer = factories.producer(
        db_session, admin, name="罗桂芬", kind="farmer", credit_code=None, phone="13900001111"
    )
    batch = factories.batch(db_session, admin, producer_id=farmer.id)
    redacted = erasure.erase_producer(db_session, admin, farmer.id, "本人申请删除（个保法第47条）")
    assert redacted >= 1
    db_session.expire_all()
    assert db_session.get(type(farmer), farmer.id).name == erasure.ERASED
    snapshots = db_session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "producers", AuditEntry.entity_id == str(farmer.id)
        )
    ).all()
    text = json.dumps([[s.before, s.after] for s in snapshots], ensure_ascii=False)
    assert "罗桂芬" not in text and "13900001111" not in text
    assert any(s.action == "personal_data.erase" and "个保法" in s.note for s in snapshots)
    assert verify_chains(db_session, [batch.id]).is_intact
    result = run_cli(app, "verify", "--lot", batch.lot)
    assert result.exit_code == 0


def test_the_daily_job_checks_then_signs(app, db_session, make_lot):
    make_lot()
    first = run_cli(app, "records", "daily")
    assert first.exit_code == 0, first.output
    assert "checkpoint 1:" in first.output and "against" not in first.output
    second = run_cli(app, "records", "daily")
    assert "against checkpoint 1: consistent" in second.output
    assert "checkpoint 2:" in second.output


def test_the_worker_runs_the_daily_jobs_at_night_in_dayao(app, tmp_path, monkeypatch):
    """Registered on the task queue's scheduler (trace.queue): records at 02:15 and the backup
    at 02:45 Asia/Shanghai, i.e. 18:15 and 18:45 UTC, and at no other minute."""
    import datetime as dt

    from trace.queue import JobQueue

    monkeypatch.setitem(app.config, "QUEUE_FILE", str(tmp_path / "queue.db"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    huey, _task = JobQueue(app).get()

    def due(hour, minute):
        moment = dt.datetime(2026, 12, 1, hour, minute)
        return {task.name for task in huey.read_periodic(moment)} - {"recover-jobs"}

    assert due(18, 15) == {"records-daily"}
    assert due(18, 45) == {"records-backup"}
    assert due(2, 15) == set() and due(18, 16) == set()
