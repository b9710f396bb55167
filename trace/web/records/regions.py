"""Read-only lists of Dayao's townships and villages."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.policy import authorize
from trace.schemas.records import TownshipSchema, VillageSchema
from trace.services import regions
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/townships"
blp = Blueprint("townships", __name__, description="Townships and villages of Dayao")


@blp.get("")
@blp.response(200, TownshipSchema(many=True))
def list_townships() -> Any:
    authorize(current_actor(), "record.read")
    return regions.list_townships(db())


@blp.get("/<string:code>/villages")
@blp.response(200, VillageSchema(many=True))
def list_villages(code: str) -> Any:
    authorize(current_actor(), "record.read")
    regions.require_township(db(), code, "code")
    return regions.list_villages(db(), code)
