"""find_slots: the invariants every offered slot keeps, checked on generated clinics.

Each property runs on a whole generated scenario: a time zone, weekly hours, a date range
that often straddles a DST change, time off, closures, bookings (some off the minute grid),
resource use, a service rule and a `now` that carries microseconds as `timezone.now()` does.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldnclinic.scheduling.slots import (
    DayException,
    Interval,
    ServiceRule,
    Slot,
    WeeklyHours,
    expand_working_hours,
    find_slots,
)

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)

# Local dates of the 2026 DST changes; the range is often placed over one of them.
DST_CHANGES = {
    "America/New_York": [dt.date(2026, 3, 8), dt.date(2026, 11, 1)],
    "Europe/London": [dt.date(2026, 3, 29), dt.date(2026, 10, 25)],
    "Australia/Sydney": [dt.date(2026, 4, 5), dt.date(2026, 10, 4)],
    "UTC": [],
    "Asia/Kolkata": [],
}

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Scenario:
    tz: ZoneInfo
    first_day: dt.date
    last_day: dt.date
    rule: ServiceRule
    working: dict[int, list[Interval]]
    busy: dict[int, list[Interval]]
    resource_busy: dict[int, list[Interval]]  # resource unit -> blocked intervals
    booked_per_day: dict[tuple[int, dt.date], int]
    now: dt.datetime
    range_start: dt.datetime
    range_end: dt.datetime
    step: dt.timedelta

    def slots(self) -> list[Slot]:
        return find_slots(
            self.rule,
            working=self.working,
            busy=self.busy,
            resource_busy=self.resource_busy,
            booked_per_day=self.booked_per_day,
            now=self.now,
            range_start=self.range_start,
            range_end=self.range_end,
            step=self.step,
            tz=self.tz,
        )


def clock(minutes: int) -> dt.time:
    """Minutes since local midnight as a wall time; 1440 is the midnight that ends the day."""
    return dt.time(0) if minutes == 1440 else dt.time(minutes // 60, minutes % 60)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(UTC)


@st.composite
def day_ranges(draw, changes):
    length = draw(st.integers(1, 21))
    if changes and draw(st.integers(0, 3)):
        change = draw(st.sampled_from(changes))
        first = change - dt.timedelta(days=draw(st.integers(0, length - 1)))
    else:
        first = draw(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    return first, first + dt.timedelta(days=length - 1)


@st.composite
def wall_intervals(draw):
    """(start, end) wall times on the 5-minute grid, end after start; may end at midnight."""
    start = draw(st.integers(0, 287)) * 5
    end = draw(st.integers(start // 5 + 1, 288)) * 5
    return clock(start), clock(end)


@st.composite
def weekly_hours(draw, weekdays):
    """1-3 intervals on each weekday the searched range reaches (the others cannot matter)."""
    return [
        WeeklyHours(weekday, *draw(wall_intervals()))
        for weekday in weekdays
        for _ in range(draw(st.integers(1, 3)))
    ]


@st.composite
def day_exceptions(draw, days):
    exceptions = []
    for _ in range(draw(st.integers(0, 3))):
        day = draw(st.sampled_from(days))
        kind = draw(st.sampled_from(["day off", "time off", "extra hours"]))
        if kind == "day off":
            exceptions.append(DayException(day, available=False))
        else:
            exceptions.append(DayException(day, kind == "extra hours", *draw(wall_intervals())))
    return exceptions


@st.composite
def bookings(draw, origin: dt.datetime, span_minutes: int, most: int):
    """Blocked intervals around the searched days, a few off the minute grid (some by a
    fraction of a second)."""
    out = []
    for _ in range(draw(st.integers(0, most))):
        start = origin + MINUTE * draw(st.integers(0, span_minutes))
        out.append(Interval(start, start + MINUTE * draw(st.integers(1, 240))))
    nudges = st.builds(
        dt.timedelta,
        seconds=st.integers(0, 59),
        microseconds=st.sampled_from([0, 1, 500_000, 999_999]),
    )
    for index in draw(st.sets(st.integers(0, len(out) - 1), max_size=3) if out else st.just(())):
        shift = draw(nudges)
        start, end = out[index].start + shift, out[index].end + shift + draw(nudges)
        out[index] = Interval(start, end)
    return out


@st.composite
def service_rules(draw, capped=False, with_resource=False):
    minutes = st.integers(0, 30).map(lambda m: m * MINUTE)
    caps, capacities = st.integers(0, 3), st.integers(1, 2)
    return ServiceRule(
        duration=MINUTE * draw(st.integers(5, 120)),
        buffer_before=draw(minutes),
        buffer_after=draw(minutes),
        min_notice=MINUTE * draw(st.integers(0, 3 * 1440)),
        horizon=MINUTE * draw(st.integers(60, 30 * 1440)),
        daily_cap=draw(caps if capped else st.none() | caps),
        resource_capacity=draw(capacities if with_resource else st.none() | capacities),
    )


@st.composite
def scenarios(draw, capped=False, with_resource=False):
    zone = draw(st.sampled_from(sorted(DST_CHANGES)))
    tz = ZoneInfo(zone)
    first_day, last_day = draw(day_ranges(DST_CHANGES[zone]))
    days = [first_day + n * DAY for n in range((last_day - first_day).days + 1)]
    closed = draw(st.lists(st.sampled_from(days), max_size=2))
    practitioners = draw(st.lists(st.integers(1, 99), min_size=1, max_size=2, unique=True))
    weekdays = sorted({day.weekday() for day in days})
    working = {
        pid: expand_working_hours(
            draw(weekly_hours(weekdays)),
            first_day,
            last_day,
            tz,
            draw(day_exceptions(days)),
            closed,
        )
        for pid in practitioners
    }

    day_start = local_midnight(first_day, tz)
    day_end = local_midnight(last_day + DAY, tz)
    # Bookings start up to a day before the range and up to a day after it.
    origin, span = day_start - DAY, (len(days) + 2) * 1440
    busy = {pid: draw(bookings(origin, span, most=20)) for pid in practitioners}
    resource_busy = {unit: draw(bookings(origin, span, most=8)) for unit in range(3)}
    booked_per_day = {
        (pid, day): draw(st.integers(0, 4))
        for pid in practitioners
        for day in draw(st.lists(st.sampled_from(days), max_size=4, unique=True))
    }

    now = origin + MINUTE * draw(st.integers(-1440, span))
    now += dt.timedelta(microseconds=draw(st.sampled_from([0, 0, 1, 250_000, 999_999])))
    range_start, range_end = day_start, day_end
    if draw(st.booleans()):
        range_start += MINUTE * draw(st.integers(0, 1440))
        range_end -= MINUTE * draw(st.integers(0, 1440))
    return Scenario(
        tz=tz,
        first_day=first_day,
        last_day=last_day,
        rule=draw(service_rules(capped, with_resource)),
        working=working,
        busy=busy,
        resource_busy=resource_busy,
        booked_per_day=booked_per_day,
        now=now,
        range_start=range_start,
        range_end=range_end,
        step=MINUTE * draw(st.sampled_from([5, 10, 15, 30])),
    )


# A deliberately naive reference: plain loops over datetimes, no bisecting, no skipping.


def union(intervals: list[Interval]) -> list[Interval]:
    """Working time as disjoint intervals; touching ones (a day ending at midnight and the
    next one starting then) are one stretch of time."""
    out: list[Interval] = []
    for interval in sorted(intervals):
        if out and interval.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, interval.end))
        else:
            out.append(interval)
    return out


def has_free_unit(s: Scenario, window: Interval) -> bool:
    """Some unit of the resource is free for the whole of `window`."""
    return any(
        not any(b.overlaps(window) for b in s.resource_busy.get(unit, []))
        for unit in range(s.rule.resource_capacity)
    )


def is_offerable(s: Scenario, pid: int, start: dt.datetime) -> bool:
    rule = s.rule
    window = rule.blocked(start)
    cap = rule.daily_cap
    return (
        start >= s.now + rule.min_notice
        and start < s.now + rule.horizon
        and s.range_start <= start < s.range_end
        and not (cap is not None and s.booked_per_day.get((pid, local_date(s, start)), 0) >= cap)
        and not any(b.overlaps(window) for b in s.busy[pid])
        and (rule.resource_capacity is None or has_free_unit(s, window))
    )


def reference_slots(s: Scenario) -> list[Slot]:
    """Every start on the step grid (counted from the start of each stretch of working time)
    that keeps all the rules."""
    found = []
    for pid, intervals in s.working.items():
        for stretch in union(intervals):
            start = stretch.start
            while start + s.rule.duration <= stretch.end:
                if is_offerable(s, pid, start):
                    found.append(Slot(start, start + s.rule.duration, pid))
                start += s.step
    return sorted(found)


def local_date(s: Scenario, moment: dt.datetime) -> dt.date:
    return moment.astimezone(s.tz).date()


@PROPERTY
@given(scenarios())
def test_no_slot_overlaps_a_booking_or_its_buffers(s):
    for slot in s.slots():
        window = Interval(slot.start - s.rule.buffer_before, slot.end + s.rule.buffer_after)
        clashes = [b for b in s.busy[slot.practitioner_id] if b.overlaps(window)]
        assert clashes == [], slot


@PROPERTY
@given(scenarios())
def test_every_appointment_lies_inside_working_hours(s):
    for slot in s.slots():
        appointment = Interval(slot.start, slot.end)
        assert slot.end - slot.start == s.rule.duration
        working = union(s.working[slot.practitioner_id])
        assert any(stretch.contains(appointment) for stretch in working), slot


@PROPERTY
@given(scenarios())
def test_every_slot_keeps_notice_horizon_and_range(s):
    for slot in s.slots():
        assert slot.start >= s.now + s.rule.min_notice, (slot, s.now)
        assert slot.start < s.now + s.rule.horizon, (slot, s.now)
        assert s.range_start <= slot.start < s.range_end, slot


@PROPERTY
@given(scenarios(with_resource=True))
def test_no_slot_overbooks_the_resource(s):
    for slot in s.slots():
        window = s.rule.blocked(slot.start)
        assert has_free_unit(s, window), slot


@PROPERTY
@given(scenarios())
def test_slots_are_sorted_unique_and_aware(s):
    found = s.slots()
    assert found == sorted(set(found))
    assert all(slot.start.utcoffset() is not None for slot in found)


@PROPERTY
@given(scenarios(capped=True))
def test_no_slot_on_a_day_that_reached_its_cap(s):
    for slot in s.slots():
        booked = s.booked_per_day.get((slot.practitioner_id, local_date(s, slot.start)), 0)
        assert booked < s.rule.daily_cap, slot


@PROPERTY
@given(scenarios())
def test_it_offers_exactly_the_grid_starts_that_keep_every_rule(s):
    # Completeness (every valid grid start is offered) and, with the checks above, nothing else.
    assert s.slots() == reference_slots(s)


@PROPERTY
@given(scenarios())
def test_bookings_as_epoch_seconds_give_the_same_slots(s):
    # The database hands over blocked ranges as whole epoch seconds, rounded outwards.
    def seconds(intervals):
        return [(math.floor(i.start.timestamp()), math.ceil(i.end.timestamp())) for i in intervals]

    as_seconds = replace(
        s,
        busy={pid: seconds(b) for pid, b in s.busy.items()},
        resource_busy={unit: seconds(b) for unit, b in s.resource_busy.items()},
    )
    assert as_seconds.slots() == s.slots()


# Examples


NINE = dt.datetime(2026, 6, 1, 9, tzinfo=UTC)  # a Monday
RULE = ServiceRule(duration=30 * MINUTE, buffer_after=10 * MINUTE)
STEP = 15 * MINUTE


def search(rule=RULE, *, working, busy=None, now=NINE - DAY, step=STEP, **extra):
    return find_slots(
        rule,
        working=working,
        busy=busy or {},
        now=now,
        range_start=extra.pop("range_start", NINE - 9 * dt.timedelta(hours=1)),
        range_end=extra.pop("range_end", NINE + 15 * dt.timedelta(hours=1)),
        step=step,
        tz=UTC,
        **extra,
    )


def starts(slots):
    return [slot.start.strftime("%H:%M") for slot in slots]


def test_it_offers_the_whole_grid_when_nothing_is_booked():
    found = search(working={1: [Interval(NINE, NINE + 2 * dt.timedelta(hours=1))]})
    assert starts(found) == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30"]


def test_it_keeps_a_booking_and_both_buffers_free():
    rule = ServiceRule(duration=30 * MINUTE, buffer_before=5 * MINUTE, buffer_after=10 * MINUTE)
    booking = Interval(NINE + 60 * MINUTE, NINE + 90 * MINUTE)  # 10:00-10:30
    found = search(
        rule,
        working={1: [Interval(NINE, NINE + 3 * dt.timedelta(hours=1))]},
        busy={1: [booking]},
    )
    # 09:15 blocks 09:10-09:55, clear of 10:00; 09:30 would block until 10:10.
    # 10:30 would block from 10:25; 10:45 blocks from 10:40, the first window after 10:30.
    assert starts(found) == ["09:00", "09:15", "10:45", "11:00", "11:15", "11:30"]


def test_a_booking_of_another_practitioner_does_not_block():
    hours = [Interval(NINE, NINE + 60 * MINUTE)]
    found = search(working={1: hours, 2: hours}, busy={2: [Interval(NINE, NINE + 60 * MINUTE)]})
    assert {slot.practitioner_id for slot in found} == {1}


def test_a_shared_resource_allows_as_many_bookings_as_its_capacity():
    hours = [Interval(NINE, NINE + 30 * MINUTE)]
    held = [Interval(NINE, NINE + 40 * MINUTE)]
    one = ServiceRule(duration=30 * MINUTE, resource_capacity=1)
    two = ServiceRule(duration=30 * MINUTE, resource_capacity=2)
    assert search(one, working={1: hours}, resource_busy={0: held}) == []
    assert starts(search(two, working={1: hours}, resource_busy={0: held})) == ["09:00"]
    assert search(two, working={1: hours}, resource_busy={0: held, 1: held}) == []


def test_resource_bookings_in_sequence_on_one_unit_leave_the_other_free():
    hours = [Interval(NINE, NINE + 60 * MINUTE)]
    first, second = (
        Interval(NINE, NINE + 30 * MINUTE),
        Interval(NINE + 30 * MINUTE, NINE + 60 * MINUTE),
    )
    two = ServiceRule(duration=60 * MINUTE, resource_capacity=2)
    assert starts(search(two, working={1: hours}, resource_busy={0: [first, second]})) == ["09:00"]
    # Never two at once, but no single unit is free for the whole hour: the booking could
    # not take one unit, so the slot is not offered.
    assert search(two, working={1: hours}, resource_busy={0: [first], 1: [second]}) == []


def test_the_daily_cap_counts_the_clinic_local_date():
    # 14:00 UTC on 1 June is midnight starting 2 June in Sydney, where the cap is reached.
    sydney = ZoneInfo("Australia/Sydney")
    late = NINE.replace(hour=14)
    rule = ServiceRule(duration=30 * MINUTE, daily_cap=1)
    found = find_slots(
        rule,
        working={1: [Interval(late - 60 * MINUTE, late + 30 * MINUTE)]},
        busy={},
        booked_per_day={(1, dt.date(2026, 6, 2)): 1},
        now=NINE - DAY,
        range_start=NINE - DAY,
        range_end=NINE + DAY,
        step=30 * MINUTE,
        tz=sydney,
    )
    assert starts(found) == ["13:00", "13:30"]


def test_notice_counts_from_now_to_the_microsecond():
    # At 09:00:00.25 with no notice, 09:00:00 has already passed.
    hours = [Interval(NINE, NINE + 60 * MINUTE)]
    now = NINE + dt.timedelta(microseconds=250_000)
    assert starts(search(working={1: hours}, now=now))[0] == "09:15"


def test_a_booking_ending_a_fraction_of_a_second_into_a_slot_blocks_it():
    hours = [Interval(NINE, NINE + 60 * MINUTE)]
    booking = Interval(NINE - 60 * MINUTE, NINE + dt.timedelta(microseconds=500_000))
    assert starts(search(working={1: hours}, busy={1: [booking]}))[0] == "09:15"


# Bad input


def test_naive_datetimes_raise():
    naive = dt.datetime(2026, 6, 1, 9)
    with pytest.raises(ValueError):
        Interval(naive, naive + MINUTE)
    with pytest.raises(ValueError):
        Interval(NINE, naive)
    for name in ("now", "range_start", "range_end"):
        with pytest.raises(ValueError):
            search(working={1: [Interval(NINE, NINE + DAY)]}, **{name: naive})


def test_an_interval_ending_before_it_starts_raises():
    with pytest.raises(ValueError):
        Interval(NINE, NINE - MINUTE)


@pytest.mark.parametrize("step", [dt.timedelta(0), -STEP])
def test_a_step_that_is_not_positive_raises(step):
    with pytest.raises(ValueError):
        search(working={1: [Interval(NINE, NINE + DAY)]}, step=step)


def test_a_step_under_a_second_raises_rather_than_looping():
    with pytest.raises(ValueError):
        search(working={1: [Interval(NINE, NINE + DAY)]}, step=dt.timedelta(milliseconds=500))


@pytest.mark.parametrize("length", [dt.timedelta(0), -DAY])
def test_an_empty_range_has_no_slots(length):
    found = search(
        working={1: [Interval(NINE - DAY, NINE + DAY)]}, range_start=NINE, range_end=NINE + length
    )
    assert found == []


def test_a_range_beyond_the_horizon_has_no_slots():
    found = search(working={1: [Interval(NINE, NINE + DAY)]}, now=NINE - 91 * DAY)
    assert found == []


# Scale: correctness on a clinic-sized search; timing lives in bench/.


def test_it_handles_ten_practitioners_over_eight_weeks_with_five_thousand_bookings():
    tz = ZoneInfo("Europe/London")  # the range spans the change on 29 March
    first_day, last_day = dt.date(2026, 3, 16), dt.date(2026, 5, 10)
    weekly = [WeeklyHours(day, dt.time(8), dt.time(18)) for day in range(5)]
    working = {pid: expand_working_hours(weekly, first_day, last_day, tz) for pid in range(10)}
    rng = random.Random(20260316)
    busy: dict[int, list[Interval]] = {pid: [] for pid in range(10)}
    free_day, full_day = dt.date(2026, 4, 1), dt.date(2026, 4, 2)
    for _ in range(5000):
        pid = rng.randrange(10)
        start = local_midnight(first_day, tz) + 5 * MINUTE * rng.randrange(56 * 288)
        if pid == 0 and start.astimezone(tz).date() in (free_day, free_day - DAY):
            continue  # practitioner 0 keeps 1 April clear
        busy[pid].append(Interval(start, start + 5 * MINUTE * rng.randrange(1, 25)))
    busy[1].append(Interval(local_midnight(full_day, tz), local_midnight(full_day + DAY, tz)))
    rule = ServiceRule(duration=30 * MINUTE, buffer_after=10 * MINUTE, daily_cap=6)
    booked = {(2, dt.date(2026, 4, 3)): 6}
    s = Scenario(
        tz=tz,
        first_day=first_day,
        last_day=last_day,
        rule=rule,
        working=working,
        busy=busy,
        resource_busy={},
        booked_per_day=booked,
        now=local_midnight(first_day, tz),
        range_start=local_midnight(first_day, tz),
        range_end=local_midnight(last_day + DAY, tz),
        step=STEP,
    )
    found = s.slots()

    assert sum(len(b) for b in busy.values()) > 4500
    assert found == sorted(set(found))
    on = {}
    for slot in found:
        on.setdefault((slot.practitioner_id, local_date(s, slot.start)), []).append(slot)
    # 08:00 .. 17:30 every 15 minutes, in BST (+01:00) after the change.
    free = on[(0, free_day)]
    assert len(free) == 39
    assert free[0].start.astimezone(tz).isoformat() == "2026-04-01T08:00:00+01:00"
    assert free[-1].start.astimezone(tz).isoformat() == "2026-04-01T17:30:00+01:00"
    assert (1, full_day) not in on
    assert (2, dt.date(2026, 4, 3)) not in on
    assert not any(day.weekday() >= 5 for _, day in on)
    sample = random.Random(7).sample(found, 300)
    for slot in sample:
        assert is_offerable(s, slot.practitioner_id, slot.start), slot
