"""`flask --app trace backup create|restore|scheduled`: one archive holds the instance."""

from __future__ import annotations

import os
from pathlib import Path

import click
from alembic import command
from alembic.runtime.migration import MigrationContext
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from trace import storage
from trace.errors import TraceError
from trace.messages import describe
from trace.models import Batch, Inspection, PackCode, Scan, TraceEvent
from trace.services import backup, checkpoints
from trace.services.verify import verify_chains

backup_cli = AppGroup("backup", help="Backups: one archive with the database, secrets and files.")


def _engine() -> Engine:
    engine: Engine = current_app.extensions["trace.engine"]
    return engine


def _session() -> Session:
    session: Session = current_app.extensions["trace.sessionmaker"]()
    return session


def layout() -> backup.Layout:
    config = current_app.config
    return backup.Layout(
        database_url=config["DATABASE_URL"],
        instance_dir=storage.instance_dir(config),
        folders=storage.folders(config),
    )


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        revision: str | None = MigrationContext.configure(connection).get_current_revision()
        return revision


def _counts(session: Session) -> dict[str, int]:
    models = {
        "batches": Batch.id,
        "trace_events": TraceEvent.id,
        "inspections": Inspection.id,
        "pack_codes": PackCode.id,
        "scans": Scan.id,
    }
    return {
        name: session.scalar(select(func.count(column))) or 0 for name, column in models.items()
    }


def make_backup(out: Path) -> backup.Manifest:
    engine = _engine()
    with _session() as session:
        counts = _counts(session)
    return backup.create_backup(
        layout(),
        engine,
        out,
        _revision(engine),
        counts,
        secret_key_in_env=bool(os.environ.get("TRACE_SECRET_KEY")),
    )


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def create_command(file: Path) -> None:
    """Write FILE (.tar.gz): database snapshot, secrets, uploads and files, checksummed."""
    try:
        manifest = make_backup(file)
    except TraceError as error:
        raise click.ClickException(describe(error.message)) from None
    click.echo(
        f"backup written to {file}: {manifest.dialect} database at revision "
        f"{manifest.schema_revision}, {len(manifest.files)} files, "
        + ", ".join(f"{n} {name}" for name, n in manifest.counts.items())
    )
    if not manifest.secret_key_in_archive:
        click.echo("note: TRACE_SECRET_KEY comes from the environment; keep it with the archive")


@backup_cli.command("scheduled")
@click.option("--keep", type=int, default=None, help="archives to keep (default BACKUP_KEEP)")
def scheduled_command(keep: int | None) -> None:
    """The daily job: a dated archive in BACKUP_DIR, then only the newest --keep kept."""
    from trace.records_jobs import scheduled_backup

    try:
        line = scheduled_backup(current_app._get_current_object(), keep)  # type: ignore[attr-defined]
    except TraceError as error:
        raise click.ClickException(describe(error.message)) from None
    click.echo(line)


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Restore FILE into this (empty) instance: check, restore, migrate, verify."""
    engine = _engine()
    try:
        manifest = backup.restore_backup(layout(), engine, file)
    except TraceError as error:
        raise click.ClickException(describe(error.message)) from None
    click.echo(
        f"restored {manifest['dialect']} database (revision {manifest['schema_revision']}, "
        f"made {manifest['created_at']}) and {len(manifest['files'])} files"
    )
    from trace.cli import alembic_config

    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), "heads")
    revision = _revision(engine)
    if revision != manifest["schema_revision"]:
        click.echo(f"migrated from {manifest['schema_revision']} to {revision}")
    with _session() as session:
        counts = _counts(session)
        report = verify_chains(session)
        latest = checkpoints.latest_checkpoint(session)
        against = None
        if latest is not None:
            document = checkpoints.checkpoint_document(latest)
            against = checkpoints.check_against(session, document["checkpoint"], document["leaves"])
    if counts != manifest["counts"]:
        raise click.ClickException(f"row counts differ: archive {manifest['counts']}, now {counts}")
    click.echo(f"checked {report.events} events in {report.lots} lots")
    if not report.is_intact or (against is not None and not against.is_consistent):
        for link in report.broken:
            click.echo(f"BROKEN {link.describe()}", err=True)
        raise SystemExit(1)
    if against is not None:
        click.echo(f"consistent with checkpoint {latest.sequence if latest else ''}")
    click.echo("all chains intact")
    if not manifest.get("secret_key_in_archive", True):
        click.echo("note: set TRACE_SECRET_KEY to the old instance's value before serving")
