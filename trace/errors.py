"""Domain errors raised by services; the web layer maps them to HTTP answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class TraceError(Exception):
    """Base of every domain error; `errors` maps a field name to its messages."""

    code = "error"

    def __init__(self, message: str, errors: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}


class ConfigError(TraceError):
    """A setting is missing or invalid; raised at start-up."""

    code = "config_error"


class ValidationError(TraceError):
    """Input is well-formed but breaks a domain rule (bad check digit, unknown township...)."""

    code = "validation_error"

    @classmethod
    def for_field(cls, field: str, message: str) -> ValidationError:
        return cls(message, {field: [message]})


class NotFoundError(TraceError):
    """The record asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


class ConflictError(TraceError):
    """The write would duplicate a unique record (GTIN, lot, email...)."""

    code = "conflict"


class InvalidTransitionError(TraceError):
    """The record's state does not allow this action (a held batch cannot be labelled...)."""

    code = "invalid_transition"


class AuthenticationError(TraceError):
    """Credentials or token are missing, wrong, expired or revoked."""

    code = "unauthenticated"


class PermissionDeniedError(TraceError):
    """The caller is known but their role or township does not allow this."""

    code = "forbidden"
