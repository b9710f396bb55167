"""`flask --app trace retention|privacy|records`: retention runs, lawful erasure, the daily job."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from trace import storage
from trace.errors import TraceError
from trace.messages import describe
from trace.services import erasure, partitions, retention

retention_cli = AppGroup("retention", help="Retention periods: what is due, and the removal run.")
privacy_cli = AppGroup("privacy", help="Lawful erasure of personal data (audited).")
records_cli = AppGroup("records", help="The daily records job: check, checkpoint, retention.")


def _session() -> Session:
    session: Session = current_app.extensions["trace.sessionmaker"]()
    return session


@retention_cli.command("list")
def retention_list() -> None:
    """Each record kind's period, legal source and how many records are past it."""
    with _session() as session:
        for due in retention.due_now(session):
            rule = due.rule
            action = "archive+remove" if rule.is_removable else "kept"
            count = "-" if due.count is None else str(due.count)
            click.echo(
                f"{rule.record_kind:<24} {rule.period_days:>5} days from {rule.counted_from:<13}"
                f" past: {count:>8}  {action}  {rule.legal_source}"
            )


@retention_cli.command("partitions")
def retention_partitions() -> None:
    """Create the partitioned logs' months ahead (PostgreSQL; the daily job does it too)."""
    with _session() as session:
        if not partitions.is_partitioned(session, "scans"):
            click.echo("the logs are plain tables on this database (partitions are PostgreSQL's)")
            return
        made = partitions.ensure_partitions(session)
        session.commit()
    click.echo(f"created {', '.join(made)}" if made else "every month ahead has its partition")


@retention_cli.command("run")
def retention_run() -> None:
    """Archive (and check the archive), then remove what is past its period and may go."""
    with _session() as session:
        try:
            made = retention.run_retention(
                session,
                None,
                storage.archive_dir(current_app.config),
                storage.feedback_upload_dir(current_app.config),
            )
            session.commit()
        except TraceError as error:
            session.rollback()
            raise click.ClickException(describe(error.message)) from None
        for archive in made:
            click.echo(
                f"{archive.record_kind}: {archive.records} archived to {archive.archive_name} "
                f"(sha256 {archive.sha256}) and removed"
            )
    if not made:
        click.echo("nothing past its period that may be removed")


@privacy_cli.command("erase-producer")
@click.argument("producer_id", type=int)
@click.option("--reason", required=True, help="the request or legal ground, kept in the audit")
def erase_producer(producer_id: int, reason: str) -> None:
    """Erase a farmer's name and phone, also from audit snapshots; chains stay verifiable."""
    with _session() as session:
        try:
            redacted = erasure.erase_producer(session, None, producer_id, reason, system=True)
            session.commit()
        except TraceError as error:
            session.rollback()
            raise click.ClickException(describe(error.message)) from None
    click.echo(f"producer {producer_id}: name and phone erased, {redacted} audit entries redacted")


@records_cli.command("daily")
def records_daily() -> None:
    """The daily job (cron it, or let the task queue run it): check, checkpoint, retention."""
    from trace.records_jobs import daily_records

    for line in daily_records(current_app._get_current_object()):  # type: ignore[attr-defined]
        click.echo(line)
