"""Standard packaging designs and the report against the plan's target."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.schemas.quality import (
    PackagingReportSchema,
    PackagingSpecCreateSchema,
    PackagingSpecPageSchema,
    PackagingSpecQueryArgsSchema,
    PackagingSpecSchema,
    PackagingSpecUpdateSchema,
)
from trace.services import packaging as service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/packaging-specs"
blp = Blueprint("packaging", __name__, description="Standard packaging designs")


@blp.get("")
@blp.arguments(PackagingSpecQueryArgsSchema, location="query")
@blp.response(200, PackagingSpecPageSchema)
def list_specs(args: dict[str, Any]) -> Any:
    return service.list_specs(db(), current_actor(), **args)


@blp.post("")
@blp.arguments(PackagingSpecCreateSchema)
@blp.response(201, PackagingSpecSchema)
def create_spec(data: dict[str, Any]) -> Any:
    session = db()
    spec = service.create_spec(session, current_actor(), **data)
    session.commit()
    return spec


@blp.get("/report")
@blp.response(200, PackagingReportSchema)
def report() -> Any:
    """How many standard designs exist against the plan's target of 20+."""
    return service.packaging_report(db(), current_actor())


@blp.get("/<int:spec_id>")
@blp.response(200, PackagingSpecSchema)
def get_spec(spec_id: int) -> Any:
    return service.get_spec(db(), current_actor(), spec_id)


@blp.patch("/<int:spec_id>")
@blp.arguments(PackagingSpecUpdateSchema(partial=True))
@blp.response(200, PackagingSpecSchema)
def update_spec(changes: dict[str, Any], spec_id: int) -> Any:
    session = db()
    spec = service.update_spec(session, current_actor(), spec_id, **changes)
    session.commit()
    return spec
