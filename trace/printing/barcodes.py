"""EAN-13 and GS1-128 (Code 128 with FNC1) encoders producing bar module patterns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Final

from trace import gs1
from trace.printing.errors import BarcodeError

# --- GS1 numbers ------------------------------------------------------------------------------


@lru_cache(maxsize=1024)  # every label of a batch re-validates the same GTIN
def gs1_check_digit(digits: str) -> int:
    """Return the GS1 mod-10 check digit for ``digits`` (the number without its check digit):
    trace.gs1's, with the printing layer's error."""
    try:
        return int(gs1.check_digit(digits))
    except gs1.GS1Error:
        raise BarcodeError(f"GS1 number must be digits, got {digits!r}") from None


def validate_gtin14(gtin: str) -> str:
    """Return ``gtin`` if it is a 14-digit GTIN with a correct check digit, else raise."""
    if len(gtin) != 14 or not gtin.isascii() or not gtin.isdigit():
        raise BarcodeError(f"GTIN must be 14 digits (GTIN-14), got {gtin!r}")
    if gs1_check_digit(gtin[:-1]) != int(gtin[-1]):
        raise BarcodeError(f"GTIN {gtin} has a wrong check digit")
    return gtin


def gtin13_from_gtin14(gtin: str) -> str:
    """The GTIN-13 printed as EAN-13: the GTIN-14 without its leading 0."""
    validate_gtin14(gtin)
    if gtin[0] != "0":
        raise BarcodeError(
            f"GTIN {gtin} starts with indicator digit {gtin[0]}: it identifies a trade unit that "
            "cannot be printed as EAN-13; use a GS1-128 (carton) template instead"
        )
    return gtin[1:]


# --- EAN-13 -----------------------------------------------------------------------------------

# Left-hand odd-parity (set A) patterns; set C is their complement and set B its mirror.
_EAN_L: Final = (
    "0001101",
    "0011001",
    "0010011",
    "0111101",
    "0100011",
    "0110001",
    "0101111",
    "0111011",
    "0110111",
    "0001011",
)
_EAN_R: Final = tuple(p.translate(str.maketrans("01", "10")) for p in _EAN_L)
_EAN_G: Final = tuple(p[::-1] for p in _EAN_R)
# The first digit is not drawn: it is carried by the A/B parity mix of the left half.
_EAN_PARITY: Final = (
    "AAAAAA",
    "AABABB",
    "AABBAB",
    "AABBBA",
    "ABAABB",
    "ABBAAB",
    "ABBBAA",
    "ABABAB",
    "ABABBA",
    "ABBABA",
)
EAN13_QUIET_LEFT: Final = 11
EAN13_QUIET_RIGHT: Final = 7


@dataclass(frozen=True, slots=True)
class Ean13Symbol:
    """An EAN-13 as 95 modules ('1' = bar), with guard positions for the longer bars."""

    digits: str
    modules: str
    guards: tuple[tuple[int, int], ...]


def encode_ean13(gtin13: str) -> Ean13Symbol:
    """Encode a 13-digit GTIN (check digit included and verified) as EAN-13 modules."""
    if len(gtin13) != 13 or not gtin13.isascii() or not gtin13.isdigit():
        raise BarcodeError(f"EAN-13 needs 13 digits, got {gtin13!r}")
    if gs1_check_digit(gtin13[:12]) != int(gtin13[12]):
        raise BarcodeError(f"EAN-13 {gtin13} has a wrong check digit")
    parity = _EAN_PARITY[int(gtin13[0])]
    left = "".join(
        (_EAN_L if p == "A" else _EAN_G)[int(d)] for p, d in zip(parity, gtin13[1:7], strict=True)
    )
    right = "".join(_EAN_R[int(d)] for d in gtin13[7:])
    modules = "101" + left + "01010" + right + "101"
    return Ean13Symbol(gtin13, modules, ((0, 3), (45, 50), (92, 95)))


# --- Code 128 / GS1-128 -----------------------------------------------------------------------

# Bar/space widths of Code 128 symbol values 0..106 (106 = stop, 13 modules), ten per row.
_C128_TEXT: Final = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 2331112"
)
_C128: Final = tuple(_C128_TEXT.split())
_FNC1: Final = 102
_START_B: Final = 104
_START_C: Final = 105
_CODE_B: Final = 100  # switch to set B while in set C
_CODE_C: Final = 99  # switch to set C while in set B
_STOP: Final = 106
C128_QUIET: Final = 10  # minimum quiet zone each side, in modules

FNC1: Final = "\x1d"  # stands for FNC1 inside a Code 128 data string (as GS in transmitted data)


def _c128_values(data: str) -> list[int]:
    """Symbol values (start..data, no check/stop) using the fewest characters over sets B and C."""
    for ch in data:
        if ch != FNC1 and not (32 <= ord(ch) <= 126):
            raise BarcodeError(f"character {ch!r} cannot be encoded in Code 128 set B/C")
    n = len(data)
    inf = 1 << 30
    # cost[i][s]: fewest symbols to encode data[i:] when currently in set s (0 = B, 1 = C).
    cost = [[inf, inf] for _ in range(n + 1)]
    cost[n] = [0, 0]

    def step_c(i: int) -> int:
        if data[i] == FNC1:
            return 1
        if i + 1 < n and data[i].isdigit() and data[i + 1].isdigit():
            return 2
        return 0

    for i in range(n - 1, -1, -1):
        b = 1 + cost[i + 1][0]
        k = step_c(i)
        c = 1 + cost[i + k][1] if k else inf
        # A switch costs one symbol; taking the cheaper set after it keeps the result optimal.
        cost[i][0] = min(b, 1 + c)
        cost[i][1] = min(c, 1 + b)

    values: list[int] = []
    s = 1 if cost[0][1] <= cost[0][0] else 0
    values.append(_START_C if s else _START_B)
    i = 0
    while i < n:
        k = step_c(i)
        stay = (1 + cost[i + k][1] if k else inf) if s else 1 + cost[i + 1][0]
        if stay > cost[i][s]:
            s = 1 - s
            values.append(_CODE_C if s else _CODE_B)
            continue
        if data[i] == FNC1:
            values.append(_FNC1)
            i += 1
        elif s:
            values.append(int(data[i : i + 2]))
            i += 2
        else:
            values.append(ord(data[i]) - 32)
            i += 1
    return values


def encode_code128(data: str) -> str:
    """Encode ``data`` (FNC1 written as ``FNC1``) as Code 128 modules ('1' = bar), no quiet zone."""
    values = _c128_values(data)
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    out: list[str] = []
    for v in [*values, check, _STOP]:
        widths = _C128[v]
        out.extend(("1" if j % 2 == 0 else "0") * int(w) for j, w in enumerate(widths))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class AiSpec:
    """One GS1 Application Identifier this module can print."""

    ai: str
    pattern: re.Pattern[str]
    title: str


# GS1 character set 82, the alphabet allowed in lots and serials.
_CSET82: Final = r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]"
AI_SPECS: Final[dict[str, AiSpec]] = {
    "01": AiSpec("01", re.compile(r"\d{14}"), "GTIN"),
    "10": AiSpec("10", re.compile(_CSET82 + "{1,20}"), "BATCH/LOT"),
    "11": AiSpec("11", re.compile(r"\d{6}"), "PROD DATE"),
    "13": AiSpec("13", re.compile(r"\d{6}"), "PACK DATE"),
    "15": AiSpec("15", re.compile(r"\d{6}"), "BEST BEFORE"),
    "17": AiSpec("17", re.compile(r"\d{6}"), "USE BY"),
    "21": AiSpec("21", re.compile(_CSET82 + "{1,20}"), "SERIAL"),
}
# AIs whose first two digits are in GS1's predefined-length table need no FNC1 after them.
_PREDEFINED_LENGTH_TEXT: Final = "00 01 02 03 04 11 12 13 14 15 16 17 18 19 20 31 32 33 34 35 36 41"
_PREDEFINED_LENGTH_PREFIXES: Final = frozenset(_PREDEFINED_LENGTH_TEXT.split())


def gs1_date(value: date) -> str:
    """A date as GS1 YYMMDD."""
    return value.strftime("%y%m%d")


def gs1_element_data(elements: Sequence[tuple[str, str]]) -> str:
    """Code 128 data for GS1 element strings: FNC1 first, and after each variable-length AI
    except the last one (the end of the symbol already terminates it)."""
    if not elements:
        raise BarcodeError("a GS1-128 needs at least one element string")
    parts = [FNC1]
    for i, (ai, value) in enumerate(elements):
        spec = AI_SPECS.get(ai)
        if spec is None:
            raise BarcodeError(f"AI ({ai}) is not supported; supported: {sorted(AI_SPECS)}")
        if not spec.pattern.fullmatch(value):
            raise BarcodeError(f"value {value!r} is not valid for AI ({ai}) {spec.title}")
        if ai == "01":
            validate_gtin14(value)
        parts.append(ai + value)
        if ai[:2] not in _PREDEFINED_LENGTH_PREFIXES and i < len(elements) - 1:
            parts.append(FNC1)
    return "".join(parts)


def gs1_hri(elements: Sequence[tuple[str, str]]) -> str:
    """Human-readable interpretation: ``(01)06901234567892 (10)DY208HT250915-003``."""
    return " ".join(f"({ai}){value}" for ai, value in elements)


@dataclass(frozen=True, slots=True)
class Gs1_128Symbol:
    """A GS1-128 as modules ('1' = bar), with its HRI text."""

    elements: tuple[tuple[str, str], ...]
    modules: str
    hri: str


def encode_gs1_128(elements: Sequence[tuple[str, str]]) -> Gs1_128Symbol:
    """Encode GS1 element strings ``[(ai, value), ...]`` as a GS1-128 symbol."""
    data = gs1_element_data(elements)
    return Gs1_128Symbol(tuple(elements), encode_code128(data), gs1_hri(elements))


def bar_runs(modules: str) -> list[tuple[int, int]]:
    """``(start, width)`` of each bar in a module string."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, m in enumerate(modules + "0"):
        if m == "1" and start < 0:
            start = i
        elif m == "0" and start >= 0:
            runs.append((start, i - start))
            start = -1
    return runs
