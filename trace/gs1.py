"""GS1 identifiers: check digits, AI table, element strings and Digital Link URIs; pure stdlib."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "AI_TABLE",
    "CANONICAL_STEM",
    "CSET39",
    "CSET82",
    "GS",
    "LINTER_NAMES",
    "AIDef",
    "AIPair",
    "Component",
    "DLErrorKind",
    "DigitalLink",
    "DigitalLinkError",
    "GS1Error",
    "ai_definition",
    "build_digital_link",
    "check_char_pair",
    "check_digit",
    "digital_link_from_ais",
    "element_string",
    "escape_value",
    "gs1_year",
    "has_valid_check_digit",
    "hri",
    "is_cset39",
    "is_cset82",
    "lint",
    "normalize_gtin",
    "pack_uri",
    "parse_ai_data",
    "parse_digital_link",
    "parse_element_string",
    "parse_gs1_date",
    "unescape_value",
    "validate_ai",
    "validate_lot",
    "validate_serial",
]

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

# ISO 3166-1 numeric country codes (AIs 421-426, 7030-7039 carry them).
_ISO3166: Final = frozenset(
    # one string rather than 249 quoted literals: easier to proofread against the standard
    """
    004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060 064 068 070 072
    074 076 084 086 090 092 096 100 104 108 112 116 120 124 132 136 140 144 148 152 156 158 162
    166 170 174 175 178 180 184 188 191 192 196 203 204 208 212 214 218 222 226 231 232 233 234
    238 239 242 246 248 250 254 258 260 262 266 268 270 275 276 288 292 296 300 304 308 312 316
    320 324 328 332 334 336 340 344 348 352 356 360 364 368 372 376 380 384 388 392 398 400 404
    408 410 414 417 418 422 426 428 430 434 438 440 442 446 450 454 458 462 466 470 474 478 480
    484 492 496 498 499 500 504 508 512 516 520 524 528 531 533 534 535 540 548 554 558 562 566
    570 574 578 580 581 583 584 585 586 591 598 600 604 608 612 616 620 624 626 630 634 638 642
    643 646 652 654 659 660 662 663 666 670 674 678 682 686 688 690 694 702 703 704 705 706 710
    716 724 728 729 732 740 744 748 752 756 760 762 764 768 772 776 780 784 788 792 795 796 798
    800 804 807 818 826 831 832 833 834 840 850 854 858 860 862 876 882 887 894
    """.split()  # noqa: SIM905
)

_IMPORTER_INDEX: Final = frozenset(
    "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)


# --------------------------------------------------------------------------------------------
# Errors


class GS1Error(ValueError):
    """A GS1 key, AI value or URI is not valid; the message says what and why.

    `ai` names the Application Identifier at fault (if any); `code` is a stable machine-readable
    reason such as "INCORRECT_CHECK_DIGIT", named after the GS1 Syntax Engine's linter errors.
    """

    def __init__(self, message: str, *, ai: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.ai = ai
        self.code = code


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


# --------------------------------------------------------------------------------------------
# Character sets and check digits


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
        )
    expected = _mod10(gtin[:-1])
    if gtin[-1] != expected:
        raise GS1Error(
            f"GTIN check digit is wrong: it should be {expected}, not {gtin[-1]}",
            ai="01",
            code="INCORRECT_CHECK_DIGIT",
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


# --------------------------------------------------------------------------------------------
# Dates: GS1 General Specifications 7.12 (century of a two-digit year)


def gs1_year(yy: int, today: date | None = None) -> int:
    """The full year for a YY field: within -49..+50 years of `today` (default: the real date)."""
    if not 0 <= yy <= 99:
        raise ValueError(f"two-digit year out of range: {yy}")
    century, current = divmod((today or date.today()).year, 100)
    diff = yy - current
    if diff >= 51:
        century -= 1
    elif diff <= -50:
        century += 1
    return century * 100 + yy


def parse_gs1_date(value: str, *, allow_zero_day: bool = False, today: date | None = None) -> date:
    """A YYMMDD field as a date; DD=00 ("end of month", AIs 11-17) gives the month's last day."""
    if len(value) < 6:
        raise _fault("DATE_TOO_SHORT", "date must be 6 digits (YYMMDD)")
    if len(value) > 6:
        raise _fault("DATE_TOO_LONG", "date must be 6 digits (YYMMDD)")
    _lint_digits(value)
    month, day = int(value[2:4]), int(value[4:6])
    if not 1 <= month <= 12:
        raise _fault("ILLEGAL_MONTH", f"month {value[2:4]} is not valid")
    year = gs1_year(int(value[:2]), today)
    last = calendar.monthrange(year, month)[1]
    if day == 0 and allow_zero_day:
        return date(year, month, last)
    if not 1 <= day <= last:
        raise _fault("ILLEGAL_DAY", f"day {value[4:6]} is not valid in {year}-{month:02d}")
    return date(year, month, day)


# --------------------------------------------------------------------------------------------
# Linters: content checks named as in the GS1 Barcode Syntax Dictionary. Each raises GS1Error
# whose `code` is the GS1 Syntax Engine's error name without its "GS1_LINTER_" prefix.

_Linter = Callable[[str, date | None], None]


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


def _lint_csum(value: str, today: date | None = None) -> None:
    if not value:
        raise _fault("TOO_SHORT_FOR_CHECK_DIGIT", "value is too short to carry a check digit")
    _lint_digits(value)
    expected = _mod10(value[:-1])
    if value[-1] != expected:
        raise _fault(
            "INCORRECT_CHECK_DIGIT",
            f"check digit is wrong: it should be {expected}, not {value[-1]}",
        )


def _lint_csumalpha(value: str, today: date | None = None) -> None:
    if len(value) < 2:
        raise _fault(
            "TOO_SHORT_FOR_CHECK_PAIR", "value is too short to carry a check character pair"
        )
    expected = check_char_pair(value[:-2])
    if value[-2:] != expected:
        raise _fault(
            "INCORRECT_CHECK_PAIR",
            f"check character pair is wrong: it should be {expected}, not {value[-2:]}",
        )


