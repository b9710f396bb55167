"""Small helpers shared by the programme pages: numbers and labels as people read them."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import get_locale


def fmt(value: Decimal | int | None, places: int = 1) -> str:
    """1200.00 -> "1,200"; 43.75 -> "43.8"; None -> "—" (not yet measured)."""
    if value is None:
        return "—"
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.{places}f}"


def is_english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def pick(zh: str, en: str) -> str:
    """The record's English text on English pages when it has one, else the Chinese."""
    return en if is_english() and en else zh


# The targets' units are data written in Chinese; English pages show these words instead.
ENGLISH_UNITS = {
    "个": "",
    "人次": "person-times",
    "人": "people",
    "批": "lots",
    "件": "packs",
    "次": "scans",
    "家": "firms",
    "户": "households",
    "万元": "×10,000 yuan",
}


def unit(text: str) -> str:
    return ENGLISH_UNITS.get(text, text) if is_english() else text
