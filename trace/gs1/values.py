"""Validating one AI value against the AI table: length, character set, linters."""

from __future__ import annotations

from datetime import date

from trace.gs1.ai_table import AIDef, _lookup
from trace.gs1.charsets import _lint_cset39, _lint_cset82, _lint_digits
from trace.gs1.errors import GS1Error
from trace.gs1.linters import _LINTERS


def _check_value(entry: AIDef, value: str, today: date | None) -> None:
    ai = entry.ai
    if not value:
        raise GS1Error(f"AI ({ai}) has an empty value", ai=ai, code="EMPTY_VALUE")
    if len(value) < entry.min_length:
        raise GS1Error(
            f"AI ({ai}) value is too short: {len(value)} characters, at least {entry.min_length}",
            ai=ai,
            code="VALUE_TOO_SHORT",
        )
    if len(value) > entry.max_length:
        raise GS1Error(
            f"AI ({ai}) value is too long: {len(value)} characters, at most {entry.max_length}",
            ai=ai,
            code="VALUE_TOO_LONG",
        )
    pos = 0
    for part in entry.components:
        chunk = value[pos : pos + part.max_length]
        if not chunk and part.optional:
            continue
        if len(chunk) < part.min_length:
            raise GS1Error(
                f"AI ({ai}) value is too short: component at position {pos + 1} needs "
                f"{part.min_length} characters",
                ai=ai,
                code="VALUE_TOO_SHORT",
            )
        try:
            if part.cset == "N":
                _lint_digits(chunk)
            elif part.cset == "X":
                _lint_cset82(chunk)
            else:
                _lint_cset39(chunk)
            for name in part.linters:
                _LINTERS[name](chunk, today)
        except GS1Error as exc:
            raise GS1Error(f"AI ({ai}): {exc}", ai=ai, code=exc.code) from None
        pos += len(chunk)


def validate_ai(
    ai: str, value: str, *, today: date | None = None, permit_unknown_ais: bool = False
) -> None:
    """Check `value` against AI `ai`: length, character set, check digit, dates, other linters.

    Raises GS1Error naming the AI and the fault; `code` gives it in machine-readable form.
    An unknown AI is an error unless `permit_unknown_ais` (then it may hold 1-90 set-82 chars).
    """
    entry = _lookup(ai, permit_unknown_ais)
    if entry is None:
        raise GS1Error(f"unknown AI ({ai})", ai=ai, code="UNKNOWN_AI")
    _check_value(entry, value, today)


def validate_lot(value: str) -> str:
    """A batch/lot number (AI 10): 1-20 characters from GS1 set 82. Returns it unchanged."""
    validate_ai("10", value)
    return value


def validate_serial(value: str) -> str:
    """A serial number (AI 21): 1-20 characters from GS1 set 82. Returns it unchanged."""
    validate_ai("21", value)
    return value