def _lint_gcppos1(value: str, today: date | None = None) -> None:
    # Without GS1's licence register we can only check that a 4-digit (shortest) GCP can start here.
    if len(value) < 4:
        raise _fault("TOO_SHORT_FOR_GCP", "value is too short to start with a GS1 Company Prefix")
    if not _is_digits(value[:4]):
        raise _fault("INVALID_GCP_PREFIX", "value must start with a GS1 Company Prefix (digits)")


def _lint_gcppos2(value: str, today: date | None = None) -> None:
    # The first digit (indicator / extension digit) precedes the company prefix.
    _lint_gcppos1(value[1:])


def _lint_yymmd0(value: str, today: date | None = None) -> None:
    parse_gs1_date(value, allow_zero_day=True, today=today)


def _lint_yymmdd(value: str, today: date | None = None) -> None:
    parse_gs1_date(value, today=today)


def _lint_hhmi(value: str, today: date | None = None) -> None:
    if len(value) != 4:
        code = "SHORT" if len(value) < 4 else "LONG"
        raise _fault(f"HOUR_WITH_MINUTE_TOO_{code}", "time must be 4 digits (HHMI)")
    _lint_digits(value)
    if int(value[:2]) > 23:
        raise _fault("ILLEGAL_HOUR", f"hour {value[:2]} is not valid")
    if int(value[2:]) > 59:
        raise _fault("ILLEGAL_MINUTE", f"minute {value[2:]} is not valid")


def _lint_iso3166(value: str, today: date | None = None) -> None:
    if value not in _ISO3166:
        raise _fault("NOT_ISO3166", f"{value!r} is not an ISO 3166 numeric country code")


def _lint_iso3166999(value: str, today: date | None = None) -> None:
    if value != "999" and value not in _ISO3166:
        raise _fault("NOT_ISO3166_OR_999", f"{value!r} is neither an ISO 3166 country code nor 999")


def _lint_zero(value: str, today: date | None = None) -> None:
    if value != "0":
        raise _fault("NOT_ZERO", "must be 0")


def _lint_nozeroprefix(value: str, today: date | None = None) -> None:
    _lint_digits(value)
    if value.startswith("0"):
        raise _fault("ILLEGAL_ZERO_PREFIX", "must not start with 0")


def _lint_hasnondigit(value: str, today: date | None = None) -> None:
    if _is_digits(value):
        raise _fault("REQUIRES_NON_DIGIT_CHARACTER", "must contain a character other than a digit")


def _lint_pieceoftotal(value: str, today: date | None = None) -> None:
    _lint_digits(value)
    half = len(value) // 2
    if not value or len(value) % 2:
        raise _fault("INVALID_LENGTH_FOR_PIECE_OF_TOTAL", "piece and total must have equal width")
    piece, total = int(value[:half]), int(value[half:])
    if piece == 0:
        raise _fault("ZERO_PIECE_NUMBER", "piece number must not be 0")
    if total == 0:
        raise _fault("ZERO_TOTAL_PIECES", "total number of pieces must not be 0")
    if piece > total:
        raise _fault("PIECE_NUMBER_EXCEEDS_TOTAL", f"piece {piece} exceeds the total {total}")


def _lint_importeridx(value: str, today: date | None = None) -> None:
    if len(value) != 1:
        raise _fault("IMPORTER_IDX_MUST_BE_ONE_CHARACTER", "importer index must be one character")
    if value not in _IMPORTER_INDEX:
        raise _fault("INVALID_IMPORT_IDX_CHARACTER", f"{value!r} is not a valid importer index")


_LINTERS: Final[Mapping[str, _Linter]] = MappingProxyType(
    {
        "csetnumeric": _lint_digits,
        "cset82": _lint_cset82,
        "cset39": _lint_cset39,
        "csum": _lint_csum,
        "csumalpha": _lint_csumalpha,
        "gcppos1": _lint_gcppos1,
        "gcppos2": _lint_gcppos2,
        "yymmd0": _lint_yymmd0,
        "yymmdd": _lint_yymmdd,
        "hhmi": _lint_hhmi,
        "iso3166": _lint_iso3166,
        "iso3166999": _lint_iso3166999,
        "zero": _lint_zero,
        "nozeroprefix": _lint_nozeroprefix,
        "hasnondigit": _lint_hasnondigit,
        "pieceoftotal": _lint_pieceoftotal,
        "importeridx": _lint_importeridx,
    }
)
LINTER_NAMES: Final = frozenset(_LINTERS)


def lint(name: str, value: str, *, today: date | None = None) -> None:
    """Run one named GS1 linter ("csum", "cset82", "yymmd0", ...) on a component value.

    Raises GS1Error with a `code` such as "INCORRECT_CHECK_DIGIT" when the value fails.
    """
    try:
        linter = _LINTERS[name]
    except KeyError:
        raise KeyError(f"no GS1 linter named {name!r}") from None
    linter(value, today)


# --------------------------------------------------------------------------------------------
# The AI table (GS1 General Specifications section 3 and the GS1 Digital Link standard)


@dataclass(frozen=True, slots=True)
class Component:
    """One part of an AI's data field, e.g. the N13 of GDTI "N13 [X..17]"."""

    cset: Literal["N", "X", "Y"]
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AIDef:
    """How one Application Identifier's value is formed and where it may go in a Digital Link."""

    ai: str
    title: str
    components: tuple[Component, ...]
    # Whether an FNC1/GS must follow the value when another AI comes next: every AI except those
    # in GS1's table of predefined-length AIs, which is not the same as fixed-length (8018: N18).
    fnc1: bool
    dl_attribute: bool  # may appear as a Digital Link query-string data attribute
    # None: not a Digital Link primary key; otherwise its alternative ordered qualifier sequences.
    dl_qualifiers: tuple[tuple[str, ...], ...] | None
    known: bool = True  # False for an AI "vivified" under permit_unknown_ais
    min_length: int = field(init=False, compare=False)  # of the whole value
    max_length: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Computed once: validation reads them for every value it checks.
        mandatory = sum(c.min_length for c in self.components if not c.optional)
        object.__setattr__(self, "min_length", mandatory)
        object.__setattr__(self, "max_length", sum(c.max_length for c in self.components))

    @property
    def is_primary_key(self) -> bool:
        return self.dl_qualifiers is not None


