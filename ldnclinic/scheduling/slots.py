"""Free appointment slots: pure Python, no Django.

The caller passes what the database knows (working hours, existing bookings, resource use,
bookings per day) and gets back the start times that may be offered. Every instant here is
an aware datetime; local dates and wall-clock hours exist only in `expand_working_hours`,
which turns a clinic's weekly hours into real intervals, correctly across DST changes.

An appointment blocks its practitioner (and its resource, if any) from `start - buffer_before`
to `end + buffer_after`; the appointment itself must lie inside working hours.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC


@dataclass(frozen=True, order=True)
class Interval:
    start: dt.datetime
    end: dt.datetime

    def __post_init__(self):
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Intervals need aware datetimes.")
        if self.end < self.start:
            raise ValueError("An interval cannot end before it starts.")

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class ServiceRule:
    duration: dt.timedelta
    buffer_before: dt.timedelta = dt.timedelta(0)
    buffer_after: dt.timedelta = dt.timedelta(0)
    min_notice: dt.timedelta = dt.timedelta(0)
    horizon: dt.timedelta = dt.timedelta(days=90)
    daily_cap: int | None = None
    resource_capacity: int | None = None  # None: the service needs no resource

    def blocked(self, start: dt.datetime) -> Interval:
        return Interval(start - self.buffer_before, start + self.duration + self.buffer_after)


@dataclass(frozen=True, order=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    practitioner_id: int


@dataclass(frozen=True)
class WeeklyHours:
    weekday: int  # Monday is 0, as in datetime.date.weekday()
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class DayException:
    """Time off (`available=False`) or extra hours (`available=True`) on one local date.
    Time off without times is the whole day."""

    date: dt.date
    available: bool
    start: dt.time | None = None
    end: dt.time | None = None


def _aware(day: dt.date, clock: dt.time, tz: ZoneInfo) -> dt.datetime:
    # A wall time in a spring-forward gap does not exist; zoneinfo reads it with the
    # offset in force before the change, which lands it an hour later (02:30 -> 03:30).
    return dt.datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _local_interval(day: dt.date, start: dt.time, end: dt.time, tz: ZoneInfo) -> Interval | None:
    begin = _aware(day, start, tz)
    if end == dt.time(0, 0):
        finish = _aware(day + dt.timedelta(days=1), end, tz)
    else:
        finish = _aware(day, end, tz)
    return Interval(begin, finish) if finish > begin else None


def subtract(intervals: Iterable[Interval], cut: Interval) -> list[Interval]:
    out = []
    for interval in intervals:
        if not interval.overlaps(cut):
            out.append(interval)
            continue
        if interval.start < cut.start:
            out.append(Interval(interval.start, cut.start))
        if cut.end < interval.end:
            out.append(Interval(cut.end, interval.end))
    return out


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            last = merged.pop()
            merged.append(Interval(last.start, max(last.end, interval.end)))
        else:
            merged.append(interval)
    return merged


def expand_working_hours(
    weekly: Sequence[WeeklyHours],
    first_day: dt.date,
    last_day: dt.date,
    tz: ZoneInfo,
    exceptions: Sequence[DayException] = (),
    closed_days: Iterable[dt.date] = (),
) -> list[Interval]:
    """Real working intervals for the local dates first_day..last_day (inclusive)."""
    closed = set(closed_days)
    by_day: dict[dt.date, list[DayException]] = {}
    for exception in exceptions:
        by_day.setdefault(exception.date, []).append(exception)
    intervals: list[Interval] = []
    day = first_day
    while day <= last_day:
        if day not in closed:
            todays = [
                interval
                for hours in weekly
                if hours.weekday == day.weekday()
                if (interval := _local_interval(day, hours.start, hours.end, tz)) is not None
            ]
            for exception in by_day.get(day, ()):
                if exception.available and exception.start and exception.end:
                    extra = _local_interval(day, exception.start, exception.end, tz)
                    todays.extend([extra] if extra else [])
            for exception in by_day.get(day, ()):
                if exception.available:
                    continue
                if exception.start is None or exception.end is None:
                    todays = []
                elif (off := _local_interval(day, exception.start, exception.end, tz)) is not None:
                    todays = subtract(todays, off)
            intervals.extend(merge(todays))
        day += dt.timedelta(days=1)
    return intervals


class _Busy:
    """Blocked intervals as sorted integer seconds (UTC epoch), for fast clash checks.

    The hot loop works in integers: aware-datetime arithmetic was most of the search."""

    def __init__(self, intervals: Iterable[Interval | tuple[int, int]]):
        pairs = sorted(
            i if isinstance(i, tuple) else (_floor_s(i.start), _ceil_s(i.end)) for i in intervals
        )
        self.starts = [a for a, _ in pairs]
        self.ends = [b for _, b in pairs]
        # The longest interval bounds how far back an overlapping interval can start.
        self.longest = max((b - a for a, b in pairs), default=0)

    def clear_from(self, start: int, end: int) -> int | None:
        """None if nothing overlaps [start, end); else the latest end among what does."""
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_left(self.starts, end)
        latest = None
        for index in range(lo, hi):
            finish = self.ends[index]
            if finish > start and (latest is None or finish > latest):
                latest = finish
        return latest


def _seconds(delta: dt.timedelta) -> int:
    return int(delta.total_seconds())


# Slot starts are whole epoch seconds, so rounding the real bounds outwards (busy time) or
# inwards (allowed time) keeps every comparison exact; truncating let a start land a
# fraction of a second before `now`, or inside a booking that ends a fraction past it.
def _floor_s(moment: dt.datetime) -> int:
    return math.floor(moment.timestamp())


def _ceil_s(moment: dt.datetime) -> int:
    return math.ceil(moment.timestamp())


def find_slots(
    rule: ServiceRule,
    *,
    working: Mapping[int, Sequence[Interval]],
    busy: Mapping[int, Sequence[Interval | tuple[int, int]]],
    resource_busy: Mapping[int, Sequence[Interval | tuple[int, int]]] | None = None,
    booked_per_day: Mapping[tuple[int, dt.date], int] | None = None,
    now: dt.datetime,
    range_start: dt.datetime,
    range_end: dt.datetime,
    step: dt.timedelta,
    tz: ZoneInfo,
) -> list[Slot]:
    """Start times a new appointment may take, per practitioner, sorted by time.

    working: practitioner id -> working intervals; busy: practitioner id -> blocked
    intervals of their existing appointments (buffers included); resource_busy: unit ->
    blocked intervals of the appointments holding that unit of the service's resource. A
    slot needs one unit free for its whole window, as the booking takes one unit (and the
    database refuses two overlapping bookings of a unit). Blocked intervals may also be
    given as (start, end) UTC epoch seconds, which skips datetime work. booked_per_day:
    (practitioner id, local date) -> appointments of this service already booked that day.
    """
    for moment in (now, range_start, range_end):
        if moment.tzinfo is None:
            raise ValueError("find_slots needs aware datetimes.")
    if step <= dt.timedelta(0):
        raise ValueError("The slot step must be positive.")
    if _seconds(step) <= 0:
        raise ValueError("The slot step must be at least a second.")  # or it never advances
    earliest = _ceil_s(max(range_start, now + rule.min_notice))
    latest = _ceil_s(min(range_end, now + rule.horizon))  # start < latest, for whole seconds
    if earliest >= latest:
        return []
    step_s, duration = _seconds(step), _seconds(rule.duration)
    before, after = _seconds(rule.buffer_before), _seconds(rule.buffer_after)
    booked_per_day = booked_per_day or {}
    units = None
    if rule.resource_capacity is not None:
        resource_busy = resource_busy or {}
        units = [_Busy(resource_busy.get(unit, ())) for unit in range(rule.resource_capacity)]
    found: list[tuple[int, int]] = []
    for practitioner_id, intervals in working.items():
        blocked = _Busy(busy.get(practitioner_id, ()))
        for interval in merge(intervals):
            start, stop = _ceil_s(interval.start), _floor_s(interval.end)
            if start < earliest:
                # Skip ahead to the first step at or after `earliest`, keeping alignment.
                start += -(-(earliest - start) // step_s) * step_s
            while start + duration <= stop and start < latest:
                if rule.daily_cap is not None:
                    local_day = dt.datetime.fromtimestamp(start, tz).date()
                    if booked_per_day.get((practitioner_id, local_day), 0) >= rule.daily_cap:
                        start += step_s
                        continue
                window_start, window_end = start - before, start + duration + after
                clash_end = blocked.clear_from(window_start, window_end)
                if clash_end is not None:
                    # Jump to the first step whose window starts once the clash is over.
                    start += max(1, -(-(clash_end + before - start) // step_s)) * step_s
                    continue
                if units is None or any(
                    unit.clear_from(window_start, window_end) is None for unit in units
                ):
                    found.append((start, practitioner_id))
                start += step_s
    found.sort()
    length = rule.duration
    slots = []
    for start, practitioner_id in found:
        moment = dt.datetime.fromtimestamp(start, UTC)
        slots.append(Slot(moment, moment + length, practitioner_id))
    return slots
