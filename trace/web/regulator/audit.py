"""The audit trail: who changed what and when (admins and regulators)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.schemas.records import AuditEntrySchema, AuditQueryArgsSchema
from trace.services import audit as service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/audit"
blp = Blueprint("audit", __name__, description="Audit trail")


@blp.get("")
@blp.arguments(AuditQueryArgsSchema, location="query")
@blp.response(200, AuditEntrySchema(many=True))
def list_entries(args: dict[str, Any]) -> Any:
    per_page = args.pop("per_page")
    offset = (args.pop("page") - 1) * per_page
    return service.list_entries(db(), current_actor(), limit=per_page, offset=offset, **args)