# Rows: AI or AI range, flags ("*" predefined length, "?" DL data attribute), data format with
# linters per component ("[...]" optional), DL primary key ("pkey" / "pkey=q1,q2|alt"), title.
_ROWS: Final[tuple[tuple[str, str, str, str, str], ...]] = (
    ("00", "*?", "N18,csum,gcppos2", "pkey", "SSCC"),
    ("01", "*?", "N14,csum,gcppos2", "pkey=22,10,21|235", "GTIN"),
    ("02", "*?", "N14,csum,gcppos2", "", "CONTENT"),
    ("03", "*", "N14,csum,gcppos2", "", "MTO GTIN"),
    ("10", "?", "X..20", "", "BATCH/LOT"),
    ("11", "*?", "N6,yymmd0", "", "PROD DATE"),
    ("12", "*?", "N6,yymmd0", "", "DUE DATE"),
    ("13", "*?", "N6,yymmd0", "", "PACK DATE"),
    ("15", "*?", "N6,yymmd0", "", "BEST BEFORE or BEST BY"),
    ("16", "*?", "N6,yymmd0", "", "SELL BY"),
    ("17", "*?", "N6,yymmd0", "", "USE BY or EXPIRY"),
    ("20", "*?", "N2", "", "VARIANT"),
    ("21", "", "X..20", "", "SERIAL"),
    ("22", "", "X..20", "", "CPV"),
    ("235", "", "X..28", "", "TPX"),
    ("240", "?", "X..30", "", "ADDITIONAL ID"),
    ("241", "?", "X..30", "", "CUST. PART No."),
    ("242", "?", "N..6", "", "MTO VARIANT"),
    ("243", "?", "X..20", "", "PCN"),
    ("250", "?", "X..30", "", "SECONDARY SERIAL"),
    ("251", "?", "X..30", "", "REF. TO SOURCE"),
    ("253", "?", "N13,csum,gcppos1 [X..17]", "pkey", "GDTI"),
    ("254", "", "X..20", "", "GLN EXTENSION COMPONENT"),
    ("255", "?", "N13,csum,gcppos1 [N..12]", "pkey", "GCN"),
    ("30", "?", "N..8", "", "VAR. COUNT"),
    # 31nn-36nn trade and logistic measures follow below, generated from _MEASURES.
    ("37", "?", "N..8", "", "COUNT"),
    ("3900-3909", "?", "N..15", "", "AMOUNT"),
    ("3920-3929", "?", "N..15", "", "PRICE"),
    ("3940-3943", "?", "N4", "", "PRCNT OFF"),
    ("3950-3955", "?", "N6", "", "PRICE/UoM"),
    ("400", "?", "X..30", "", "ORDER NUMBER"),
    ("401", "?", "X..30,gcppos1", "pkey", "GINC"),
    ("402", "?", "N17,csum,gcppos1", "pkey", "GSIN"),
    ("403", "?", "X..30", "", "ROUTE"),
    ("410", "*?", "N13,csum,gcppos1", "", "SHIP TO LOC"),
    ("411", "*?", "N13,csum,gcppos1", "", "BILL TO"),
    ("412", "*?", "N13,csum,gcppos1", "", "PURCHASE FROM"),
    ("413", "*?", "N13,csum,gcppos1", "", "SHIP FOR LOC"),
    ("414", "*?", "N13,csum,gcppos1", "pkey=254|7040", "LOC No."),
    ("415", "*?", "N13,csum,gcppos1", "pkey=8020", "PAY TO"),
    ("416", "*?", "N13,csum,gcppos1", "", "PROD/SERV LOC"),
    ("417", "*?", "N13,csum,gcppos1", "pkey=7040", "PARTY"),
    ("420", "?", "X..20", "", "SHIP TO POST"),
    ("421", "?", "N3,iso3166 X..9", "", "SHIP TO POST"),
    ("422", "?", "N3,iso3166", "", "ORIGIN"),
    ("423", "?", "N3,iso3166" + " [N3],iso3166" * 4, "", "COUNTRY - INITIAL PROCESS"),
    ("424", "?", "N3,iso3166", "", "COUNTRY - PROCESS"),
    ("425", "?", "N3,iso3166" + " [N3],iso3166" * 4, "", "COUNTRY - DISASSEMBLY"),
    ("426", "?", "N3,iso3166", "", "COUNTRY - FULL PROCESS"),
    ("427", "?", "X..3", "", "ORIGIN SUBDIVISION"),
    ("7001", "?", "N13", "", "NSN"),
    ("7002", "?", "X..30", "", "MEAT CUT"),
    ("7003", "?", "N6,yymmdd N4,hhmi", "", "EXPIRY TIME"),
    ("7004", "?", "N..4", "", "ACTIVE POTENCY"),
    ("7005", "?", "X..12", "", "CATCH AREA"),
    ("7006", "?", "N6,yymmdd", "", "FIRST FREEZE DATE"),
    ("7007", "?", "N6,yymmdd [N6],yymmdd", "", "HARVEST DATE"),
    ("7008", "?", "X..3", "", "AQUATIC SPECIES"),
    ("7009", "?", "X..10", "", "FISHING GEAR TYPE"),
    ("7010", "?", "X..2", "", "PROD METHOD"),
    ("7011", "?", "N6,yymmdd [N4],hhmi", "", "TEST BY DATE"),
    ("7020", "?", "X..20", "", "REFURB LOT"),
    ("7021", "?", "X..20", "", "FUNC STAT"),
    ("7022", "?", "X..20", "", "REV STAT"),
    ("7023", "?", "X..30,gcppos1", "", "GIAI - ASSEMBLY"),
    # 7030-7039 PROCESSOR # s follow below.
    ("7040", "", "N1 X1 X1 X1,importeridx", "", "UIC+EXT"),
    ("710", "?", "X..20", "", "NHRN PZN"),
    ("711", "?", "X..20", "", "NHRN CIP"),
    ("712", "?", "X..20", "", "NHRN CN"),
    ("713", "?", "X..20", "", "NHRN DRN"),
    ("714", "?", "X..20", "", "NHRN AIM"),
    ("715", "?", "X..20", "", "NHRN NDC"),
    ("716", "?", "X..20", "", "NHRN AIC"),
    ("717", "?", "X..20", "", "NHRN SRN"),
    ("7240", "?", "X..20", "", "PROTOCOL"),
    ("7242", "?", "X..25", "", "VCN"),
    ("8002", "?", "X..20", "", "CMT No."),
    ("8003", "?", "N1,zero N13,csum,gcppos1 [X..16]", "pkey", "GRAI"),
    ("8004", "?", "X..30,gcppos1", "pkey=7040", "GIAI"),
    ("8005", "?", "N6", "", "PRICE PER UNIT"),
    ("8006", "?", "N14,csum,gcppos2 N4,pieceoftotal", "pkey=22,10,21", "ITIP"),
    ("8009", "?", "X..50", "", "OPTSEN"),
    ("8010", "?", "Y..30,gcppos1", "pkey=8011", "CPID"),
    ("8011", "", "N..12,nozeroprefix", "", "CPID SERIAL"),
    ("8012", "?", "X..20", "", "VERSION"),
    ("8013", "?", "X..25,csumalpha,gcppos1", "pkey", "GMN"),
    ("8014", "", "X..25,csumalpha,gcppos1,hasnondigit", "", "MUDI"),
    ("8017", "?", "N18,csum,gcppos1", "pkey=8019", "GSRN - PROVIDER"),
    ("8018", "?", "N18,csum,gcppos1", "pkey=8019", "GSRN - RECIPIENT"),
    ("8019", "", "N..10", "", "SRIN"),
    ("8020", "", "X..25", "", "REF No."),
    ("8026", "?", "N14,csum,gcppos2 N4,pieceoftotal", "", "ITIP CONTENT"),
    ("8111", "?", "N4", "", "POINTS"),
    ("8200", "", "X..70", "", "PRODUCT URL"),
    ("90", "?", "X..30", "", "INTERNAL"),
    ("91-99", "?", "X..90", "", "INTERNAL"),
)

