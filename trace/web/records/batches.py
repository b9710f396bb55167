"""Batches (lots) and their trace events."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.schemas.records import (
    BatchCreateSchema,
    BatchPageSchema,
    BatchQueryArgsSchema,
    BatchSchema,
    TraceEventCreateSchema,
    TraceEventSchema,
)
from trace.services import batches as service
from trace.services import events as event_service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/batches"
blp = Blueprint("batches", __name__, description="Batches (lots) and trace events")


@blp.get("")
@blp.arguments(BatchQueryArgsSchema, location="query")
@blp.response(200, BatchPageSchema)
def list_batches(args: dict[str, Any]) -> Any:
    return service.list_batches(db(), current_actor(), **args)


@blp.post("")
@blp.arguments(BatchCreateSchema)
@blp.response(201, BatchSchema)
def create_batch(data: dict[str, Any]) -> Any:
    session = db()
    batch = service.create_batch(session, current_actor(), **data)
    session.commit()
    return batch


@blp.get("/<int:batch_id>")
@blp.response(200, BatchSchema)
def get_batch(batch_id: int) -> Any:
    return service.get_batch(db(), current_actor(), batch_id)


@blp.get("/<int:batch_id>/events")
@blp.response(200, TraceEventSchema(many=True))
def list_events(batch_id: int) -> Any:
    return event_service.list_events(db(), current_actor(), batch_id)


@blp.post("/<int:batch_id>/events")
@blp.arguments(TraceEventCreateSchema)
@blp.response(201, TraceEventSchema)
def append_event(data: dict[str, Any], batch_id: int) -> Any:
    session = db()
    actor = current_actor()
    batch = service.get_batch(session, actor, batch_id)
    event = event_service.append_event(session, actor, batch, **data)
    session.commit()
    return event
