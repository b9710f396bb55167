"""`flask --app trace verify [--against CHECKPOINT]`: recompute every lot's hash chain and
compare with the lots' counters (and a kept checkpoint); exit 1 naming each lot that changed."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.cli_checkpoint import load_document, public_key_for
from trace.errors import TraceError
from trace.messages import describe
from trace.models.batches import Batch
from trace.services import checkpoints
from trace.services.verify import verify_chains


@click.command("verify")
@click.option("--lot", "lots", multiple=True, help="check only this lot (repeat for more)")
@click.option(
    "--against",
    "against",
    metavar="CHECKPOINT",
    help="a checkpoint document (file or URL): also name lots deleted, truncated or rewritten "
    "since it was signed",
)
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM key to check the checkpoint's signature with (default: this instance's own)",
)
@click.option("--record", is_flag=True, help="keep the outcome for the regulator's page")
@with_appcontext
def verify_command(
    lots: tuple[str, ...], against: str | None, public_key: str | None, record: bool
) -> None:
    """Check the hash chains of every lot (or of --lot LOT); exit status 1 if any is broken."""
    if against:
        if lots:
            raise click.UsageError("--against checks every lot; leave out --lot")
        _verify_against(against, public_key, record)
        return
    session: Session = current_app.extensions["trace.sessionmaker"]()
    try:
        batch_ids = None
        if lots:
            query = select(Batch.lot, Batch.id).where(Batch.lot.in_(lots))
            found = {lot: batch_id for lot, batch_id in session.execute(query)}
            missing = sorted(set(lots) - set(found))
            if missing:
                raise click.ClickException(f"no such lot: {', '.join(missing)}")
            batch_ids = list(found.values())
        report = verify_chains(session, batch_ids)
    finally:
        session.close()
    click.echo(f"checked {report.events} events in {report.lots} lots")
    if report.is_intact:
        click.echo("all chains intact")
        return
    for link in report.broken:
        click.echo(f"BROKEN {link.describe()}", err=True)
    raise SystemExit(1)


def _verify_against(source: str, public_key: str | None, record: bool) -> None:
    try:
        document = load_document(source)
        body, leaves = checkpoints.verify_document(document, public_key_for(public_key))
    except TraceError as error:
        raise click.ClickException(describe(error.message)) from None
    click.echo(
        f"checkpoint {body['sequence']} of {body['created_at']}: signature good, "
        f"{body['lot_count']} lots, {body['event_count']} events"
    )
    session: Session = current_app.extensions["trace.sessionmaker"]()
    try:
        report = checkpoints.check_against(session, body, leaves)
        if record:
            checkpoints.record_check(session, report)
            session.commit()
    finally:
        session.close()
    click.echo(f"checked {report.events} events in {report.lots} lots")
    if report.is_consistent:
        click.echo("consistent with the checkpoint: nothing deleted, truncated or rewritten")
        return
    for problem in report.problems:
        click.echo(f"CHANGED {problem.describe()}", err=True)
    raise SystemExit(1)
