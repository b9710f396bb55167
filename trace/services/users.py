"""Accounts, passwords and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from trace.db import utcnow
from trace.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from trace.models.regions import Township
from trace.models.users import ApiToken, Role, User
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot

MIN_PASSWORD_LENGTH = 10
# A hash computed once so unknown e-mails cost as much time as known ones (no user enumeration).
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    actor: Actor | None,
    email: str,
    role: Role | str,
    password: str,
    name: str = "",
    township_code: str | None = None,
    *,
    system: bool = False,
) -> User:
    """Create an account. `system=True` is for the CLI, which runs with no signed-in actor.

    Raises ValidationError (bad role, short password, station without township),
    ConflictError (e-mail taken), PermissionDeniedError.
    """
    if not system:
        authorize(actor, "user.manage")
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValidationError.for_field("email", "email.invalid")
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError.for_field(
            "role", "user.role_unknown", choices=[r.value for r in Role]
        ) from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.for_field("password", "password.too_short", min=MIN_PASSWORD_LENGTH)
    if role is Role.STATION and not township_code:
        raise ValidationError.for_field("township_code", "user.township_required")
    if township_code and session.get(Township, township_code) is None:
        raise ValidationError.for_field("township_code", "township.no_such")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ConflictError("user.email_exists", {"email": ["user.email_exists"]})
    user = User(
        email=email,
        name=name,
        role=role,
        township_code=township_code,
        # scrypt is memory-hard; werkzeug salts it per password.
        password_hash=generate_password_hash(password, method="scrypt"),
    )
    session.add(user)
    record_change(session, actor, "user.create", user)
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the active user with these credentials. Raises AuthenticationError."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise AuthenticationError("auth.wrong_credentials")
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        raise AuthenticationError("auth.wrong_credentials")
    return user


def set_password(session: Session, actor: Actor | None, user: User, password: str) -> None:
    """Change a password: the user's own, or anyone's for an admin. Revokes their tokens."""
    if actor is None or actor.id != user.id:
        authorize(actor, "user.manage")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.for_field("password", "password.too_short", min=MIN_PASSWORD_LENGTH)
    before = snapshot(user)
    user.password_hash = generate_password_hash(password, method="scrypt")
    now = utcnow()
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
    record_change(session, actor, "user.set_password", user, before)


def end_sessions(session: Session, user: User) -> None:
    """Sign out: every staff session cookie issued to `user` so far stops working, on this
    device and any other (a copy of the cookie included). Audited as user.sign_out."""
    before = snapshot(user)
    user.session_version = (user.session_version or 0) + 1
    record_change(session, user, "user.sign_out", user, before)


def issue_token(
    session: Session, user: User, ttl: dt.timedelta, label: str = ""
) -> tuple[str, ApiToken]:
    """Create an API token; the plain token is returned once and never stored."""
    plain = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=_hash_token(plain),
        label=label,
        expires_at=utcnow() + ttl,
    )
    session.add(token)
    record_change(session, user, "token.issue", token)
    return plain, token


def user_for_token(session: Session, plain: str) -> User:
    """The active user behind a bearer token.

    Raises AuthenticationError if the token is unknown, expired or revoked.
    """
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(plain)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise AuthenticationError("auth.token_invalid")
    if not token.user.is_active:
        raise AuthenticationError("auth.account_disabled")
    return token.user


def list_tokens(session: Session, actor: Actor | None) -> list[ApiToken]:
    """The caller's own tokens, newest first."""
    authorize(actor, "token.own")
    assert actor is not None
    query = select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def revoke_token(session: Session, actor: Actor | None, token_id: int) -> ApiToken:
    """Revoke one of the caller's tokens (an admin may revoke anyone's). Raises NotFoundError."""
    authorize(actor, "token.own")
    assert actor is not None
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and actor.role is not Role.ADMIN):
        raise NotFoundError("token.not_found")
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = utcnow()
        record_change(session, actor, "token.revoke", token, before)
    return token


def get_user(session: Session, actor: Actor | None, user_id: int) -> User:
    authorize(actor, "user.manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("user.no_such")
    return user


def list_users(session: Session, actor: Actor | None) -> list[User]:
    authorize(actor, "user.manage")
    return list(session.scalars(select(User).order_by(User.id)))