# Trade (31-32, 35-36 net) and logistic (33-34, 35-36 "log") measures: AI = 3 digits + decimals.
_MEASURES: Final = (
    ("310", "NET WEIGHT (kg)"), ("311", "LENGTH (m)"), ("312", "WIDTH (m)"),
    ("313", "HEIGHT (m)"), ("314", "AREA (m²)"), ("315", "NET VOLUME (l)"),
    ("316", "NET VOLUME (m³)"), ("320", "NET WEIGHT (lb)"), ("321", "LENGTH (in)"),
    ("322", "LENGTH (ft)"), ("323", "LENGTH (yd)"), ("324", "WIDTH (in)"), ("325", "WIDTH (ft)"),
    ("326", "WIDTH (yd)"), ("327", "HEIGHT (in)"), ("328", "HEIGHT (ft)"), ("329", "HEIGHT (yd)"),
    ("330", "GROSS WEIGHT (kg)"), ("331", "LENGTH (m), log"), ("332", "WIDTH (m), log"),
    ("333", "HEIGHT (m), log"), ("334", "AREA (m²), log"), ("335", "VOLUME (l), log"),
    ("336", "VOLUME (m³), log"), ("337", "KG PER m²"), ("340", "GROSS WEIGHT (lb)"),
    ("341", "LENGTH (in), log"), ("342", "LENGTH (ft), log"), ("343", "LENGTH (yd), log"),
    ("344", "WIDTH (in), log"), ("345", "WIDTH (ft), log"), ("346", "WIDTH (yd), log"),
    ("347", "HEIGHT (in), log"), ("348", "HEIGHT (ft), log"), ("349", "HEIGHT (yd), log"),
    ("350", "AREA (in²)"), ("351", "AREA (ft²)"), ("352", "AREA (yd²)"),
    ("353", "AREA (in²), log"), ("354", "AREA (ft²), log"), ("355", "AREA (yd²), log"),
    ("356", "NET WEIGHT (tr oz)"), ("357", "NET VOLUME (oz)"), ("360", "NET VOLUME (qt (US))"),
    ("361", "NET VOLUME (gal.)"), ("362", "VOLUME (qt (US)), log"),
    ("363", "VOLUME (gal (US)), log"), ("364", "NET VOLUME (in³)"), ("365", "NET VOLUME (ft³)"),
    ("366", "NET VOLUME (yd³)"), ("367", "VOLUME (in³), log"), ("368", "VOLUME (ft³), log"),
    ("369", "VOLUME (yd³), log"),
)  # fmt: skip

_COMPONENT_RE: Final = re.compile(r"(\[)?([NXY])(\.\.)?(\d+)(\])?((?:,[a-z0-9]+)*)")


def _parse_format(spec: str) -> tuple[Component, ...]:
    parts = []
    for token in spec.split():
        m = _COMPONENT_RE.fullmatch(token)
        if m is None or (m[1] is None) != (m[5] is None):
            raise ValueError(f"bad AI format component {token!r}")
        size = int(m[4])
        cset: Literal["N", "X", "Y"] = "N" if m[2] == "N" else "X" if m[2] == "X" else "Y"
        linters = tuple(m[6].split(",")[1:])
        parts.append(Component(cset, 1 if m[3] else size, size, m[1] is not None, linters))
    return tuple(parts)


