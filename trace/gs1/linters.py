"""Content checks named as in the GS1 Barcode Syntax Dictionary (the Syntax Engine's linters)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

from trace.gs1.charsets import (
    _is_digits,
    _lint_cset39,
    _lint_cset82,
    _lint_digits,
    _mod10,
    check_char_pair,
)
from trace.gs1.dates import parse_gs1_date
from trace.gs1.errors import _fault

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


_Linter = Callable[[str, date | None], None]


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
