"""Property tests: what is dispensed covers every dosing day of the period exactly once,
in consecutive fills that each stay within the beyond-use days."""

import contextlib
import datetime
from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ldnclinic.plans.formulation import Capsule, Liquid, dispense_for, volume_ml
from ldnclinic.plans.tests.test_titration_properties import adjustment_lists, schemes
from ldnclinic.plans.titration import PlanInputError, apply_adjustments, build_calendar

ONE = datetime.timedelta(days=1)
formulations = st.one_of(
    st.just(Capsule()),
    st.builds(
        Liquid,
        st.sampled_from([Decimal("0.5"), Decimal("1")]),
        st.booleans(),
    ),
)


def dosing_days(calendar, first, last) -> dict[datetime.date, Decimal]:
    days = {}
    for step in calendar.steps:
        day = max(step.start_date, first)
        while day <= min(step.end_date, last):
            days[day] = step.dose_mg
            day += ONE
    return days


@st.composite
def adjusted_calendars(draw):
    scheme = draw(schemes())
    start = draw(st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)))
    duration = draw(st.integers(1, 400))
    calendar = build_calendar(scheme, start, duration)
    for adj in draw(adjustment_lists(start, duration)):
        with contextlib.suppress(PlanInputError):
            calendar = apply_adjustments(calendar, scheme, [adj])
    return calendar


@settings(max_examples=300, deadline=None)
@given(adjusted_calendars(), formulations, st.integers(1, 200), st.data())
def test_fills_cover_every_dosing_day_of_the_period_exactly(calendar, form, bud, data):
    key = (
        "capsule"
        if isinstance(form, Capsule)
        else ("liquid_preserved" if form.preserved else "liquid_non_preserved")
    )
    period = {}
    if calendar.steps and data.draw(st.booleans()):
        first = calendar.start_date + ONE * data.draw(st.integers(-10, 60))
        last = first + ONE * data.draw(st.integers(0, 300))
        period = {"period_start": first, "period_end": last}
    dispense = dispense_for(calendar, form, bud_days={key: bud}, **period)
    if not calendar.steps:
        assert dispense.fills == ()
        return
    first = period.get("period_start", calendar.start_date)
    last = period.get("period_end", calendar.end_date)
    wanted = dosing_days(calendar, first, last)

    covered = []
    for fill in dispense.fills:
        assert fill.start_date <= fill.end_date
        assert fill.days <= bud
        day = fill.start_date
        while day <= fill.end_date:
            covered.append(day)
            day += ONE
    assert covered == sorted(wanted), "fills must be consecutive and cover each day once"
    for a, b in zip(dispense.fills, dispense.fills[1:], strict=False):
        assert a.end_date < b.start_date

    if isinstance(form, Capsule):
        expected = Counter(f"{dose.normalize():f}" for dose in wanted.values())
        assert dispense.strengths == dict(expected)
        for fill in dispense.fills:
            assert sum(fill.capsules.values()) == fill.days
            assert fill.volume_ml is None
    else:
        for fill in dispense.fills:
            need = sum(volume_ml(wanted[fill.start_date + ONE * n], form) for n in range(fill.days))
            assert need <= fill.volume_ml < need + 1
            assert fill.volume_ml == fill.volume_ml.to_integral_value()
            assert fill.capsules == {}
        assert dispense.total_volume_ml >= sum(volume_ml(d, form) for d in wanted.values())
    if dispense.fills:
        assert dispense.days_supply == dispense.fills[0].days
        assert dispense.refills == len(dispense.fills) - 1
