"""Who is calling: a bearer token for the API, or the signed-in staff session for pages."""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app, g, request, session

from trace.errors import AuthenticationError
from trace.models.users import User
from trace.services.users import end_sessions, user_for_token
from trace.web.database import db

# Keys of the signed session cookie. It holds ids and times only: Flask signs it but does not
# encrypt it, so nothing personal goes in.
UID, ROLE, FINGERPRINT, SIGNED_IN_AT, SEEN_AT = "uid", "role", "fp", "auth_at", "seen_at"
# Refresh the idle clock at most this often, so not every request re-sends the cookie.
SEEN_RESOLUTION_SECONDS = 60


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
            raise AuthenticationError("auth.bearer_format")
        actor = user_for_token(db(), credentials.strip())
    elif not request.path.startswith("/api/"):
        # The API takes bearer tokens only: a cookie-authenticated API call would need CSRF.
        actor = session_user()
    g.actor = actor
    return actor


def _fingerprint(user: User) -> str:
    """Changes when the password does (a password change or reset ends every other session) and
    when the user signs out (session_version: a copy of the cookie stops working with it)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"{user.id}:{user.password_hash}:{user.session_version or 0}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def sign_in(user: User) -> None:
    """Start a staff session: a fresh cookie (no fixation), expiring when idle and absolutely."""
    now = int(time.time())
    session.clear()
    session.permanent = True  # the cookie's own expiry is the absolute lifetime
    session.update(
        {
            UID: user.id,
            ROLE: user.role.value,
            FINGERPRINT: _fingerprint(user),
            SIGNED_IN_AT: now,
            SEEN_AT: now,
        }
    )
    g.actor = user


def sign_out() -> None:
    """End the session here and server-side: the user's session version moves on (committed),
    so the cookie, and any copy of it, no longer matches. The user's other devices are signed
    out too: one sign-out ends every session of the account."""
    user = session_user() if session.get(UID) is not None else None
    if user is not None:
        end_sessions(db(), user)
        db().commit()
    session.clear()
    g.actor = None


def session_user() -> User | None:
    """The user of a valid staff session, or None (and the session is ended) when it has
    expired, the account was disabled or its password changed since sign-in."""
    uid = session.get(UID)
    if uid is None:
        return None
    now = int(time.time())
    idle = int(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    lifetime = int(current_app.config["SESSION_LIFETIME_MINUTES"]) * 60
    seen_at = int(session.get(SEEN_AT, 0))
    expired = now - seen_at > idle or now - int(session.get(SIGNED_IN_AT, 0)) > lifetime
    user = None if expired else db().get(User, uid)
    if (
        user is None
        or not user.is_active
        or not hmac.compare_digest(str(session.get(FINGERPRINT, "")), _fingerprint(user))
    ):
        session.clear()
        g.session_ended = expired
        return None
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now
    return user
