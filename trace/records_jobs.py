"""The daily records jobs, as plain functions of the app: the CLI runs them (`records daily`,
`backup scheduled`), and so can cron or the task queue's periodic scheduler. Each step owns its
transaction, like the CLI."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from trace import storage
from trace.errors import TraceError
from trace.messages import describe
from trace.services import backup, checkpoints, partitions, retention


def daily_records(app: Flask) -> list[str]:
    """Create the partitioned logs' months ahead (PostgreSQL), check today's data against the
    latest checkpoint (kept for the regulator's page), sign the next checkpoint, then the
    retention run (which detaches months past their rule first). Returns a line per step."""
    from trace.cli_checkpoint import signing_key

    factory = app.extensions["trace.sessionmaker"]
    lines: list[str] = []
    with app.app_context():
        with factory() as session:
            created = partitions.ensure_partitions(session)
            session.commit()
            if created:
                lines.append(f"partitions created ahead: {', '.join(created)}")
        with factory() as session:
            latest = checkpoints.latest_checkpoint(session)
            if latest is not None:
                document = checkpoints.checkpoint_document(latest)
                report = checkpoints.check_against(
                    session, document["checkpoint"], document["leaves"]
                )
                checkpoints.record_check(session, report)
                session.commit()
                state = "consistent" if report.is_consistent else f"{len(report.problems)} changes"
                lines.append(f"against checkpoint {latest.sequence}: {state}")
        with factory() as session:
            try:
                cp = checkpoints.create_checkpoint(session, signing_key())
                session.commit()
                lines.append(f"checkpoint {cp.sequence}: {cp.lot_count} lots, root {cp.root}")
            except TraceError as error:
                session.rollback()
                lines.append(f"no checkpoint: {describe(error.message)}")
        with factory() as session:
            made = retention.run_retention(
                session,
                None,
                storage.archive_dir(app.config),
                storage.feedback_upload_dir(app.config),
            )
            session.commit()
            lines.extend(
                f"retention: {a.records} {a.record_kind} archived ({a.archive_name})" for a in made
            )
    return lines


def scheduled_backup(app: Flask, keep: int | None = None) -> str:
    """A dated archive in BACKUP_DIR, then only the newest `keep` (BACKUP_KEEP) kept.

    Raises BackupError."""
    from trace.cli_backup import make_backup

    folder = storage.backup_dir(app.config)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    with app.app_context():
        make_backup(folder / f"trace-{stamp}.tar.gz")
    removed = backup.prune_backups(folder, keep or int(app.config["BACKUP_KEEP"]))
    return f"backup trace-{stamp}.tar.gz in {folder}; {len(removed)} older removed"
