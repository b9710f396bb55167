"""`flask --app trace checkpoint`: sign every lot's chain head now; proofs and the public key."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from trace.errors import TraceError
from trace.messages import describe
from trace.services import checkpoints
from trace.storage import checkpoint_key_path


def _session() -> Session:
    session: Session = current_app.extensions["trace.sessionmaker"]()
    return session


def signing_key() -> Any:
    """The instance's Ed25519 key (created on first use, kept in the instance folder)."""
    return checkpoints.load_or_create_key(checkpoint_key_path(current_app.config))


def load_document(source: str) -> dict[str, Any]:
    """A checkpoint or proof document from a file or an http(s) URL the operator gave."""
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=60) as answer:
                data = answer.read()
        else:
            data = Path(source).read_bytes()
        document = json.loads(data)
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot read {source}: {error}") from None
    if not isinstance(document, dict):
        raise click.ClickException(f"{source} is not a checkpoint document")
    return document


def public_key_for(path: str | None) -> Any:
    """The key to check with: --public-key FILE (a copy kept elsewhere: what a regulator should
    use), else this instance's own key."""
    if path:
        return checkpoints.load_public_key(Path(path).read_bytes())
    key_file = checkpoint_key_path(current_app.config)
    if not key_file.exists():
        raise click.ClickException("this instance has no checkpoint key; give --public-key FILE")
    return signing_key().public_key()


def write_json(document: dict[str, Any], out: str | None) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@click.group("checkpoint", invoke_without_command=True)
@click.option("--out", type=click.Path(dir_okay=False), help="also write the signed document here")
@click.pass_context
@with_appcontext
def checkpoint_cli(context: click.Context, out: str | None) -> None:
    """Sign a checkpoint of every lot's chain now (subcommands: public-key, prove, show)."""
    if context.invoked_subcommand is not None:
        return
    key = signing_key()
    with _session() as session:
        try:
            cp = checkpoints.create_checkpoint(session, key)
        except TraceError as error:
            raise click.ClickException(describe(error.message)) from None
        document = checkpoints.checkpoint_document(cp)
        session.commit()
    click.echo(
        f"checkpoint {cp.sequence}: {cp.lot_count} lots, {cp.event_count} events, "
        f"root {cp.root}, key {cp.key_id}"
    )
    if out:
        write_json(document, out)


@checkpoint_cli.command("public-key")
@with_appcontext
def public_key_command() -> None:
    """Print the PEM public key that checks this instance's checkpoints."""
    click.echo(checkpoints.public_key_pem(signing_key()), nl=False)


@checkpoint_cli.command("show")
@click.argument("sequence", type=int, required=False)
@click.option("--out", type=click.Path(dir_okay=False))
@with_appcontext
def show_command(sequence: int | None, out: str | None) -> None:
    """Write checkpoint SEQUENCE (default: the latest) as its published JSON."""
    with _session() as session:
        try:
            cp = (
                checkpoints.get_checkpoint(session, sequence)
                if sequence
                else checkpoints.latest_checkpoint(session)
            )
        except TraceError as error:
            raise click.ClickException(describe(error.message)) from None
        if cp is None:
            raise click.ClickException("no checkpoint yet")
        write_json(checkpoints.checkpoint_document(cp), out)


@checkpoint_cli.command("prove")
@click.argument("lot")
@click.option("--sequence", type=int, help="checkpoint number (default: the latest)")
@click.option("--out", type=click.Path(dir_okay=False))
@with_appcontext
def prove_command(lot: str, sequence: int | None, out: str | None) -> None:
    """Write LOT's inclusion proof: its leaf, the audit path and the signed root."""
    with _session() as session:
        try:
            cp = (
                checkpoints.get_checkpoint(session, sequence)
                if sequence
                else checkpoints.latest_checkpoint(session)
            )
            if cp is None:
                raise click.ClickException("no checkpoint yet")
            write_json(checkpoints.lot_proof(cp, lot), out)
        except TraceError as error:
            raise click.ClickException(describe(error.message)) from None


@checkpoint_cli.command("check-proof")
@click.argument("source")
@click.option("--public-key", "public_key", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def check_proof_command(source: str, public_key: str | None) -> None:
    """Check an inclusion proof (file or URL) with the public key; needs no database."""
    try:
        lot, count, head = checkpoints.verify_lot_proof(
            load_document(source), public_key_for(public_key)
        )
    except TraceError as error:
        raise click.ClickException(describe(error.message)) from None
    click.echo(f"lot {lot} is in the checkpoint with {count} events, newest {head}")
