"""Producers: farmers, family farms, cooperatives, enterprises."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.schemas.records import (
    ProducerCreateSchema,
    ProducerPageSchema,
    ProducerQueryArgsSchema,
    ProducerSchema,
    ProducerUpdateSchema,
)
from trace.services import producers as service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/producers"
blp = Blueprint("producers", __name__, description="Producers")


@blp.get("")
@blp.arguments(ProducerQueryArgsSchema, location="query")
@blp.response(200, ProducerPageSchema)
def list_producers(args: dict[str, Any]) -> Any:
    return service.list_producers(db(), current_actor(), **args)


@blp.post("")
@blp.arguments(ProducerCreateSchema)
@blp.response(201, ProducerSchema)
def create_producer(data: dict[str, Any]) -> Any:
    session = db()
    producer = service.create_producer(session, current_actor(), **data)
    session.commit()
    return producer


@blp.get("/<int:producer_id>")
@blp.response(200, ProducerSchema)
def get_producer(producer_id: int) -> Any:
    return service.get_producer(db(), current_actor(), producer_id)


@blp.patch("/<int:producer_id>")
@blp.arguments(ProducerUpdateSchema(partial=True))
@blp.response(200, ProducerSchema)
def update_producer(changes: dict[str, Any], producer_id: int) -> Any:
    session = db()
    producer = service.update_producer(session, current_actor(), producer_id, **changes)
    session.commit()
    return producer
