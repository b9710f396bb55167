"""Quantities as farmers give them ("320斤", "1.5 公斤", "320jin") and the one conversion of a
mass to kilograms; pure (no Flask, no database).

A lot keeps the quantity and unit the farmer gave (320 斤 stays 320 斤); totals, label capacity,
lot operations and exports that need one scale call `to_kg` (1 斤 = 0.5 kg exactly, in Decimal).
A typed number that cannot be read is refused with a message code naming the field
(trace/messages.py: quantity.*).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from trace.errors import ValidationError
from trace.models.batches import Unit

# Mass units and their size in kilograms; every other unit is a count (piece, box, bottle).
KG_PER: dict[Unit, Decimal] = {
    Unit.KG: Decimal(1),
    Unit.JIN: Decimal("0.5"),  # 市斤: 500 g by law since 1959
    Unit.G: Decimal("0.001"),
    Unit.T: Decimal(1000),
}

# What people type after a number, lower-cased: Chinese, pinyin and the usual symbols.
UNIT_WORDS: dict[str, Unit] = {
    "斤": Unit.JIN,
    "市斤": Unit.JIN,
    "jin": Unit.JIN,
    "公斤": Unit.KG,
    "千克": Unit.KG,
    "kg": Unit.KG,
    "kgs": Unit.KG,
    "gongjin": Unit.KG,
    "克": Unit.G,
    "g": Unit.G,
    "吨": Unit.T,
    "t": Unit.T,
    "个": Unit.PIECE,
    "件": Unit.PIECE,
    "箱": Unit.BOX,
    "瓶": Unit.BOTTLE,
}

# A number, then perhaps a unit: "320", "320斤", "320 斤", "1.5公斤", "1,500 kg".
_TYPED = re.compile(r"^(?P<number>[0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)\s*(?P<unit>[^\s0-9.,]*)$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")


def to_kg(quantity: Decimal, unit: Unit | str) -> Decimal | None:
    """`quantity` of `unit` in kilograms, exactly; None for a count (pieces, boxes, bottles)."""
    factor = KG_PER.get(Unit(unit))
    return None if factor is None else quantity * factor


def is_mass(unit: Unit | str) -> bool:
    return Unit(unit) in KG_PER


def _normal(text: str) -> str:
    """Full-width digits, letters and spaces as ASCII (NFKC); the ideographic full stop as a
    decimal point (a Chinese keyboard types 1。5)."""
    return unicodedata.normalize("NFKC", text).replace("。", ".").strip()


def parse_quantity(typed: object, field: str = "quantity") -> tuple[Decimal, Unit | None]:
    """A typed quantity as (number, unit or None when none was typed).

    "320斤" -> (320, jin); "1.5 公斤" -> (1.5, kg); "320" -> (320, None); a number (not text)
    is taken as it is. Raises ValidationError naming `field`: quantity.not_a_number (no Arabic
    number, such as 三百斤 or 1,5), quantity.unknown_unit (320两)."""
    if isinstance(typed, bool):
        raise ValidationError.for_field(field, "quantity.not_a_number")
    if isinstance(typed, int | Decimal):
        return Decimal(typed), None
    if isinstance(typed, float):
        return Decimal(str(typed)), None
    found = _TYPED.match(_normal(str(typed)))
    if found is None:
        raise ValidationError.for_field(field, "quantity.not_a_number")
    number = found.group("number")
    if "," in number:
        if not _GROUPED.match(number):  # 1,5 (a decimal comma?) is too easy to misread
            raise ValidationError.for_field(field, "quantity.not_a_number")
        number = number.replace(",", "")
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal numbers
        raise ValidationError.for_field(field, "quantity.not_a_number") from None
    word = found.group("unit").lower()
    if not word:
        return value, None
    unit = UNIT_WORDS.get(word)
    if unit is None:
        raise ValidationError.for_field(field, "quantity.unknown_unit", unit=word)
    return value, unit


def parse_number(typed: object, field: str, suffixes: tuple[str, ...] = ()) -> Decimal:
    """A typed measurement as a Decimal: "7.5", "7.5%", "７．５" (full width). `suffixes` are
    the unit signs that may follow it, lower-case after NFKC ("%", "°c" for ℃).

    Raises ValidationError(field, <field>.not_a_number)."""
    if isinstance(typed, bool):
        raise ValidationError.for_field(field, f"{field}.not_a_number")
    if isinstance(typed, int | Decimal):
        return Decimal(typed)
    if isinstance(typed, float):
        return Decimal(str(typed))
    text = _normal(str(typed)).lower()
    for suffix in suffixes:
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
            break
    if not re.fullmatch(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)", text):
        raise ValidationError.for_field(field, f"{field}.not_a_number")
    return Decimal(text)
