"""trace.clock: the zone from TIMEZONE, the county's today, the one not-in-the-future check."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import DAYAO_MOMENTS
from trace import clock, create_app
from trace.errors import Problem, ValidationError

UTC = dt.UTC


def test_today_is_the_countys_date_not_the_machines(dayao_clock):
    local = dayao_clock + dt.timedelta(hours=8)  # Dayao keeps UTC+8 all year
    assert clock.local_today() == local.date()
    assert clock.local_now().utcoffset() == dt.timedelta(hours=8)
    assert clock.utcnow() == dayao_clock


def test_just_after_midnight_in_dayao_is_already_the_next_day_and_month():
    with clock.pinned(DAYAO_MOMENTS["year-first-minute"]):
        assert clock.utcnow().date() == dt.date(2026, 12, 31)
        assert clock.local_today() == dt.date(2027, 1, 1)
    with clock.pinned(DAYAO_MOMENTS["march-first"]):
        assert clock.local_today() == dt.date(2027, 3, 1)
        assert clock.local_date(clock.utcnow() - dt.timedelta(hours=1)) == dt.date(2027, 2, 28)


def test_a_date_is_refused_from_tomorrow_in_dayao(dayao_clock):
    today = clock.local_today()
    clock.check_not_future(today, "harvested_on")  # today is fine, however late in the day
    with pytest.raises(ValidationError) as caught:
        clock.check_not_future(today + dt.timedelta(days=1), "harvested_on")
    assert caught.value.errors == {"harvested_on": [Problem("date.in_future")]}


def test_a_time_may_run_ahead_by_the_skew_allowance_only(dayao_clock):
    clock.check_not_future(dayao_clock + clock.CLOCK_SKEW, "measured_at")
    with pytest.raises(ValidationError) as caught:
        clock.check_not_future(dayao_clock + clock.CLOCK_SKEW + dt.timedelta(seconds=1), "at")
    assert caught.value.errors == {"at": [Problem("date.in_future")]}
    with pytest.raises(ValidationError) as naive:
        clock.check_not_future(dayao_clock.replace(tzinfo=None), "at")
    assert naive.value.errors == {"at": [Problem("datetime.needs_zone")]}


def test_local_datetime_is_that_hour_in_the_service_zone():
    noon = clock.local_datetime(dt.date(2027, 1, 1), dt.time(12))
    assert noon.astimezone(UTC) == dt.datetime(2027, 1, 1, 4, tzinfo=UTC)
    assert clock.local_datetime(dt.date(2027, 1, 1)).astimezone(UTC).day == 31


def test_the_zone_comes_from_the_timezone_setting(tmp_path):
    evening = dt.datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    try:
        create_app({"TIMEZONE": "Europe/Berlin", "INSTANCE_DIR": str(tmp_path), "TESTING": True})
        with clock.pinned(evening):
            assert clock.local_today() == dt.date(2026, 12, 31)  # 21:00 in Berlin
    finally:
        clock.set_zone(clock.DEFAULT_ZONE)
    with clock.pinned(evening):
        assert clock.local_today() == dt.date(2027, 1, 1)  # 04:00 in Dayao


def test_pinning_needs_an_aware_moment_and_ends_with_the_block():
    with pytest.raises(ValueError), clock.pinned(dt.datetime(2027, 1, 1)):
        pass
    moment = dt.datetime(2027, 1, 1, tzinfo=UTC)
    with clock.pinned(moment):
        assert clock.utcnow() == moment
    assert clock.utcnow() != moment
