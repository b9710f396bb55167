"""`flask --app trace verify`: recompute every lot's hash chain; exit 1 naming each first break."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.models.batches import Batch
from trace.services.verify import verify_chains


@click.command("verify")
@click.option("--lot", "lots", multiple=True, help="check only this lot (repeat for more)")
@with_appcontext
def verify_command(lots: tuple[str, ...]) -> None:
    """Check the hash chains of every lot (or of --lot LOT); exit status 1 if any is broken."""
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
