"""expand_working_hours: weekly wall-clock hours into real UTC intervals, across DST changes,
time off, extra hours and closures."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ldnclinic.scheduling.slots import (
    DayException,
    ServiceRule,
    WeeklyHours,
    expand_working_hours,
    find_slots,
)

NEW_YORK = ZoneInfo("America/New_York")
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
SPRING_FORWARD = dt.date(2026, 3, 8)  # New York skips 02:00-03:00
FALL_BACK = dt.date(2026, 11, 1)  # New York lives 01:00-02:00 twice
MONDAY = dt.date(2026, 6, 1)
WEEKDAYS_9_TO_5 = [WeeklyHours(day, dt.time(9), dt.time(17)) for day in range(5)]


def hours(start, end, weekday):
    return [WeeklyHours(weekday, dt.time(*start), dt.time(*end))]


def local(intervals, tz=NEW_YORK):
    """Intervals as local ISO times with offsets, the way a person checks them."""
    return [
        (
            i.start.astimezone(tz).isoformat(timespec="minutes"),
            i.end.astimezone(tz).isoformat(timespec="minutes"),
        )
        for i in intervals
    ]


def expand(weekly, first_day, last_day=None, tz=NEW_YORK, **extra):
    return expand_working_hours(weekly, first_day, last_day or first_day, tz, **extra)


# DST


def test_expanded_intervals_are_aware_and_in_utc():
    found = expand(WEEKDAYS_9_TO_5, MONDAY, MONDAY + dt.timedelta(days=6))
    assert len(found) == 5
    assert all(i.start.tzinfo is dt.UTC and i.end.tzinfo is dt.UTC for i in found)
    assert found[0].start == dt.datetime(2026, 6, 1, 13, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "day, offset",
    [(SPRING_FORWARD, "-04:00"), (FALL_BACK, "-05:00")],
    ids=["spring-forward", "fall-back"],
)
def test_nine_to_five_on_a_change_day_offers_eight_wall_clock_hours(day, offset):
    working = expand(hours((9,), (17,), day.weekday()), day)
    assert local(working) == [(f"{day}T09:00{offset}", f"{day}T17:00{offset}")]
    assert working[0].end - working[0].start == 8 * HOUR

    found = find_slots(
        ServiceRule(duration=45 * MINUTE),
        working={1: working},
        busy={},
        now=dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=1),
        range_start=working[0].start,
        range_end=working[0].end,
        step=15 * MINUTE,
        tz=NEW_YORK,
    )
    starts = [slot.start.astimezone(NEW_YORK).isoformat(timespec="minutes") for slot in found]
    assert starts[0] == f"{day}T09:00{offset}"
    assert starts[-1] == f"{day}T16:15{offset}"
    assert len(starts) == 30  # 09:00 .. 16:15 every 15 minutes
    assert all(start.endswith(offset) for start in starts)


@pytest.mark.parametrize(
    "zone, day",
    [
        ("Europe/London", dt.date(2026, 3, 29)),
        ("Europe/London", dt.date(2026, 10, 25)),
        ("Australia/Sydney", dt.date(2026, 4, 5)),
        ("Australia/Sydney", dt.date(2026, 10, 4)),
    ],
)
def test_other_zones_keep_wall_clock_hours_on_their_change_days(zone, day):
    tz = ZoneInfo(zone)
    (working,) = expand(hours((9,), (17,), day.weekday()), day, tz=tz)
    assert working.start.astimezone(tz).replace(tzinfo=None) == dt.datetime.combine(day, dt.time(9))
    assert working.end - working.start == 8 * HOUR


def test_hours_across_the_skipped_hour_are_an_hour_shorter():
    # 01:00-04:00 on the spring-forward day: 02:00-03:00 never happens.
    working = expand(hours((1,), (4,), SPRING_FORWARD.weekday()), SPRING_FORWARD)
    assert local(working) == [("2026-03-08T01:00-05:00", "2026-03-08T04:00-04:00")]
    assert working[0].end - working[0].start == 2 * HOUR


def test_hours_inside_the_skipped_hour_vanish():
    working = expand(hours((2,), (3,), SPRING_FORWARD.weekday()), SPRING_FORWARD)
    assert working == []


def test_a_wall_time_in_the_skipped_hour_is_read_with_the_offset_before_the_change():
    # 02:30 does not exist; read as 02:30 EST it is 03:30 EDT, so 02:30-04:00 is half an
    # hour long (PEP 495 fold=0). Pinned so that a change to this is a deliberate one.
    working = expand(hours((2, 30), (4,), SPRING_FORWARD.weekday()), SPRING_FORWARD)
    assert local(working) == [("2026-03-08T03:30-04:00", "2026-03-08T04:00-04:00")]


def test_the_repeated_hour_is_worked_twice():
    # 01:00 is read as its first occurrence (EDT) and 02:00 exists once (EST), so
    # 01:00-02:00 on the fall-back day covers both runs of 01:00-02:00: two real hours.
    working = expand(hours((1,), (2,), FALL_BACK.weekday()), FALL_BACK)
    assert local(working) == [("2026-11-01T01:00-04:00", "2026-11-01T02:00-05:00")]
    assert working[0].end - working[0].start == 2 * HOUR


@pytest.mark.parametrize(
    "day, length",
    [(SPRING_FORWARD, 23 * HOUR), (FALL_BACK, 25 * HOUR), (MONDAY, 24 * HOUR)],
    ids=["spring-forward", "fall-back", "ordinary"],
)
def test_a_whole_day_lasts_as_long_as_the_local_day(day, length):
    (working,) = expand(hours((0,), (0,), day.weekday()), day)
    assert working.end - working.start == length


# Exceptions and weekly shapes


def test_a_day_off_removes_that_day_only():
    tuesday = MONDAY + dt.timedelta(days=1)
    working = expand(
        WEEKDAYS_9_TO_5,
        MONDAY,
        MONDAY + dt.timedelta(days=2),
        exceptions=[DayException(tuesday, available=False)],
    )
    assert [i.start.astimezone(NEW_YORK).date() for i in working] == [
        MONDAY,
        MONDAY + dt.timedelta(days=2),
    ]


def test_partial_time_off_splits_the_hours():
    off = DayException(MONDAY, available=False, start=dt.time(12), end=dt.time(13, 30))
    working = expand(WEEKDAYS_9_TO_5, MONDAY, exceptions=[off])
    assert local(working) == [
        ("2026-06-01T09:00-04:00", "2026-06-01T12:00-04:00"),
        ("2026-06-01T13:30-04:00", "2026-06-01T17:00-04:00"),
    ]


def test_time_off_outside_the_hours_changes_nothing():
    off = DayException(MONDAY, available=False, start=dt.time(18), end=dt.time(20))
    assert expand(WEEKDAYS_9_TO_5, MONDAY, exceptions=[off]) == expand(WEEKDAYS_9_TO_5, MONDAY)


def test_extra_hours_open_a_normally_free_day():
    saturday = MONDAY + dt.timedelta(days=5)
    extra = DayException(saturday, available=True, start=dt.time(10), end=dt.time(14))
    working = expand(WEEKDAYS_9_TO_5, saturday, exceptions=[extra])
    assert local(working) == [("2026-06-06T10:00-04:00", "2026-06-06T14:00-04:00")]


def test_extra_hours_next_to_the_usual_ones_merge():
    extra = DayException(MONDAY, available=True, start=dt.time(16), end=dt.time(19))
    working = expand(WEEKDAYS_9_TO_5, MONDAY, exceptions=[extra])
    assert local(working) == [("2026-06-01T09:00-04:00", "2026-06-01T19:00-04:00")]


def test_time_off_wins_over_extra_hours_on_the_same_date():
    extra = DayException(MONDAY, available=True, start=dt.time(17), end=dt.time(19))
    off = DayException(MONDAY, available=False)
    assert expand(WEEKDAYS_9_TO_5, MONDAY, exceptions=[off, extra]) == []


def test_a_closure_removes_the_day_even_with_extra_hours():
    extra = DayException(MONDAY, available=True, start=dt.time(17), end=dt.time(19))
    working = expand(
        WEEKDAYS_9_TO_5,
        MONDAY,
        MONDAY + dt.timedelta(days=1),
        exceptions=[extra],
        closed_days=[MONDAY],
    )
    assert local(working) == [("2026-06-02T09:00-04:00", "2026-06-02T17:00-04:00")]


@pytest.mark.parametrize(
    "weekly",
    [
        [((9,), (12,)), ((11,), (14,))],
        [((9,), (12,)), ((12,), (14,))],
        [((9,), (14,)), ((10,), (11,))],
    ],
    ids=["overlapping", "touching", "nested"],
)
def test_overlapping_weekly_intervals_merge(weekly):
    rows = [WeeklyHours(MONDAY.weekday(), dt.time(*a), dt.time(*b)) for a, b in weekly]
    assert local(expand(rows, MONDAY)) == [("2026-06-01T09:00-04:00", "2026-06-01T14:00-04:00")]


def test_an_interval_ending_at_midnight_runs_to_the_end_of_the_day():
    working = expand(hours((20,), (0,), MONDAY.weekday()), MONDAY)
    assert local(working) == [("2026-06-01T20:00-04:00", "2026-06-02T00:00-04:00")]


def test_hours_that_end_before_they_start_are_ignored():
    # An overnight 22:00-02:00 is not a thing weekly hours can say; it expands to nothing.
    assert expand(hours((22,), (2,), MONDAY.weekday()), MONDAY) == []


def test_weekday_zero_is_monday():
    working = expand(hours((9,), (10,), 0), MONDAY, MONDAY + dt.timedelta(days=6))
    assert [i.start.astimezone(NEW_YORK).date() for i in working] == [MONDAY]


def test_an_empty_date_range_has_no_hours():
    assert expand(WEEKDAYS_9_TO_5, MONDAY, MONDAY - dt.timedelta(days=1)) == []
