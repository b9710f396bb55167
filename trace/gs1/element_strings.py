"""Element strings: bracketed "(01)...(10)..." and FNC1-separated data for GS1-128 / DataMatrix."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from trace.gs1.ai_table import AI_TABLE, _lookup
from trace.gs1.charsets import GS
from trace.gs1.errors import GS1Error
from trace.gs1.values import _check_value

AIPair = tuple[str, str]


def hri(pairs: Iterable[AIPair]) -> str:
    """Human-readable interpretation, e.g. "(01)06901234567892(10)DY208HT250915-003"."""
    return "".join(f"({ai}){value}" for ai, value in pairs)


def element_string(
    pairs: Iterable[AIPair],
    *,
    fnc1: str = GS,
    leading_fnc1: bool = False,
    permit_unknown_ais: bool = False,
) -> str:
    """AI data for a barcode: an FNC1 (`fnc1`, default GS) after each AI that needs one.

    Pass fnc1="^" and leading_fnc1=True for the "^01...^10..." notation barcode encoders accept.
    """
    out = [fnc1] if leading_fnc1 else []
    needs_separator = False
    for ai, value in pairs:
        entry = _lookup(ai, permit_unknown_ais)
        if entry is None:
            raise GS1Error(f"unknown AI ({ai})", ai=ai, code="UNKNOWN_AI")
        if needs_separator:
            out.append(fnc1)
        out += (ai, value)
        needs_separator = entry.fnc1
    return "".join(out)


def parse_ai_data(
    text: str, *, permit_unknown_ais: bool = False, validate: bool = True, today: date | None = None
) -> list[AIPair]:
    """Split bracketed AI syntax "(01)...(10)ABC" into pairs; "\\(" is a literal "(" in a value."""
    pairs: list[AIPair] = []
    pos, n = 0, len(text)
    if not text:
        raise GS1Error("AI data is empty", code="EMPTY_DATA")
    while pos < n:
        if text[pos] != "(":
            raise GS1Error(f"expected '(' at position {pos + 1} of the AI data", code="SYNTAX")
        close = text.find(")", pos + 1)
        if close < 0:
            raise GS1Error(f"unterminated AI at position {pos + 1}", code="SYNTAX")
        ai = text[pos + 1 : close]
        entry = _lookup(ai, permit_unknown_ais)
        if entry is None:
            raise GS1Error(f"unknown AI ({ai})", ai=ai, code="UNKNOWN_AI")
        chunks, start = [], close + 1
        while True:
            nxt = text.find("(", start)
            if nxt < 0:
                chunks.append(text[start:])
                pos = n
                break
            if text[nxt - 1] == "\\" and nxt - 1 >= start:
                chunks.append(text[start : nxt - 1] + "(")
                start = nxt + 1
                continue
            chunks.append(text[start:nxt])
            pos = nxt
            break
        value = "".join(chunks)
        if validate:
            _check_value(entry, value, today)
        elif not value:
            raise GS1Error(f"AI ({ai}) has an empty value", ai=ai, code="EMPTY_VALUE")
        pairs.append((ai, value))
    return pairs


def parse_element_string(
    data: str, *, fnc1: str = GS, validate: bool = True, today: date | None = None
) -> list[AIPair]:
    """Split scanned/encoded AI data ("]C1" + "0106901234567892" + "10LOT" ...) into pairs."""
    if data.startswith("]") and len(data) >= 3:
        data = data[3:]  # symbology identifier such as ]C1, ]d2, ]Q3, ]e0 from the scanner
    pos = 0
    while data.startswith(fnc1, pos):
        pos += len(fnc1)
    pairs: list[AIPair] = []
    n = len(data)
    if pos >= n:
        raise GS1Error("element string has no AI data", code="EMPTY_DATA")
    while pos < n:
        # Known AIs are prefix-free, so the first length that matches is the AI.
        entry = next(
            (AI_TABLE[data[pos : pos + k]] for k in (2, 3, 4) if data[pos : pos + k] in AI_TABLE),
            None,
        )
        if entry is None:
            raise GS1Error(
                f"unknown AI at position {pos + 1}: {data[pos : pos + 4]!r}", code="UNKNOWN_AI"
            )
        start = pos + len(entry.ai)
        if entry.fnc1:
            end = data.find(fnc1, start)
            end = n if end < 0 else end
        else:
            end = min(start + entry.max_length, n)
        value = data[start:end]
        if validate:
            _check_value(entry, value, today)
        pairs.append((entry.ai, value))
        pos = end
        if data.startswith(fnc1, pos):
            pos += len(fnc1)  # also tolerated after predefined-length AIs: some encoders add it
    return pairs
