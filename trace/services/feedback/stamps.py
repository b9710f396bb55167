"""Public forms' anti-bot stamps: each accepted once (a replayed stamp is refused)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import ConflictError
from trace.models.feedback import SpentFormStamp

STAMP_LIFETIME = dt.timedelta(hours=24)  # a stamp older than this is refused by its signature


def spend_stamp(session: Session, nonce: str) -> None:
    """Record the stamp's nonce as used, in the caller's transaction (so a refused form leaves
    it unspent). Raises ConflictError when it was used before, by this or a concurrent request:
    the primary key decides, whichever commits first wins."""
    session.execute(
        delete(SpentFormStamp).where(SpentFormStamp.spent_at < utcnow() - STAMP_LIFETIME)
    )
    try:
        with session.begin_nested():
            session.add(SpentFormStamp(nonce=nonce[:32]))
            session.flush()
    except IntegrityError:
        raise ConflictError("form.sent_already", {"form_token": ["form.sent_already"]}) from None
