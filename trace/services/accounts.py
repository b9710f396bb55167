"""Account chores beside trace.services.users: disabling accounts, one's own recent work."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import NotFoundError, ValidationError, problem
from trace.models.audit import AuditEntry
from trace.models.users import User
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot


def set_user_active(session: Session, actor: Actor | None, user_id: int, is_active: bool) -> User:
    """Enable or disable an account (admins). Disabling revokes its API tokens at once; its
    staff sessions end on their next request.

    Raises NotFoundError, ValidationError (an admin disabling themselves), PermissionDeniedError.
    """
    authorize(actor, "user.manage")
    assert actor is not None
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(problem("user.not_found", id=user_id))
    if user.id == actor.id and not is_active:
        raise ValidationError.for_field("is_active", "user.cannot_disable_self")
    if user.is_active == is_active:
        return user
    before = snapshot(user)
    user.is_active = is_active
    if not is_active:
        now = utcnow()
        for token in user.tokens:
            if token.revoked_at is None:
                token.revoked_at = now
    record_change(session, actor, "user.enable" if is_active else "user.disable", user, before)
    return user


def recent_work(session: Session, actor: Actor | None, limit: int = 10) -> list[AuditEntry]:
    """The caller's own latest audit entries, newest first (anyone may see their own)."""
    authorize(actor, "account.own")
    assert actor is not None
    query = (
        select(AuditEntry)
        .where(AuditEntry.actor_id == actor.id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


# What a sign-in limit did, as audited: an address paused for one account or for all, or an
# account under attack from many addresses slowed down (never locked: its owner can still sign in).
SIGN_IN_LIMITS = frozenset({"account_address", "address", "account_ceiling"})


def record_sign_in_limit(session: Session, email: str, limit: str, address_key: str) -> AuditEntry:
    """Audit that failed sign-ins reached `limit` (one of SIGN_IN_LIMITS) for the account named
    by `email` (the user's id if it exists; nothing about unknown e-mails beyond that) from the
    client address pseudonym `address_key`. Returns the entry (flushed, not committed)."""
    if limit not in SIGN_IN_LIMITS:
        raise ValueError(f"unknown sign-in limit {limit!r}")
    user_id = session.scalar(select(User.id).where(User.email == email.strip().lower()))
    entry = AuditEntry(
        actor_id=None,
        action="account.sign_in_slowed" if limit == "account_ceiling" else "account.sign_in_locked",
        entity_type="users",
        entity_id=str(user_id) if user_id is not None else "",
        before=None,
        after={"limit": limit, "client": address_key},
        note=f"failed sign-ins reached the {limit} limit",
    )
    session.add(entry)
    session.flush()
    return entry
