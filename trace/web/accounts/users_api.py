"""Account management for admins, and `GET /users/me` for everyone signed in."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.errors import AuthenticationError
from trace.schemas.users import UserCreateSchema, UserSchema
from trace.services import users as user_service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = "/users"
blp = Blueprint("users", __name__, description="Staff accounts")


@blp.get("/me")
@blp.response(200, UserSchema)
def me() -> Any:
    actor = current_actor()
    if actor is None:
        raise AuthenticationError("auth.sign_in_first")
    return actor


@blp.get("")
@blp.response(200, UserSchema(many=True))
def list_users() -> Any:
    return user_service.list_users(db(), current_actor())


@blp.post("")
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(data: dict[str, Any]) -> Any:
    session = db()
    user = user_service.create_user(session, current_actor(), **data)
    session.commit()
    return user
