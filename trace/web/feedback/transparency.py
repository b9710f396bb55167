"""Published checkpoints (/transparency/...): anyone may keep copies and check them later.

Each checkpoint is the service's signed statement of every lot's chain head and event count
(trace.services.checkpoints). Served as JSON with the leaves, a lot's inclusion proof on its own,
and the PEM public key that checks the signatures. Nothing here is personal: lot codes, counts
and hashes only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, url_for
from werkzeug.exceptions import NotFound

from trace.errors import NotFoundError
from trace.services import checkpoints as service
from trace.storage import checkpoint_key_path
from trace.web.database import db

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

LISTED = 100


def _published(response: Response, seconds: int) -> Response:
    """A signed checkpoint never changes: long caching is fine; the list and latest are short."""
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # regulators' tools fetch copies
    return response


def public_key_pem() -> str | None:
    """The PEM key checking this instance's checkpoints, once it has signed one."""
    path = checkpoint_key_path(current_app.config)
    if not path.exists():
        return None
    return service.public_key_pem(service.load_or_create_key(path))


@bp.get("/public-key.pem")
def public_key() -> Any:
    pem = public_key_pem()
    if pem is None:
        raise NotFound()
    response = current_app.response_class(pem, mimetype="application/x-pem-file")
    return _published(response, 3600)


@bp.get("/checkpoints")
def checkpoints() -> Any:
    rows = service.recent_checkpoints(db(), LISTED)
    body = [
        {
            "sequence": cp.sequence,
            "created_at": cp.created_at.isoformat(),
            "root": cp.root,
            "hash": cp.hash,
            "url": url_for("transparency.checkpoint", sequence=cp.sequence, _external=True),
        }
        for cp in rows
    ]
    return _published(jsonify({"checkpoints": body, "public_key": _key_url()}), 60)


@bp.get("/checkpoints/latest.json")
def latest() -> Any:
    cp = service.latest_checkpoint(db())
    if cp is None:
        raise NotFound()
    return redirect(url_for("transparency.checkpoint", sequence=cp.sequence), 307)


@bp.get("/checkpoints/<int:sequence>.json")
def checkpoint(sequence: int) -> Any:
    try:
        cp = service.get_checkpoint(db(), sequence)
    except NotFoundError:
        raise NotFound() from None
    return _published(jsonify(service.checkpoint_document(cp)), 86400)


@bp.get("/checkpoints/<int:sequence>/lots/<lot>.json")
def lot_proof(sequence: int, lot: str) -> Any:
    try:
        proof = service.lot_proof(service.get_checkpoint(db(), sequence), lot)
    except NotFoundError:
        raise NotFound() from None
    return _published(jsonify(proof), 86400)


def _key_url() -> str:
    return url_for("transparency.public_key", _external=True)
