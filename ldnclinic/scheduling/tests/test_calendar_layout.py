"""calendar_layout: rows, spans and lanes of the calendar grid (pure, no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ldnclinic.scheduling.calendar_layout import (
    MAX_LANES,
    Window,
    minute_of_day,
    place,
    wall_span,
    window_for,
)

NEW_YORK = ZoneInfo("America/New_York")
EIGHT_TO_SIX = Window(8, 18)


def test_rows_count_five_minutes_from_the_first_hour():
    assert EIGHT_TO_SIX.rows == 120
    assert EIGHT_TO_SIX.row(8 * 60) == 1
    assert EIGHT_TO_SIX.row(9 * 60) == 13
    assert EIGHT_TO_SIX.row(9 * 60 + 7) == 14  # 09:07 is in the 09:05 row
    assert EIGHT_TO_SIX.hours()[:2] == [(8, 1), (9, 13)]


def test_spans_cover_partial_rows_and_stop_at_the_window():
    assert EIGHT_TO_SIX.span(9 * 60, 9 * 60 + 30) == 6
    assert EIGHT_TO_SIX.span(9 * 60 + 7, 9 * 60 + 20) == 3  # the 09:05, 09:10 and 09:15 rows
    assert EIGHT_TO_SIX.span(17 * 60 + 30, 19 * 60) == 6  # cut at 18:00
    assert EIGHT_TO_SIX.span(9 * 60, 9 * 60) == 1  # never less than a row


def test_the_window_grows_to_hold_everything_in_whole_hours():
    assert window_for([]) == Window(8, 18)
    assert window_for([(7 * 60 + 30, 9 * 60), (17 * 60, 19 * 60 + 5)]) == Window(7, 20)
    assert window_for([(0, 24 * 60)]) == Window(0, 24)


def test_wall_clock_minutes_ignore_the_utc_offset():
    spring = dt.datetime(2026, 3, 8, 9, tzinfo=NEW_YORK)  # EDT, 13:00 UTC
    winter = dt.datetime(2026, 3, 6, 9, tzinfo=NEW_YORK)  # EST, 14:00 UTC
    assert minute_of_day(spring, spring.date()) == minute_of_day(winter, winter.date()) == 540


def test_wall_spans_are_clamped_to_the_day():
    day = dt.date(2026, 11, 30)
    late = dt.datetime(2026, 11, 30, 23, 30, tzinfo=NEW_YORK)
    assert wall_span(late, late + dt.timedelta(hours=1), day) == (23 * 60 + 30, 24 * 60)


def test_the_repeated_hour_of_a_fall_back_night_keeps_its_real_length():
    first = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)
    first_one_thirty = first.astimezone(NEW_YORK)  # EDT
    second_one_thirty = (first + dt.timedelta(hours=1)).astimezone(NEW_YORK)  # EST
    assert second_one_thirty.hour == first_one_thirty.hour == 1
    start, end = wall_span(first_one_thirty, second_one_thirty, dt.date(2026, 11, 1))
    assert (start, end) == (90, 150)


def test_apart_appointments_take_the_whole_width():
    placed, lanes = place([("a", 540, 570), ("b", 600, 630)], EIGHT_TO_SIX)
    assert lanes == 1
    assert [(p.col, p.col_span) for p in placed] == [(1, 1), (1, 1)]


def test_overlapping_appointments_share_the_width_in_lanes():
    placed, lanes = place(
        [("a", 540, 600), ("b", 555, 585), ("c", 620, 650), ("d", 540, 560)], EIGHT_TO_SIX
    )
    assert lanes == 3
    by_item = {p.item: (p.col, p.col_span) for p in placed}
    # a, d and b overlap at 09:15: three lanes; c, alone, spans them all.
    assert sorted(by_item[k] for k in "abd") == [(1, 1), (2, 1), (3, 1)]
    assert by_item["c"] == (1, 3)


def test_back_to_back_appointments_do_not_overlap():
    placed, lanes = place([("a", 540, 570), ("b", 570, 600)], EIGHT_TO_SIX)
    assert lanes == 1


spans = st.lists(
    st.tuples(st.integers(8 * 60, 17 * 60), st.integers(5, 120)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=12,
)


@given(spans)
def test_overlapping_blocks_never_share_a_lane_while_lanes_last(items):
    placed, lanes = place([(n, s, e) for n, (s, e) in enumerate(items)], EIGHT_TO_SIX)
    assert 1 <= lanes <= MAX_LANES
    for p in placed:
        assert p.col >= 1 and p.col + p.col_span - 1 <= lanes
        assert p.row >= 1 and p.row + p.span - 1 <= EIGHT_TO_SIX.rows
    if lanes < MAX_LANES:
        for a in placed:
            for b in placed:
                sa, ea = items[a.item]
                sb, eb = items[b.item]
                overlap = a.item != b.item and sa < eb and sb < ea
                same_cols = set(range(a.col, a.col + a.col_span)) & set(
                    range(b.col, b.col + b.col_span)
                )
                assert not (overlap and same_cols)
