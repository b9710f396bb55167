"""Errors raised for invalid GS1 keys, AI values and Digital Link URIs."""

from __future__ import annotations

from typing import Literal


class GS1Error(ValueError):
    """A GS1 key, AI value or URI is not valid; the message says what and why.

    `ai` names the Application Identifier at fault (if any); `code` is a stable machine-readable
    reason such as "INCORRECT_CHECK_DIGIT", named after the GS1 Syntax Engine's linter errors,
    and `params` the figures it names: services turn `code` into a message code for people.
    """

    def __init__(
        self,
        message: str,
        *,
        ai: str | None = None,
        code: str | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.ai = ai
        self.code = code
        self.params: dict[str, str] = dict(params or {})  # the figures the message names


DLErrorKind = Literal[
    "syntax", "unknown_ai", "bad_order", "not_attribute", "bad_value", "check_digit", "duplicate"
]


class DigitalLinkError(GS1Error):
    """A GS1 Digital Link URI is malformed; `kind` says how (a resolver answers 400 for all)."""

    def __init__(
        self, kind: DLErrorKind, message: str, *, ai: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, ai=ai, code=code)
        self.kind: DLErrorKind = kind


def _fault(code: str, message: str) -> GS1Error:
    return GS1Error(message, code=code)