def _parse_pkey(spec: str) -> tuple[tuple[str, ...], ...] | None:
    if not spec:
        return None
    _, _, alternatives = spec.partition("=")
    if not alternatives:
        return ((),)
    return tuple(tuple(alt.split(",")) for alt in alternatives.split("|"))


def _build_table() -> dict[str, AIDef]:
    rows = list(_ROWS)
    rows += [(f"{p}0-{p}5", "*?", "N6", "", title) for p, title in _MEASURES]
    rows += [(f"703{s}", "?", "N3,iso3166999 X..27", "", f"PROCESSOR # {s}") for s in range(10)]
    rows += [(f"723{s}", "?", "X2 X..28", "", f"CERT # {s + 1}") for s in range(10)]
    table: dict[str, AIDef] = {}
    for ais, flags, spec, pkey, title in rows:
        first, _, last = ais.partition("-")
        components, qualifiers = _parse_format(spec), _parse_pkey(pkey)
        for n in range(int(first), int(last or first) + 1):
            ai = str(n).zfill(len(first))
            table[ai] = AIDef(ai, title, components, "*" not in flags, "?" in flags, qualifiers)
    return dict(sorted(table.items()))


AI_TABLE: Final[Mapping[str, AIDef]] = MappingProxyType(_build_table())

# GS1 allocates AIs so that all AIs sharing their first two digits have the same length.
_AI_LENGTH_BY_PREFIX: Final = MappingProxyType({ai[:2]: len(ai) for ai in AI_TABLE})

# Two-digit prefixes whose AIs have a GS1-predefined value length (no FNC1 needed), including
# prefixes with no AI assigned yet: an unknown AI must still be read with this length.
_PREDEFINED_VALUE_LENGTH: Final = MappingProxyType(
    {"00": 18, "01": 14, "02": 14, "03": 14, "04": 16, "20": 2, "41": 13}
    | {str(p): 6 for p in range(11, 20)}
    | {str(p): 6 for p in range(31, 37)}
)


@lru_cache(maxsize=256)
def _unknown_ai(ai: str) -> AIDef | None:
    if any(ai[:k] in AI_TABLE for k in range(2, len(ai))):
        return None  # a known AI is a prefix of it: the data would be read as that AI
    if any(known.startswith(ai) for known in AI_TABLE):
        return None
    expected = _AI_LENGTH_BY_PREFIX.get(ai[:2])
    if expected is not None and expected != len(ai):
        return None
    fixed = _PREDEFINED_VALUE_LENGTH.get(ai[:2])
    if fixed is not None:
        return AIDef(
            ai, "UNKNOWN", (Component("X", fixed, fixed, False, ()),), False, False, None, False
        )
    return AIDef(ai, "UNKNOWN", (Component("X", 1, 90, False, ()),), True, False, None, False)


def _lookup(ai: str, permit_unknown_ais: bool = False) -> AIDef | None:
    entry = AI_TABLE.get(ai)
    if entry is not None or not permit_unknown_ais:
        return entry
    if not 2 <= len(ai) <= 4 or not _is_digits(ai):
        return None
    return _unknown_ai(ai)


def ai_definition(ai: str) -> AIDef:
    """The table entry for `ai`; GS1Error if this module does not know the AI."""
    entry = AI_TABLE.get(ai)
    if entry is None:
        raise GS1Error(f"unknown AI ({ai})", ai=ai, code="UNKNOWN_AI")
    return entry


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


# --------------------------------------------------------------------------------------------
# Element strings: bracketed "(01)...(10)..." and FNC1-separated data for GS1-128 / DataMatrix

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


# --------------------------------------------------------------------------------------------
# Percent-encoding as the GS1 Digital Link standard applies it to AI values

_UNRESERVED_RE: Final = re.compile(r"[A-Za-z0-9\-._~]*")
_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX: Final = frozenset("0123456789abcdefABCDEF")


def escape_value(value: str, *, query: bool = False) -> str:
    """Percent-encode an AI value: all but A-Z a-z 0-9 - . _ ~ ; a space is "+" in a query value."""
    if _UNRESERVED_RE.fullmatch(value):
        return value
    out = []
    for ch in value:
        if ch in _UNRESERVED:
            out.append(ch)
        elif ch == " " and query:
            out.append("+")
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def unescape_value(value: str, *, query: bool = False) -> str:
    """Decode %XX (and "+" as space in a query value); a malformed "%" stays as it is.

    Decoded bytes are read as UTF-8 or, failing that, one byte per character (Latin-1), so an
    odd byte such as %FF comes back as "ÿ" and fails later validation instead of vanishing.
    """
    if "%" not in value and not (query and "+" in value):
        return value
    buf = bytearray()
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch == "%" and i + 2 < n and value[i + 1] in _HEX and value[i + 2] in _HEX:
            buf.append(int(value[i + 1 : i + 3], 16))
            i += 3
            continue
        buf += b" " if ch == "+" and query else ch.encode("utf-8")
        i += 1
    try:
        return buf.decode("utf-8")
    except UnicodeDecodeError:
        return buf.decode("latin-1")


