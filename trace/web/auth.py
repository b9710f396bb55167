"""Who is calling: a bearer token for the API, or the signed-in staff session for pages."""

from __future__ import annotations

from flask import g, request

from trace.errors import AuthenticationError
from trace.models.users import User
from trace.services.users import user_for_token
from trace.web.database import db


def current_actor() -> User | None:
    """The authenticated user, or None for anonymous callers.

    A present but bad bearer token is an error (401), never a silent fall-back to anonymous.
    """
    if "actor" in g:
        actor: User | None = g.actor
        return actor
    actor = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise AuthenticationError("use 'Authorization: Bearer <token>'")
        actor = user_for_token(db(), credentials.strip())
    g.actor = actor
    return actor
