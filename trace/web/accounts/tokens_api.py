"""POST /api/v1/tokens: trade e-mail and password for a bearer token; list and revoke your own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from trace.schemas.users import TokenCreateSchema, TokenIssuedSchema, TokenSchema
from trace.services import users as user_service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/tokens"
blp = Blueprint("tokens", __name__, description="API tokens")


@blp.post("")
@blp.arguments(TokenCreateSchema)
@blp.response(201, TokenIssuedSchema)
def create_token(data: dict[str, Any]) -> dict[str, Any]:
    session = db()
    user = user_service.authenticate(session, data["email"], data["password"])
    ttl = dt.timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    plain, token = user_service.issue_token(session, user, ttl, data["label"])
    session.commit()
    return {"id": token.id, "token": plain, "expires_at": token.expires_at}


@blp.get("")
@blp.response(200, TokenSchema(many=True))
def list_tokens() -> Any:
    return user_service.list_tokens(db(), current_actor())


@blp.delete("/<int:token_id>")
@blp.response(200, TokenSchema)
def revoke_token(token_id: int) -> Any:
    session = db()
    token = user_service.revoke_token(session, current_actor(), token_id)
    session.commit()
    return token
