"""GS1 character sets 82/39, mod-10 check digits and the alphanumeric check pair."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from trace.gs1.errors import GS1Error, _fault

GS: Final = "\x1d"  # ASCII group separator: how scanners transmit FNC1 between AIs
CANONICAL_STEM: Final = "https://id.gs1.org"

# GS1 AI encodable character sets 82 and 39 (General Specifications, "Character sets"); set 82's
# order also gives each character its value in the alphanumeric check-pair algorithm.
CSET82: Final = (
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
CSET39: Final = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CSET32: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # check-pair output characters
_CSET82_VALUE: Final = {c: i for i, c in enumerate(CSET82)}
_CSET82_SET: Final = frozenset(CSET82)
_CSET39_SET: Final = frozenset(CSET39)
_CSET82_RE: Final = re.compile("[" + re.escape(CSET82) + "]*")
_CSET39_RE: Final = re.compile("[" + re.escape(CSET39) + "]*")
_DIGITS_RE: Final = re.compile("[0-9]+")

# One prime weight per data character, rightmost first; 97 covers the longest AI value (99 chars).
_PRIMES: Final = (
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
    97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191,
    193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293,
    307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419,
    421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
)  # fmt: skip


def _is_digits(value: str) -> bool:
    # str.isdigit() also accepts other scripts' digits such as "٣" or "²"; GS1 means ASCII 0-9.
    return _DIGITS_RE.fullmatch(value) is not None


def is_cset82(value: str) -> bool:
    """Whether every character is in GS1 AI encodable character set 82 ("" counts as valid)."""
    return _CSET82_RE.fullmatch(value) is not None


def is_cset39(value: str) -> bool:
    """Whether every character is in GS1 AI encodable character set 39 ("" counts as valid)."""
    return _CSET39_RE.fullmatch(value) is not None


def _mod10(body: str) -> str:
    # Weights 3,1,3,... from the rightmost digit of the body (the check digit's neighbour).
    total = 3 * sum(map(int, body[-1::-2])) + sum(map(int, body[-2::-2]))
    return str(-total % 10)


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for `body` (all of a GTIN/GLN/SSCC but its last digit)."""
    if not _is_digits(body):
        raise GS1Error(f"cannot compute a check digit: {body!r} is not a string of digits 0-9")
    return _mod10(body)


def has_valid_check_digit(code: str) -> bool:
    """Whether the last digit of `code` (GTIN-8/12/13/14, GLN, SSCC, ...) is its GS1 check digit."""
    return len(code) >= 2 and _is_digits(code) and _mod10(code[:-1]) == code[-1]


def normalize_gtin(value: str) -> str:
    """A GTIN-8, -12, -13 or -14 as the 14-digit form Digital Link and our database use."""
    gtin = value.strip()  # typed or pasted by people: surrounding blanks are not part of it
    if not _is_digits(gtin):
        raise GS1Error("GTIN must contain only the digits 0-9", ai="01", code="NON_DIGIT_CHARACTER")
    if len(gtin) not in (8, 12, 13, 14):
        raise GS1Error(
            f"GTIN must have 8, 12, 13 or 14 digits, not {len(gtin)}",
            ai="01",
            code="INVALID_LENGTH",
            params={"length": str(len(gtin))},
        )
    expected = _mod10(gtin[:-1])
    if gtin[-1] != expected:
        raise GS1Error(
            f"GTIN check digit is wrong: it should be {expected}, not {gtin[-1]}",
            ai="01",
            code="INCORRECT_CHECK_DIGIT",
            params={"expected": expected, "given": gtin[-1]},
        )
    return gtin.zfill(14)


def check_char_pair(body: str) -> str:
    """The GS1 alphanumeric check character pair for `body` (a GMN without its last two chars)."""
    if len(body) > len(_PRIMES):
        raise _fault(
            "TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION", "value is too long for a check character pair"
        )
    total = 0
    for weight, ch in zip(_PRIMES, reversed(body), strict=False):
        value = _CSET82_VALUE.get(ch)
        if value is None:
            raise _fault("INVALID_CSET82_CHARACTER", f"{ch!r} is not in GS1 character set 82")
        total += value * weight
    total %= 1021
    return _CSET32[total >> 5] + _CSET32[total & 31]


def _first_bad(value: str, allowed: frozenset[str]) -> int:
    return next(i for i, ch in enumerate(value) if ch not in allowed)


def _lint_digits(value: str, today: date | None = None) -> None:
    if value and not _is_digits(value):
        pos = next(i for i, ch in enumerate(value) if not "0" <= ch <= "9")
        raise _fault(
            "NON_DIGIT_CHARACTER", f"character {value[pos]!r} at position {pos + 1} is not a digit"
        )


def _lint_cset82(value: str, today: date | None = None) -> None:
    if not is_cset82(value):
        pos = _first_bad(value, _CSET82_SET)
        raise _fault(
            "INVALID_CSET82_CHARACTER",
            f"character {value[pos]!r} at position {pos + 1} is not in GS1 character set 82",
        )


def _lint_cset39(value: str, today: date | None = None) -> None:
    if not is_cset39(value):
        pos = _first_bad(value, _CSET39_SET)
        raise _fault(
            "INVALID_CSET39_CHARACTER",
            f"character {value[pos]!r} at position {pos + 1} is not in GS1 character set 39",
        )
