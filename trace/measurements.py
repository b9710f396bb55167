"""Measured values recorded on trace events (drying: 含水率 %, grading: 果径 and 单果重, storing:
温度 and 相对湿度); pure (no Flask, no database).

They live in the event's `details`, so they are part of the hashed, append-only record: a
value is checked against its range once, on the way in, and written as exact decimal text
("7.6", as the harvest's quantity is), the same bytes on SQLite and PostgreSQL. Typed as
farmers type them: "7.6", "7.6%", "７．６" (full width). Keys outside this table stay free-form.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from trace.errors import ValidationError
from trace.models.events import EventType
from trace.quantities import parse_number


@dataclass(frozen=True)
class Measure:
    """One measured value: its `details` key (also the message codes' subject), its range, the
    decimal places kept and the unit signs that may be typed after it."""

    key: str
    minimum: Decimal
    maximum: Decimal
    places: int
    suffixes: tuple[str, ...]
    target_max: Decimal | None = None  # a target to show as a hint, never a refusal

    def check(self, typed: Any) -> str:
        """The value as exact decimal text. Raises ValidationError(<key>.not_a_number or
        <key>.range, naming the key)."""
        value = parse_number(typed, self.key, self.suffixes)
        if not self.minimum <= value <= self.maximum:
            raise ValidationError.for_field(
                self.key, f"{self.key}.range", min=_text(self.minimum), max=_text(self.maximum)
            )
        quantum = Decimal(1).scaleb(-self.places)
        return _text(value.quantize(quantum, rounding=ROUND_HALF_UP))


def _text(value: Decimal) -> str:
    """7.60 -> "7.6", 4 -> "4", 1E+1 -> "10": no exponent, no trailing zeros."""
    return format(value.normalize(), "f") if value != 0 else "0"


# The dried walnut target (DOMAIN.md: 晾晒/烘干 to ≤ 8% moisture).
DRIED_WALNUT_MOISTURE_PCT = Decimal(8)

MEASURES: dict[EventType, tuple[Measure, ...]] = {
    EventType.DRYING: (
        Measure(
            "moisture_pct",
            Decimal(0),
            Decimal(100),
            1,
            ("%", "％"),
            target_max=DRIED_WALNUT_MOISTURE_PCT,
        ),
    ),
    EventType.GRADING: (
        Measure("diameter_mm", Decimal(5), Decimal(80), 1, ("mm", "毫米")),
        Measure("mean_nut_weight_g", Decimal("0.1"), Decimal(100), 1, ("g", "克")),
    ),
    EventType.STORING: (
        Measure("temperature_c", Decimal(-40), Decimal(60), 1, ("°c", "度", "c")),
        Measure("humidity_pct", Decimal(0), Decimal(100), 0, ("%", "％")),
    ),
}


def measures_of(event_type: EventType | str) -> tuple[Measure, ...]:
    try:
        return MEASURES.get(EventType(event_type), ())
    except ValueError:
        return ()


def check_measurements(event_type: EventType | str, details: dict[str, Any]) -> dict[str, Any]:
    """`details` with the event type's measured values checked and written as decimal text;
    an empty value ("" or None) is left out. Raises ValidationError naming the first bad key."""
    checked = dict(details)
    for measure in measures_of(event_type):
        if measure.key not in checked:
            continue
        typed = checked[measure.key]
        if typed is None or (isinstance(typed, str) and not typed.strip()):
            del checked[measure.key]
            continue
        checked[measure.key] = measure.check(typed)
    return checked


def above_target(event_type: EventType | str, details: dict[str, Any]) -> list[Measure]:
    """The measures whose value is above their target (moisture over 8%): a hint to show."""
    return [
        m
        for m in measures_of(event_type)
        if m.target_max is not None
        and isinstance(details.get(m.key), str)
        and Decimal(details[m.key]) > m.target_max
    ]
