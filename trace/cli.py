"""Command-line tasks: `flask --app trace db|users|demo ...`."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.cli_backup import backup_cli
from trace.cli_checkpoint import checkpoint_cli
from trace.cli_records import privacy_cli, records_cli, retention_cli
from trace.cli_verify import verify_command
from trace.errors import TraceError
from trace.messages import describe
from trace.models import Batch, PackCode, Product
from trace.models.users import Role
from trace.schema import alembic_config, downgrade_losses

__all__ = ["alembic_config", "init_app"]
ROOT = Path(__file__).resolve().parent.parent


def sample_pack_path(session: Session) -> str | None:
    """The Digital Link path of one active demo pack, for people trying the scan page."""
    row = session.execute(
        select(Product.gtin, Batch.lot, PackCode.serial)
        .join(Batch, Batch.id == PackCode.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(PackCode.status == "active")
        .order_by(PackCode.id)
        .limit(1)
    ).first()
    return f"/01/{row.gtin}/10/{row.lot}/21/{row.serial}" if row else None


def _session() -> Session:
    session: Session = current_app.extensions["trace.sessionmaker"]()
    return session


db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
users_cli = AppGroup("users", help="Staff accounts.")
demo_cli = AppGroup("demo", help="Dayao demonstration data (every invented name says 示例).")
targets_cli = AppGroup("targets", help="The county plan's targets and milestones.")


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: every head)."""
    if current_app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(current_app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_cli.command("downgrade")
@click.argument("revision")
@click.option("--force", is_flag=True, help="drop tables and columns even when they hold data")
def db_downgrade(revision: str, force: bool) -> None:
    """Revert migrations down to REVISION (e.g. base). Refuses, saying what would be lost,
    when the downgrade would drop tables or columns holding data, unless --force is given."""
    url = current_app.config["DATABASE_URL"]
    try:
        losses = downgrade_losses(url, revision)
    except Exception as exc:  # the trial itself failed: the real downgrade would too
        raise click.ClickException(
            f"downgrading to {revision} fails on this database ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0]}); nothing was changed"
        ) from None
    if losses and not force:
        listing = "\n".join(f"  {loss}" for loss in losses)
        raise click.ClickException(
            f"downgrading to {revision} would destroy data:\n{listing}\n"
            "Nothing was changed. Back the database up, then run again with --force."
        )
    if losses:
        click.echo("dropping, as --force asks: " + "; ".join(losses), err=True)
    command.downgrade(alembic_config(url), revision)


@db_cli.command("check")
def db_check() -> None:
    """Exit 0 when the database is at this code's migration head, else say what to do (1)."""
    from trace.schema import check_engine

    state = check_engine(current_app.extensions["trace.engine"])
    if not state.at_head:
        raise click.ClickException(state.problem())
    click.echo(f"database at revision {state.revision} (head)")


@click.command("worker")
@click.option("--workers", type=int, default=None, help="jobs run at once (TRACE_JOB_WORKERS)")
def worker_command(workers: int | None) -> None:
    """Run the background job worker (label PDFs, exports, large label runs) until Ctrl-C."""
    from trace.queue import run_worker
    from trace.schema import check_engine

    state = check_engine(current_app.extensions["trace.engine"])
    if not state.at_head:
        raise click.ClickException(f"the job worker does not start: {state.problem()}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_worker(app, workers or int(app.config["JOB_WORKERS"]))


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@click.option("--township", "township_code", default=None, help="township code, for station staff")
def users_create(
    email: str, role: str, password: str, name: str, township_code: str | None
) -> None:
    """Create a staff account."""
    from trace.services.users import create_user

    with _session() as session:
        try:
            user = create_user(
                session, None, email, role, password, name, township_code, system=True
            )
        except TraceError as exc:
            fields = "; ".join(
                f"{k}: {', '.join(describe(m) for m in v)}" for k, v in exc.errors.items()
            )
            message = f"{describe(exc.message)} ({fields})" if fields else describe(exc.message)
            raise click.ClickException(message) from None
        session.commit()
        click.echo(f"created {user.role.value} user {user.email} (id {user.id})")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the Dayao demo data unless it is already there (safe to run twice)."""
    from trace.demo import DEMO_PASSWORD, load_demo

    with _session() as session:
        created = load_demo(session)
        session.commit()
    if created:
        click.echo("demo data loaded")
    else:
        click.echo("demo data already present; nothing changed")
    click.echo(f"demo accounts (password {DEMO_PASSWORD}):")
    for role in Role:
        click.echo(f"  {role.value + '@demo.dayao.example.cn':<34} {role.value}")
    with _session() as session:
        sample = sample_pack_path(session)
    if sample:
        click.echo(f"a demo pack's QR code (open it after the host): {sample}")


@targets_cli.command("seed")
def targets_seed() -> None:
    """Add the plan's targets (trace/plan_targets.json) that are missing, with their milestones;
    targets already there keep the office's values. Safe to run twice."""
    from trace.services.targets import seed_plan

    with _session() as session:
        added = seed_plan(session)
        session.commit()
    click.echo(f"targets added: {', '.join(added)}" if added else "every target is there")


def init_app(app: Flask) -> None:
    for group in (db_cli, users_cli, demo_cli, targets_cli):
        app.cli.add_command(group)
    app.cli.add_command(verify_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(checkpoint_cli)
    app.cli.add_command(backup_cli)
    for group in (retention_cli, privacy_cli, records_cli):
        app.cli.add_command(group)