# --------------------------------------------------------------------------------------------
# GS1 Digital Link


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI: primary key, path qualifiers and query-string data."""

    primary: AIPair  # e.g. ("01", "06901234567892")
    qualifiers: tuple[AIPair, ...] = ()  # path key qualifiers in URI order, e.g. (("10", lot),)
    attributes: tuple[AIPair, ...] = ()  # AI data attributes from the query string, in order
    params: tuple[tuple[str, str], ...] = ()  # other query parameters (linkType, lang, ...)
    path_prefix: str = ""  # path before the primary key, e.g. "/trace"; "" if none
    origin: str = ""  # "https://host[:port]" as given, or "" when only a path was parsed

    @property
    def ais(self) -> tuple[AIPair, ...]:
        """All AI data: primary key, then qualifiers, then attributes."""
        return (self.primary, *self.qualifiers, *self.attributes)

    def value(self, ai: str) -> str | None:
        """The value of `ai` anywhere in the link, or None."""
        return next((v for a, v in self.ais if a == ai), None)

    def param(self, name: str) -> str | None:
        """The first non-AI query parameter called `name` (e.g. "linkType"), or None."""
        return next((v for k, v in self.params if k == name), None)

    @property
    def gtin(self) -> str | None:
        return self.value("01")

    @property
    def lot(self) -> str | None:
        return self.value("10")

    @property
    def serial(self) -> str | None:
        return self.value("21")

    def hri(self) -> str:
        """Human-readable AI data, e.g. "(01)06901234567892(10)DY208HT250915-003(21)K3M9"."""
        return hri(self.ais)

    def to_element_string(self, fnc1: str = GS, *, leading_fnc1: bool = False) -> str:
        """AI data for a GS1-128/DataMatrix encoder; GS (or `fnc1`) after AIs that need one."""
        return element_string(
            self.ais, fnc1=fnc1, leading_fnc1=leading_fnc1, permit_unknown_ais=True
        )

    def to_uri(self, base_url: str | None = None) -> str:
        """The canonical URI: `base_url` or the parsed origin and prefix; no non-AI parameters."""
        base = base_url.rstrip("/") if base_url is not None else self.origin + self.path_prefix
        return _compose(base, self.primary, self.qualifiers, self.attributes)


_URI_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
_URI_RE: Final = re.compile("[" + re.escape("".join(sorted(_URI_CHARS))) + "]*")
_BAD_HOST_CHARS: Final = frozenset("_~?#@!$&'()*+,;=%")
# GS1 Digital Link 1.0 "convenience alphas" (deprecated): /gtin/... for /01/...
_ALPHAS: Final = MappingProxyType(
    {
        "cpid": "8010", "cpsn": "8011", "cpv": "22", "gcn": "255", "gdti": "253", "giai": "8004",
        "ginc": "401", "gln": "414", "glnx": "254", "gmn": "8013", "grai": "8003", "gsin": "402",
        "gsrn": "8018", "gsrnp": "8017", "gtin": "01", "itip": "8006", "lot": "10",
        "party": "417", "refno": "8020", "ser": "21", "srin": "8019", "sscc": "00",
    }
)  # fmt: skip
_CHECK_CODES: Final = frozenset({"INCORRECT_CHECK_DIGIT", "INCORRECT_CHECK_PAIR"})


def _value_error(exc: GS1Error) -> DigitalLinkError:
    kind: DLErrorKind = "bad_value"
    if exc.code in _CHECK_CODES:
        kind = "check_digit"
    elif exc.code == "UNKNOWN_AI":
        kind = "unknown_ai"
    elif exc.code == "SYNTAX":
        kind = "syntax"
    return DigitalLinkError(kind, str(exc), ai=exc.ai, code=exc.code)


def _pad_gtin(value: str) -> str:
    # GTIN-8/12/13 written without their leading zeros: Digital Link's canonical form is 14.
    return value.zfill(14) if len(value) in (8, 12, 13) and _is_digits(value) else value


def _describe(alternatives: tuple[tuple[str, ...], ...]) -> str:
    return " or ".join(",".join(alt) for alt in alternatives if alt) or "none"


def _qualifier_sequence(key: str, quals: Sequence[str]) -> tuple[str, ...]:
    """The alternative of `key` that all `quals` belong to; errors name the offending AI."""
    alternatives = AI_TABLE[key].dl_qualifiers or ((),)
    seen: set[str] = set()
    for q in quals:
        if q in seen:
            raise DigitalLinkError(
                "duplicate", f"AI ({q}) appears more than once in the path", ai=q
            )
        seen.add(q)
        if not any(q in alt for alt in alternatives):
            raise DigitalLinkError(
                "bad_order",
                f"AI ({q}) is not a key qualifier of AI ({key}) and may not be in the URI path "
                f"(qualifiers allowed: {_describe(alternatives)})",
                ai=q,
            )
    for alt in alternatives:
        if seen.issubset(alt):
            return alt
    raise DigitalLinkError(
        "bad_order",
        f"AIs ({'), ('.join(quals)}) cannot qualify AI ({key}) together "
        f"(qualifier sequences: {_describe(alternatives)})",
        ai=quals[-1],
    )


def _belongs_in_path(key: str, path_quals: Iterable[str], ai: str) -> bool:
    present = set(path_quals)
    return ai not in present and any(
        ai in alt and present.issubset(alt) for alt in AI_TABLE[key].dl_qualifiers or ()
    )


def _check_attribute(
    key: str, path_quals: Sequence[str], ai: str, entry: AIDef, allow_unknown: bool
) -> None:
    if not entry.dl_attribute and (entry.known or not allow_unknown):
        what = "unknown AI" if not entry.known else "AI"
        raise DigitalLinkError(
            "not_attribute", f"{what} ({ai}) is not allowed as a Digital Link data attribute", ai=ai
        )
    if _belongs_in_path(key, path_quals, ai):
        raise DigitalLinkError(
            "bad_order",
            f"AI ({ai}) qualifies AI ({key}) and must be in the URI path, not the query string",
            ai=ai,
        )


def _compose(
    base: str, primary: AIPair, qualifiers: Iterable[AIPair], attributes: Iterable[AIPair]
) -> str:
    path = "".join(f"/{ai}/{escape_value(v)}" for ai, v in (primary, *qualifiers))
    query = "&".join(f"{ai}={escape_value(v, query=True)}" for ai, v in attributes)
    return f"{base}{path}?{query}" if query else base + path


def _clean_base(base_url: str) -> str:
    base = base_url.rstrip("/")
    scheme, sep, rest = base.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise DigitalLinkError(
            "syntax", f"base URL must start with http:// or https://: {base_url!r}"
        )
    if not rest or rest.startswith("/") or any(ch in rest for ch in "?# \t\r\n"):
        raise DigitalLinkError("syntax", f"base URL must have a host and no query: {base_url!r}")
    return base


def build_digital_link(
    base_url: str,
    primary: AIPair,
    qualifiers: Sequence[AIPair] = (),
    attributes: Sequence[AIPair] = (),
    *,
    permit_unknown_ais: bool = False,
    allow_unknown_ai_attributes: bool = False,
    today: date | None = None,
) -> str:
    """A canonical GS1 Digital Link URI: base/key/value[/qualifier/value...][?attributes].

    Qualifiers are put in the order GS1 mandates (e.g. 22, 10, 21 for a GTIN); attributes keep
    the given order. A GTIN-8/12/13 is padded to 14 digits. Every value is validated.
    """
    base = _clean_base(base_url)
    key, key_value = primary
    entry = AI_TABLE.get(key)
    if entry is None or not entry.is_primary_key:
        raise DigitalLinkError("syntax", f"AI ({key}) is not a Digital Link primary key", ai=key)
    pairs = {key: _pad_gtin(key_value) if key == "01" else key_value}
    sequence = _qualifier_sequence(key, [q for q, _ in qualifiers])
    ordered = sorted(qualifiers, key=lambda pair: sequence.index(pair[0]))
    pairs |= dict(ordered)
    attrs: list[AIPair] = []
    for ai, value in attributes:
        attr_entry = _lookup(ai, permit_unknown_ais)
        if attr_entry is None:
            raise DigitalLinkError("unknown_ai", f"unknown AI ({ai})", ai=ai)
        if ai in pairs:
            raise DigitalLinkError("duplicate", f"AI ({ai}) is given more than once", ai=ai)
        _check_attribute(key, [q for q, _ in ordered], ai, attr_entry, allow_unknown_ai_attributes)
        attrs.append((ai, _pad_gtin(value) if ai == "01" else value))
        pairs[ai] = attrs[-1][1]
    for ai, value in pairs.items():
        try:
            validate_ai(ai, value, today=today, permit_unknown_ais=permit_unknown_ais)
        except GS1Error as exc:
            raise _value_error(exc) from None
    return _compose(base, (key, pairs[key]), [(q, pairs[q]) for q, _ in ordered], attrs)


def digital_link_from_ais(
    ais: Iterable[AIPair] | str,
    base_url: str | None = None,
    *,
    permit_unknown_ais: bool = False,
    allow_unknown_ai_attributes: bool = False,
    today: date | None = None,
) -> str:
    """A Digital Link URI for a bag of AI data (pairs or "(01)...(10)..."), as GS1's engine does.

    The first AI that can be a primary key becomes it; the qualifier sequence matching most of
    the given AIs is used; the rest become attributes, predefined-length AIs first. Repeats of
    an identical AI and value are dropped; the same AI with different values is an error.
    """
    if isinstance(ais, str):
        try:
            ais = parse_ai_data(ais, permit_unknown_ais=permit_unknown_ais, today=today)
        except GS1Error as exc:
            raise _value_error(exc) from None
    values: dict[str, str] = {}
    for ai, value in ais:
        if values.setdefault(ai, value) != value:
            raise DigitalLinkError(
                "duplicate", f"AI ({ai}) is given twice with different values", ai=ai
            )
    key = next((ai for ai in values if ai in AI_TABLE and AI_TABLE[ai].is_primary_key), None)
    if key is None:
        raise DigitalLinkError("syntax", "no AI in the data can be a Digital Link primary key")
    alternatives = AI_TABLE[key].dl_qualifiers or ((),)
    # max() keeps the first of equal counts, so ties go to the alternative GS1 lists first.
    best = max(alternatives, key=lambda alt: sum(q in values for q in alt))
    qualifiers = [(q, values[q]) for q in best if q in values]
    rest = [(ai, v) for ai, v in values.items() if ai != key and ai not in best]
    fixed_first = sorted(rest, key=lambda pair: _is_variable(pair[0], permit_unknown_ais))
    return build_digital_link(
        base_url or CANONICAL_STEM,
        (key, values[key]),
        qualifiers,
        fixed_first,
        permit_unknown_ais=permit_unknown_ais,
        allow_unknown_ai_attributes=allow_unknown_ai_attributes,
        today=today,
    )


def _is_variable(ai: str, permit_unknown_ais: bool) -> bool:
    entry = _lookup(ai, permit_unknown_ais)
    return entry is None or entry.fnc1


def _clean_host(host: str) -> str:
    cleaned = host.strip().strip("/")
    if not cleaned or "://" in cleaned or any(ch in cleaned for ch in "?# \t\r\n"):
        raise GS1Error(f"not a host name: {host!r}")
    return cleaned


def pack_uri(host: str, gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    """The pack/batch/product code https://{host}/01/{GTIN-14}[/10/{lot}][/21/{serial}]."""
    qualifiers: list[AIPair] = []
    if lot is not None:
        qualifiers.append(("10", validate_lot(lot)))
    if serial is not None:
        qualifiers.append(("21", validate_serial(serial)))
    return build_digital_link(
        f"https://{_clean_host(host)}", ("01", normalize_gtin(gtin)), qualifiers
    )


