"""Recalls: open one on a lot (regulators, admins), record progress (staff), close it."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from trace.schemas.recalls import (
    RecallActionCreateSchema,
    RecallActionSchema,
    RecallCloseSchema,
    RecallCreateSchema,
    RecallPageSchema,
    RecallProgressSchema,
    RecallQueryArgsSchema,
    RecallSchema,
)
from trace.services import recalls as service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/recalls"
blp = Blueprint("recalls", __name__, description="Recalls of lots and everything made from them")


def forget_public_records() -> None:
    """Drop this process's cached public records, so the scan page shows the recall at once."""
    cache = current_app.extensions.get("trace.public_records")
    if cache is not None:
        cache.clear()


@blp.post("")
@blp.arguments(RecallCreateSchema)
@blp.response(201, RecallSchema)
def open_recall(data: dict[str, Any]) -> Any:
    """Recall the lot and every lot made from it, in one transaction."""
    session = db()
    recall = service.open_recall(session, current_actor(), **data)
    session.commit()
    forget_public_records()
    return recall


@blp.get("")
@blp.arguments(RecallQueryArgsSchema, location="query")
@blp.response(200, RecallPageSchema)
def list_recalls(args: dict[str, Any]) -> Any:
    return service.list_recalls(db(), current_actor(), **args)


@blp.get("/<int:recall_id>")
@blp.response(200, RecallProgressSchema)
def get_recall(recall_id: int) -> Any:
    """The recall with its progress: lots, downstream holders notified, quantities recovered."""
    return service.recall_progress(db(), current_actor(), recall_id)


@blp.post("/<int:recall_id>/actions")
@blp.arguments(RecallActionCreateSchema)
@blp.response(201, RecallActionSchema)
def record_action(data: dict[str, Any], recall_id: int) -> Any:
    session = db()
    action = service.record_action(session, current_actor(), recall_id, **data)
    session.commit()
    return action


@blp.post("/<int:recall_id>/close")
@blp.arguments(RecallCloseSchema)
@blp.response(200, RecallSchema)
def close_recall(data: dict[str, Any], recall_id: int) -> Any:
    session = db()
    recall = service.close_recall(session, current_actor(), recall_id, data["note"])
    session.commit()
    forget_public_records()
    return recall
