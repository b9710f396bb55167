"""Domain errors raised by services; the web layer maps them to HTTP answers.

A message for people is a `Problem`: a stable code (`credit_code.check_char`) and its parameters.
Services never word messages; trace/messages.py holds each code's Chinese wording (a Flask-Babel
msgid, English in messages.po) and trace/web/messages.py words a Problem in the page's language.
Plain strings are still accepted while the last services move to codes; they are shown as they
came, so a Chinese page that shows English names a string still to be turned into a code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """What is wrong, as a code from trace.messages.MESSAGES and the values its wording names."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        """For logs and exception text only; people see the catalogue's wording."""
        if not self.params:
            return self.code
        shown = ", ".join(f"{key}={value}" for key, value in sorted(self.params.items()))
        return f"{self.code} ({shown})"

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": {k: _plain(v) for k, v in self.params.items()}}


Message = str | Problem


def problem(code: str, **params: Any) -> Problem:
    """Shorthand for Problem(code, params)."""
    return Problem(code, params)


class TraceError(Exception):
    """Base of every domain error; `errors` maps a field name to its problems."""

    code = "error"

    def __init__(
        self, message: Message, errors: Mapping[str, Sequence[Message]] | None = None
    ) -> None:
        super().__init__(str(message))
        self.message: Message = message
        self.errors: dict[str, list[Message]] = {k: list(v) for k, v in (errors or {}).items()}

    @classmethod
    def for_field(cls, field: str, message: Message, **params: Any) -> TraceError:
        """One problem on one field: `for_field("phone", "phone.invalid")`; keyword arguments
        are the code's parameters. A string that is not a code of the catalogue is legacy text,
        kept as it came (to be turned into a code)."""
        from trace.messages import MESSAGES

        found: Message = message
        if isinstance(message, str) and message in MESSAGES:
            found = Problem(message, params)
        return cls(found, {field: [found]})


class ConfigError(TraceError):
    """A setting is missing or invalid; raised at start-up."""

    code = "config_error"


class ValidationError(TraceError):
    """Input is well-formed but breaks a domain rule (bad check digit, unknown township...)."""

    code = "validation_error"

    @classmethod
    def for_field(cls, field: str, message: Message, **params: Any) -> ValidationError:
        error = super().for_field(field, message, **params)
        assert isinstance(error, ValidationError)
        return error


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


def _plain(value: Any) -> Any:
    """A parameter as JSON can carry it (dates and decimals as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)
