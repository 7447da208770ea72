"""Property tests: every calendar is continuous, ordered and within the target and the
maximum, before and after any sequence of adjustments."""

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ldnclinic.plans.titration import (
    ADJUSTMENT_KINDS,
    MIN_DOSE_MG,
    Adjustment,
    PlanInputError,
    Scheme,
    apply_adjustments,
    build_calendar,
    effective_target,
)

ONE = datetime.timedelta(days=1)


def hundredths(low: int, high: int):
    return st.integers(low, high).map(lambda n: Decimal(n) / 100)


@st.composite
def schemes(draw) -> Scheme:
    beyond = draw(st.booleans()) and draw(st.booleans())
    top = 5000 if beyond else 450
    target = draw(hundredths(10, top))
    start = draw(hundredths(10, int(target * 100)))
    step = draw(st.one_of(st.just(Decimal(0)), hundredths(1, 300)))
    weight = per_kg = None
    if draw(st.integers(0, 3)) == 0:
        weight = Decimal(draw(st.integers(100, 1500))) / 10
        per_kg = draw(st.sampled_from([Decimal("0.05"), Decimal("0.1"), Decimal("0.2")]))
    max_mg = draw(st.one_of(st.none(), hundredths(10, 5000 if beyond else 450)))
    return Scheme.from_dict(
        {
            "start_mg": start,
            "step_mg": step,
            "interval_days": draw(st.integers(1, 60)),
            "target_mg": target,
            "max_mg": max_mg,
            "timing": draw(st.sampled_from(["bedtime", "morning"])),
            "weight_kg": weight,
            "mg_per_kg": per_kg,
            "beyond_low_dose_confirmed": beyond,
        }
    )


starts = st.dates(datetime.date(2024, 1, 1), datetime.date(2030, 12, 31))
durations = st.integers(1, 730)


def assert_ordered(steps, *, gaps_allowed: int):
    gaps = 0
    for step in steps:
        assert step.start_date <= step.end_date
    for a, b in zip(steps, steps[1:], strict=False):
        assert b.start_date > a.end_date, "overlap"
        if b.start_date != a.end_date + ONE:
            gaps += 1
    assert gaps <= gaps_allowed


def assert_within(calendar, scheme):
    cap = effective_target(scheme)
    assert cap <= scheme.target_mg and cap <= scheme.max_mg
    for step in calendar.steps:
        assert MIN_DOSE_MG <= step.dose_mg <= cap
        assert step.dose_mg == step.dose_mg.quantize(Decimal("0.01"))
        assert step.timing in ("bedtime", "morning")


@settings(max_examples=300, deadline=None)
@given(schemes(), starts, durations)
def test_a_calendar_is_continuous_and_never_exceeds_the_target(scheme, start, duration):
    calendar = build_calendar(scheme, start, duration)
    steps = calendar.steps
    assert steps[0].start_date == start
    assert steps[-1].end_date == start + datetime.timedelta(days=duration - 1)
    assert_ordered(steps, gaps_allowed=0)
    assert sum(s.days for s in steps) == duration
    assert_within(calendar, scheme)
    assert all(a.dose_mg <= b.dose_mg for a, b in zip(steps, steps[1:], strict=False))
    assert steps[0].dose_mg == min(scheme.start_mg, effective_target(scheme))
    # Every step but the last lasts exactly the interval.
    assert all(s.days == scheme.interval_days for s in steps[:-1])
    if steps[-1].dose_mg < effective_target(scheme):
        assert any("before reaching" in n for n in calendar.notices)


@st.composite
def adjustment_lists(draw, start: datetime.date, duration: int):
    out = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(ADJUSTMENT_KINDS + ("resume", "resume")))
        offset = draw(st.integers(-5, duration + 40))
        days = draw(st.integers(1, 90)) if kind == "hold" else None
        out.append(Adjustment(kind, start + datetime.timedelta(days=offset), days))
    return out


@settings(max_examples=300, deadline=None)
@given(schemes(), starts, st.integers(1, 400), st.data())
def test_after_any_adjustments_the_calendar_stays_whole_and_within_limits(
    scheme, start, duration, data
):
    calendar = build_calendar(scheme, start, duration)
    expected_end = calendar.end_date
    resumes = 0
    for adj in data.draw(adjustment_lists(start, duration)):
        before = calendar
        try:
            calendar = apply_adjustments(calendar, scheme, [adj])
        except PlanInputError as error:
            assert error.errors and all(isinstance(m, str) and m for m in error.errors.values())
            assert calendar is before
            continue
        if adj.kind == "resume":
            resumes += 1
            expected_end += adj.effective_date - before.paused_from
        assert_ordered(calendar.steps, gaps_allowed=resumes)
        assert_within(calendar, scheme)
        if calendar.steps:
            assert calendar.start_date >= start
        if calendar.stopped_from is not None:
            assert calendar.end_date is None or calendar.end_date < calendar.stopped_from
            assert calendar.kept == ()
        elif calendar.paused_from is not None:
            assert calendar.end_date is None or calendar.end_date < calendar.paused_from
            assert all(s.start_date >= calendar.paused_from for s in calendar.kept)
        elif resumes == 0:
            assert calendar.end_date == expected_end
        else:
            # A hold dated before a pause gap shifts the gap too; trimming at the end can
            # then cut the calendar inside the shifted gap.
            assert calendar.end_date <= expected_end
            assert len(calendar.gaps()) <= resumes


@settings(max_examples=200, deadline=None)
@given(schemes(), starts, st.integers(2, 300), st.data())
def test_a_hold_shifts_later_steps_and_keeps_the_end(scheme, start, duration, data):
    calendar = build_calendar(scheme, start, duration)
    offset = data.draw(st.integers(0, duration - 1))
    days = data.draw(st.integers(1, 90))
    day = start + datetime.timedelta(days=offset)
    held = apply_adjustments(calendar, scheme, [Adjustment("hold", day, days)])
    assert held.end_date == calendar.end_date
    # Every day's dose is the original dose of the day N days earlier, or the held dose.
    current = calendar.dose_on(day).dose_mg
    for n in range(duration):
        when = start + datetime.timedelta(days=n)
        got = held.dose_on(when).dose_mg
        if when < day:
            assert got == calendar.dose_on(when).dose_mg
        elif calendar.dose_on(when - datetime.timedelta(days=days)) is None or (
            when - datetime.timedelta(days=days) <= calendar.dose_on(day).end_date
        ):
            assert got == current
        else:
            assert got == calendar.dose_on(when - datetime.timedelta(days=days)).dose_mg


@settings(max_examples=200, deadline=None)
@given(schemes(), starts, st.integers(1, 300), st.data())
def test_the_scheme_survives_a_round_trip(scheme, start, duration, data):
    again = Scheme.from_dict(scheme.to_dict())
    assert again == scheme
    assert build_calendar(again, start, duration) == build_calendar(scheme, start, duration)
