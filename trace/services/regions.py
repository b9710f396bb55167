"""Townships and villages of Dayao."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import ValidationError
from trace.models.regions import Township, Village


def list_townships(session: Session) -> list[Township]:
    return list(session.scalars(select(Township).order_by(Township.code)))


def list_villages(session: Session, township_code: str | None = None) -> list[Village]:
    query = select(Village).order_by(Village.township_code, Village.name_zh)
    if township_code:
        query = query.where(Village.township_code == township_code)
    return list(session.scalars(query))


def require_township(session: Session, code: str, field: str = "township_code") -> Township:
    """The township with this code. Raises ValidationError naming `field`."""
    township = session.get(Township, code)
    if township is None:
        raise ValidationError.for_field(field, "township.unknown", code=code)
    return township
