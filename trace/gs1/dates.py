"""GS1 dates: YYMMDD values and the century of a two-digit year (General Specifications 7.12)."""

from __future__ import annotations

import calendar
from datetime import date

from trace.gs1.charsets import _lint_digits
from trace.gs1.errors import _fault


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
