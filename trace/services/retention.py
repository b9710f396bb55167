"""Retention: how long each kind of record is kept (rules as data, with their legal source),
what is past its period, and the run that archives and then removes what may go.

Only two kinds are ever removed: scan log rows (pseudonymous) and complaint photos; their rules
say why. Trace events, inspections, sales records, compliance certificates and audit entries are
kept beyond their legal minimum: the chains and the published checkpoints commit to them, and a
printed code resolves for ever. On PostgreSQL the scan log is partitioned by month, and whole
months go first, by partition (trace.services.partitions, the rule's attached_months). Removal is
always: export to an archive file, read the archive back and check its count and checksum, then
delete exactly what was exported, in one transaction, with an audit entry and a RetentionArchive
row naming the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import TraceError, problem
from trace.models.audit import AuditEntry
from trace.models.batches import Batch
from trace.models.compliance import ComplianceRecord
from trace.models.events import EventType, TraceEvent
from trace.models.feedback import FeedbackReport
from trace.models.inspections import Inspection
from trace.models.retention import RetentionArchive, RetentionRule
from trace.models.scans import Scan
from trace.policy import Actor, authorize
from trace.services.audit import record_change

SALES_EVENTS = (EventType.SHIPPING, EventType.RECEIVING)


class RetentionError(TraceError):
    """An archive did not read back as written: nothing was removed."""

    code = "retention_error"


@dataclass(frozen=True)
class Due:
    rule: RetentionRule
    cutoff: dt.datetime  # records counted from before this are past their period
    count: int | None  # None: this kind has no records of its own here (kept with the lot)

    @property
    def will_be_removed(self) -> bool:
        return self.rule.is_removable and bool(self.count)


def _cutoff(rule: RetentionRule, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=rule.period_days)


def _count_due(session: Session, kind: str, cutoff: dt.datetime) -> int | None:
    queries: dict[str, Any] = {
        "scan": select(func.count(Scan.id)).where(Scan.scanned_at < cutoff),
        "complaint_photo": select(func.count(FeedbackReport.id)).where(
            FeedbackReport.photo_stored_name.is_not(None), FeedbackReport.closed_at < cutoff
        ),
        "production_event": select(func.count(TraceEvent.id))
        .join(Batch, Batch.id == TraceEvent.batch_id)
        .where(Batch.harvested_on < cutoff.date()),
        "inspection": select(func.count(Inspection.id)).where(Inspection.tested_on < cutoff.date()),
        "sales_record": select(func.count(TraceEvent.id)).where(
            TraceEvent.event_type.in_(SALES_EVENTS), TraceEvent.occurred_at < cutoff
        ),
        "audit_entry": select(func.count(AuditEntry.id)).where(AuditEntry.at < cutoff),
        "compliance_certificate": select(func.count(ComplianceRecord.id)).where(
            ComplianceRecord.issued_at < cutoff
        ),
    }
    query = queries.get(kind)
    return None if query is None else int(session.scalar(query) or 0)


def list_due(session: Session, actor: Actor | None, now: dt.datetime | None = None) -> list[Due]:
    """Every rule with how many records are past their period (regulators, admins).

    Raises PermissionDeniedError."""
    authorize(actor, "audit.read")
    return due_now(session, now)


def due_now(session: Session, now: dt.datetime | None = None) -> list[Due]:
    moment = now or utcnow()
    rules = session.scalars(select(RetentionRule).order_by(RetentionRule.record_kind))
    return [
        Due(
            rule,
            _cutoff(rule, moment),
            _count_due(session, rule.record_kind, _cutoff(rule, moment)),
        )
        for rule in rules
    ]


# Archives ----------------------------------------------------------------------------------


def write_archive(
    path: Path, kind: str, cutoff: dt.datetime, rows: list[dict[str, Any]], files: dict[str, Path]
) -> str:
    """records.jsonl (+ files) and a manifest with their checksums; returns the file's sha256."""
    records = "".join(
        json.dumps(row, ensure_ascii=False, sort_keys=True, default=str) + "\n" for row in rows
    ).encode()
    manifest = {
        "format": "dayao-trace-retention-archive/1",
        "record_kind": kind,
        "cutoff_at": cutoff.isoformat(),
        "records": len(rows),
        "records_sha256": hashlib.sha256(records).hexdigest(),
        "files": {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in files.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        for name, data in (
            ("records.jsonl", records),
            ("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o600
            archive.addfile(info, io.BytesIO(data))
        for name, file in files.items():
            archive.add(file, f"files/{name}")
    partial.rename(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_archive(path: Path) -> dict[str, Any]:
    """Read an archive back: records and files must match its manifest. Raises RetentionError."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = json.load(_member(archive, "manifest.json"))
            records = _member(archive, "records.jsonl").read()
            files = {
                name: hashlib.sha256(_member(archive, f"files/{name}").read()).hexdigest()
                for name in manifest["files"]
            }
    except (OSError, KeyError, ValueError, tarfile.TarError) as error:
        raise RetentionError(problem("retention.unreadable", file=path.name, error=error)) from None
    lines = records.decode().splitlines()
    if hashlib.sha256(records).hexdigest() != manifest["records_sha256"]:
        raise RetentionError(problem("retention.checksum", file=path.name))
    if len(lines) != manifest["records"] or files != manifest["files"]:
        raise RetentionError(problem("retention.manifest", file=path.name))
    return dict(manifest)


def _member(archive: tarfile.TarFile, name: str) -> Any:
    member = archive.extractfile(name)
    if member is None:
        raise KeyError(name)
    return member


# Removal -----------------------------------------------------------------------------------


def _lawful(session: Session, table: str) -> None:
    """Open one append-only table to this transaction's statements (the PostgreSQL trigger
    checks the setting; SET LOCAL ends with the transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('trace.lawful_rewrite', :t, true)"), {"t": table})


def _scan_rows(session: Session, cutoff: dt.datetime) -> Iterator[dict[str, Any]]:
    query = select(Scan).where(Scan.scanned_at < cutoff).order_by(Scan.id)
    for scan in session.scalars(query.execution_options(yield_per=5000)):
        yield {
            "id": scan.id,
            "pack_code_id": scan.pack_code_id,
            "batch_id": scan.batch_id,
            "scanned_at": scan.scanned_at.isoformat(),
            "client_hash": scan.client_hash,
            "user_agent_family": scan.user_agent_family,
            "is_public": scan.is_public,
            "verdict": scan.verdict,
            "is_counted": scan.is_counted,
            "region": scan.region,
        }


def _remove_scans(session: Session, cutoff: dt.datetime, path: Path) -> tuple[int, str]:
    rows = list(_scan_rows(session, cutoff))
    if not rows:
        return 0, ""
    digest = write_archive(path, "scan", cutoff, rows, {})
    check_archive(path)
    last = rows[-1]["id"]
    _lawful(session, "scans")
    result = session.execute(
        delete(Scan)
        .where(Scan.scanned_at < cutoff, Scan.id <= last)
        .execution_options(synchronize_session=False)
    )
    removed = getattr(result, "rowcount", -1)
    if removed != len(rows):
        raise RetentionError(
            problem("retention.count_mismatch", exported=len(rows), removed=removed)
        )
    return len(rows), digest


def _remove_photos(
    session: Session, cutoff: dt.datetime, path: Path, photo_dir: Path
) -> tuple[int, str]:
    reports = list(
        session.scalars(
            select(FeedbackReport)
            .where(FeedbackReport.photo_stored_name.is_not(None), FeedbackReport.closed_at < cutoff)
            .order_by(FeedbackReport.id)
        )
    )
    if not reports:
        return 0, ""
    files = {
        r.photo_stored_name: photo_dir / r.photo_stored_name
        for r in reports
        if r.photo_stored_name and (photo_dir / r.photo_stored_name).is_file()
    }
    rows = [
        {
            "report_id": r.id,
            "reference": r.reference,
            "closed_at": r.closed_at.isoformat() if r.closed_at else None,
            "photo": r.photo_stored_name,
            "content_type": r.photo_content_type,
            "file_kept": r.photo_stored_name in files,
        }
        for r in reports
    ]
    digest = write_archive(path, "complaint_photo", cutoff, rows, files)
    check_archive(path)
    for report in reports:
        report.photo_stored_name = None
        report.photo_size_bytes = None
        report.photo_content_type = ""
    session.flush()
    # Files go last: were the transaction to fail, the archive still holds them.
    for file in files.values():
        file.unlink(missing_ok=True)
    return len(rows), digest


REMOVERS: dict[str, Callable[..., tuple[int, str]]] = {
    "scan": _remove_scans,
    "complaint_photo": _remove_photos,
}


def run_retention(
    session: Session,
    actor: Actor | None,
    archive_dir: Path,
    photo_dir: Path,
    now: dt.datetime | None = None,
) -> list[RetentionArchive]:
    """Archive, check, then remove whatever removable kind is past its period (flushes; the
    caller commits). Kinds not removable are never touched. Raises RetentionError."""
    from trace.services.partitions import detach_expired

    moment = (now or utcnow()).replace(microsecond=0)
    # Whole months of a partitioned log first (PostgreSQL): detached, archived, dropped when due.
    made = [d.archive for d in detach_expired(session, actor, archive_dir, moment)]
    for due in due_now(session, moment):
        remover = REMOVERS.get(due.rule.record_kind)
        if not due.will_be_removed or remover is None:
            continue
        name = f"{due.rule.record_kind}-{moment.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"
        path = archive_dir / name
        extra = (photo_dir,) if due.rule.record_kind == "complaint_photo" else ()
        count, digest = remover(session, due.cutoff, path, *extra)
        if not count:
            continue
        archive = RetentionArchive(
            record_kind=due.rule.record_kind,
            created_at=moment,
            cutoff_at=due.cutoff,
            records=count,
            archive_name=name,
            sha256=digest,
            actor_id=actor.id if actor is not None else None,
        )
        session.add(archive)
        record_change(session, actor, "retention.remove", archive, note=due.rule.legal_source)
        made.append(archive)
    return made


def list_archives(session: Session, actor: Actor | None, limit: int = 20) -> list[RetentionArchive]:
    """The latest retention runs (regulators, admins). Raises PermissionDeniedError."""
    authorize(actor, "audit.read")
    query = select(RetentionArchive).order_by(RetentionArchive.id.desc()).limit(limit)
    return list(session.scalars(query))
