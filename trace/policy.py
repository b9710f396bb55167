"""Who may do what: the one table of role permissions, checked by every service."""

from __future__ import annotations

from typing import Protocol

from trace.errors import AuthenticationError, PermissionDeniedError
from trace.models.users import Role

ADMIN, QC, STATION, REGULATOR = Role.ADMIN, Role.QC, Role.STATION, Role.REGULATOR
STAFF = frozenset(Role)

# permission -> roles that hold it. Read permissions include the regulator; writes never do.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "record.read": STAFF,
    "producer.write": frozenset({ADMIN, QC, STATION}),
    "product.write": frozenset({ADMIN, QC}),
    "batch.write": frozenset({ADMIN, QC, STATION}),
    "event.write": frozenset({ADMIN, QC, STATION}),
    "audit.read": frozenset({ADMIN, REGULATOR}),
    "user.manage": frozenset({ADMIN}),
    "token.own": STAFF,
}

# Writes a station user may make only inside their own township.
TOWNSHIP_SCOPED = frozenset({"producer.write", "batch.write", "event.write"})


class Actor(Protocol):
    id: int
    role: Role
    township_code: str | None
    is_active: bool


def authorize(actor: Actor | None, permission: str, township_code: str | None = None) -> None:
    """Raise unless `actor` holds `permission` (and, for station staff, for `township_code`).

    Raises AuthenticationError for no actor, PermissionDeniedError for a role or township miss.
    """
    if actor is None or not actor.is_active:
        raise AuthenticationError("sign in first")
    if actor.role not in PERMISSIONS[permission]:
        raise PermissionDeniedError(f"the {actor.role.value} role may not do {permission}")
    if (
        actor.role is STATION
        and permission in TOWNSHIP_SCOPED
        and township_code is not None
        and township_code != actor.township_code
    ):
        raise PermissionDeniedError(
            "station staff may only write records of their own township",
            {"township_code": ["not your township"]},
        )
