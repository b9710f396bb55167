"""The service's clock: now, its time zone (the TIMEZONE setting), today there, and the one
check that a date or time a person gives is not in the future.

Everything that needs the time asks this module, so a test can pin it (`pinned`) and the zone
is defined once. Stored times are UTC; "today" and calendar days are the county's (Dayao is in
Asia/Shanghai, UTC+8 all year), so a record made at 07:00 on the 1st in Dayao belongs to the 1st
even though it is still the 30th or 31st in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from trace.errors import ValidationError

DEFAULT_ZONE = "Asia/Shanghai"
# A phone or a scale whose clock runs a few minutes fast must not have a reading taken just now
# refused as being in the future.
CLOCK_SKEW = dt.timedelta(minutes=5)

_zone: dt.tzinfo = ZoneInfo(DEFAULT_ZONE)
_pinned: dt.datetime | None = None


def set_zone(name: str) -> None:
    """Use the IANA zone `name` (the TIMEZONE setting); create_app calls this."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> dt.tzinfo:
    """The service's time zone."""
    return _zone


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC (the pinned moment while a test pins the clock)."""
    return _pinned if _pinned is not None else dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    """Now in the service's zone."""
    return utcnow().astimezone(_zone)


def local_today() -> dt.date:
    """Today in the service's zone: a certificate valid to 30 June is still valid at 07:00 UTC
    on 30 June, and at 17:00 UTC on 30 June it is already 1 July in Dayao."""
    return local_now().date()


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day `moment` (timezone-aware) falls on in the service's zone."""
    return moment.astimezone(_zone).date()


def local_datetime(day: dt.date, time: dt.time = dt.time()) -> dt.datetime:
    """`time` o'clock on `day` in the service's zone, timezone-aware."""
    return dt.datetime.combine(day, time, _zone)


def check_not_future(value: dt.date | dt.datetime, field: str) -> None:
    """Refuse a date after today (in the service's zone), or a time later than now plus the
    clock-skew allowance. Raises ValidationError naming `field`; a naive time is refused too."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError.for_field(field, "datetime.needs_zone")
        if value > utcnow() + CLOCK_SKEW:
            raise ValidationError.for_field(field, "date.in_future")
    elif value > local_today():
        raise ValidationError.for_field(field, "date.in_future")


@contextmanager
def pinned(moment: dt.datetime) -> Iterator[None]:
    """Stop the clock at `moment` (timezone-aware) until the block ends; for tests and demos."""
    global _pinned
    if moment.tzinfo is None:
        raise ValueError("pin the clock to a timezone-aware moment")
    previous, _pinned = _pinned, moment.astimezone(dt.UTC)
    try:
        yield
    finally:
        _pinned = previous