def _path_ai(token: str, permit_unknown_ais: bool, permit_convenience_alphas: bool) -> str | None:
    if permit_convenience_alphas and 3 <= len(token) <= 5 and not token[0].isdigit():
        alpha = _ALPHAS.get(token)
        if alpha is not None:
            return alpha
    return token if _lookup(token, permit_unknown_ais) is not None else None


def parse_digital_link(
    uri_or_path: str,
    *,
    permit_unknown_ais: bool = False,
    allow_unknown_ai_attributes: bool = False,
    permit_zero_suppressed_gtin: bool = False,
    permit_convenience_alphas: bool = False,
    allow_trailing_slash: bool = True,
    today: date | None = None,
) -> DigitalLink:
    """Parse a GS1 Digital Link URI ("https://host/01/...") or a raw path ("/01/...?17=...").

    Pass the URI as received, still percent-encoded: "%2F" inside a lot is part of the value,
    never a path separator. Everything is validated (key-qualifier order, AI values, check
    digits, duplicates, which AIs may be query attributes); faults raise DigitalLinkError.
    Options follow the GS1 Syntax Engine's: unknown AIs, unknown AIs as attributes, GTIN-8/12/13
    in place of GTIN-14, /gtin/-style convenience alphas. One trailing "/" is tolerated unless
    `allow_trailing_slash` is False (the GS1 engine's strict behaviour).
    """
    text = uri_or_path
    if not text:
        raise DigitalLinkError("syntax", "empty URI")
    if not _URI_RE.fullmatch(text):
        bad = text[_first_bad(text, _URI_CHARS)]
        raise DigitalLinkError("syntax", f"URI contains {bad!r}, which must be percent-encoded")
    origin = ""
    if not text.startswith("/"):
        scheme = next(
            (s for s in ("https://", "HTTPS://", "http://", "HTTP://") if text.startswith(s)), None
        )
        if scheme is None:
            # Upper or lower case only, as the GS1 engine's tests require ("HtTp://" is refused).
            raise DigitalLinkError("syntax", "URI must start with http:// or https://")
        slash = text.find("/", len(scheme))
        if slash <= len(scheme):
            raise DigitalLinkError("syntax", "URI has no host or no path")
        if not _BAD_HOST_CHARS.isdisjoint(text[len(scheme) : slash]):
            raise DigitalLinkError("syntax", "URI host contains an illegal character")
        origin, text = text[:slash], text[slash:]
    text = text.partition("#")[0]
    path, _, query = text.partition("?")
    if path.endswith("/") and len(path) > 1:
        if not allow_trailing_slash:
            raise DigitalLinkError("syntax", "URI path must not end with '/'")
        path = path[:-1]

    # Walk /AI/value pairs from the right: the rightmost primary key starts the GS1 path, so
    # anything before it (even AI-like segments) is the path prefix of the resolver.
    segments = path.split("/")[1:]
    path_ais: dict[int, str] = {}  # segment index -> AI, for the pairs the walk accepted
    start = -1
    i = len(segments) - 2
    while i >= 0:
        ai = _path_ai(segments[i], permit_unknown_ais, permit_convenience_alphas)
        if ai is None:
            token = segments[i]
            if 2 <= len(token) <= 4 and _is_digits(token):
                raise DigitalLinkError(
                    "unknown_ai", f"unknown AI ({token}) in the URI path", ai=token
                )
            break
        path_ais[i] = ai
        entry = AI_TABLE.get(ai)
        if entry is not None and entry.is_primary_key:
            start = i
            break
        i -= 2
    if start < 0:
        raise DigitalLinkError(
            "syntax", "no GS1 primary key (such as /01/{GTIN}) found in the URI path"
        )

    path_pairs: list[AIPair] = []
    for j in range(start, len(segments), 2):
        ai, raw = path_ais[j], segments[j + 1]
        if not raw:
            raise DigitalLinkError("bad_value", f"AI ({ai}) has an empty value in the path", ai=ai)
        value = unescape_value(raw)
        if ai == "01" and permit_zero_suppressed_gtin:
            value = _pad_gtin(value)
        path_pairs.append((ai, value))
    key = path_pairs[0][0]
    path_quals = [ai for ai, _ in path_pairs[1:]]
    sequence = _qualifier_sequence(key, path_quals)
    positions = [sequence.index(q) for q in path_quals]
    for n in range(1, len(path_quals)):
        if positions[n] < positions[n - 1]:
            raise DigitalLinkError(
                "bad_order",
                f"AI ({path_quals[n]}) must come before AI ({path_quals[n - 1]}) in the URI path "
                f"(order for AI ({key}): {','.join(sequence)})",
                ai=path_quals[n],
            )

    attributes: list[AIPair] = []
    params: list[tuple[str, str]] = []
    seen = {ai for ai, _ in path_pairs}
    for part in query.split("&"):
        if not part:
            continue
        name, eq, raw = part.partition("=")
        if not eq or not _is_digits(name):
            params.append((unescape_value(name, query=True), unescape_value(raw, query=True)))
            continue
        entry = _lookup(name, permit_unknown_ais)
        if entry is None:
            raise DigitalLinkError(
                "unknown_ai", f"unknown AI ({name}) in the query string", ai=name
            )
        if not raw:
            raise DigitalLinkError(
                "bad_value", f"AI ({name}) has an empty value in the query", ai=name
            )
        if name in seen:
            raise DigitalLinkError("duplicate", f"AI ({name}) appears more than once", ai=name)
        seen.add(name)
        _check_attribute(key, path_quals, name, entry, allow_unknown_ai_attributes)
        value = unescape_value(raw, query=True)
        if name == "01" and permit_zero_suppressed_gtin:
            value = _pad_gtin(value)
        attributes.append((name, value))

    for ai, value in (*path_pairs, *attributes):
        if "\x00" in value:
            raise DigitalLinkError("syntax", f"AI ({ai}) value contains an encoded NUL", ai=ai)
        try:
            validate_ai(ai, value, today=today, permit_unknown_ais=permit_unknown_ais)
        except GS1Error as exc:
            raise _value_error(exc) from None

    prefix = "/".join(["", *segments[:start]]) if start else ""
    return DigitalLink(
        path_pairs[0], tuple(path_pairs[1:]), tuple(attributes), tuple(params), prefix, origin
    )
