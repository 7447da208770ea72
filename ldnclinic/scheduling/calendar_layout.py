"""Where things sit on the staff calendar's grid: pure Python, no Django.

A calendar column is a CSS grid with one row per `ROW_MINUTES` of wall-clock time, from
the window's first hour. Positions come from the clinic's wall clock, not from UTC
offsets, so an appointment at 09:00 sits on the 09:00 row on either side of a
daylight-saving change. Appointments that overlap (a cancelled one and its replacement,
the repeated hour of a fall-back night) share the column side by side in lanes.

The templates turn the numbers into classes (`cal-at-<row>`, `cal-len-<rows>`,
`cal-lane-<lane>`, `cal-lspan-<lanes>`), which app.css defines: no inline styles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

ROW_MINUTES = 5
ROWS_PER_HOUR = 60 // ROW_MINUTES
DAY_MINUTES = 24 * 60
MAX_LANES = 4
DEFAULT_HOURS = (8, 18)


def minute_of_day(moment: dt.datetime, day: dt.date) -> int:
    """Wall-clock minutes since the start of local `day`, clamped to the day.

    `moment` must already be in the clinic's time zone."""
    local_day = moment.date()
    if local_day < day:
        return 0
    if local_day > day:
        return DAY_MINUTES
    return moment.hour * 60 + moment.minute


@dataclass(frozen=True)
class Window:
    """The hours a grid shows: first_hour inclusive to last_hour exclusive (0..24)."""

    first_hour: int
    last_hour: int

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * ROWS_PER_HOUR

    @property
    def start_minute(self) -> int:
        return self.first_hour * 60

    @property
    def end_minute(self) -> int:
        return self.last_hour * 60

    def row(self, minute: int) -> int:
        """The 1-based grid row a wall-clock minute falls in, clamped to the window."""
        minute = min(max(minute, self.start_minute), self.end_minute - ROW_MINUTES)
        return (minute - self.start_minute) // ROW_MINUTES + 1

    def span(self, start_minute: int, end_minute: int) -> int:
        """How many rows [start_minute, end_minute) covers inside the window (at least 1)."""
        start = max(start_minute, self.start_minute)
        end = min(end_minute, self.end_minute)
        first = self.row(start)
        covered = -(-(end - (self.start_minute + (first - 1) * ROW_MINUTES)) // ROW_MINUTES)
        return max(1, min(covered, self.rows - first + 1))

    def hours(self) -> list[tuple[int, int]]:
        """(hour, row) of each hour line, for the time gutter."""
        return [
            (hour, (hour - self.first_hour) * ROWS_PER_HOUR + 1)
            for hour in range(self.first_hour, self.last_hour)
        ]


def window_for(spans: Iterable[tuple[int, int]], default=DEFAULT_HOURS) -> Window:
    """The smallest whole-hour window holding the default hours and every
    (start minute, end minute) span given."""
    first, last = default
    for start, end in spans:
        if end <= start:
            continue
        first = min(first, start // 60)
        last = max(last, -(-end // 60))
    return Window(max(0, first), min(24, last))


@dataclass(frozen=True)
class Placed:
    """`item` at grid `row` for `span` rows, in grid columns `col`..`col + col_span - 1`
    of a column that has `lanes` lanes."""

    item: Any
    row: int
    span: int
    col: int
    col_span: int
    lanes: int


def _lanes(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(lane, lanes in its cluster) per span, 0-based lanes, in the given order.

    A cluster is a run of spans that overlap one another transitively; inside one, each
    span takes the first lane that is free by its start."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1], i))
    result: list[tuple[int, int]] = [(0, 1)] * len(spans)
    cluster: list[int] = []
    lane_ends: list[int] = []
    cluster_end = None

    def close():
        for index in cluster:
            result[index] = (result[index][0], len(lane_ends))

    for index in order:
        start, end = spans[index]
        end = max(end, start + 1)
        if cluster_end is not None and start >= cluster_end:
            close()
            cluster, lane_ends, cluster_end = [], [], None
        lane = next((n for n, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        result[index] = (lane, 0)
        cluster.append(index)
        cluster_end = end if cluster_end is None else max(cluster_end, end)
    close()
    return result


def place(items: Sequence[tuple[Any, int, int]], window: Window) -> tuple[list[Placed], int]:
    """Place (item, start minute, end minute) on a column; returns the placements (in
    the order given) and the column's lane count."""
    spans = [(start, end) for _, start, end in items]
    lanes = _lanes(spans)
    width = min(MAX_LANES, max((count for _, count in lanes), default=1))
    placed = []
    for (item, start, end), (lane, count) in zip(items, lanes, strict=True):
        count = min(count, width)
        lane = min(lane, count - 1)
        share = width // count
        col = lane * share + 1
        col_span = share if lane < count - 1 else width - col + 1
        placed.append(
            Placed(
                item=item,
                row=window.row(start),
                span=window.span(start, end),
                col=col,
                col_span=col_span,
                lanes=width,
            )
        )
    return placed, width


def wall_span(start: dt.datetime, end: dt.datetime, day: dt.date) -> tuple[int, int]:
    """(start minute, end minute) of local `start`..`end` on the wall clock of `day`.

    On a fall-back night the wall clock can run backwards inside one appointment; the
    real duration is used then, so the block never has a negative length."""
    first = minute_of_day(start, day)
    last = minute_of_day(end, day)
    if last <= first:
        # Not `end - start`: with one tzinfo on both, Python subtracts wall-clock times.
        real = int((end.timestamp() - start.timestamp()) // 60)
        last = min(DAY_MINUTES, first + max(real, ROW_MINUTES))
    return first, last
