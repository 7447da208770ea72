"""The titration engine on the seed schemes, its refusals and each adjustment by example."""

import datetime
from decimal import Decimal as D

import pytest

from ldnclinic.plans.titration import (
    Adjustment,
    Calendar,
    PlanInputError,
    Scheme,
    Step,
    apply_adjustments,
    build_calendar,
    effective_target,
    validate_scheme,
)

MON = datetime.date(2026, 1, 5)


def day(n: int) -> datetime.date:
    """Plan day n (1-based) of a plan starting on MON."""
    return MON + datetime.timedelta(days=n - 1)


def scheme(**values) -> Scheme:
    base = {"start_mg": "1.5", "step_mg": "1.5", "interval_days": 7, "target_mg": "4.5"}
    return Scheme.from_dict(base | values)


def doses(calendar: Calendar) -> list[tuple[str, int]]:
    return [(f"{s.dose_mg.normalize():f}", s.days) for s in calendar.steps]


STANDARD = scheme()
LOW_AND_SLOW = scheme(start_mg="0.5", step_mg="0.5")
SLOW_THYROID = scheme(start_mg="0.5", step_mg="0.5", interval_days=14)
FIXED = scheme(start_mg="4.5", step_mg="0", target_mg="4.5")


def paediatric(weight) -> Scheme:
    return scheme(start_mg="0.5", step_mg="0.5", mg_per_kg="0.1", weight_kg=weight)


# -- the seed schemes -------------------------------------------------------------------


def test_the_standard_scheme_steps_weekly_to_4_5_mg():
    calendar = build_calendar(STANDARD, MON, 84)
    assert doses(calendar) == [("1.5", 7), ("3", 7), ("4.5", 70)]
    assert calendar.start_date == MON
    assert calendar.end_date == day(84)
    assert calendar.notices == ()
    assert all(s.timing == "bedtime" for s in calendar.steps)


def test_low_and_slow_takes_nine_steps_of_half_a_milligram():
    calendar = build_calendar(LOW_AND_SLOW, MON, 84)
    assert len(calendar.steps) == 9
    assert [s.dose_mg for s in calendar.steps] == [D("0.5") * n for n in range(1, 10)]
    assert [s.days for s in calendar.steps] == [7] * 8 + [84 - 56]


def test_slow_thyroid_steps_every_fourteen_days():
    calendar = build_calendar(SLOW_THYROID, MON, 180)
    assert [s.days for s in calendar.steps] == [14] * 8 + [180 - 112]
    assert calendar.steps[-1].dose_mg == D("4.5")
    assert calendar.steps[1].start_date == day(15)


def test_the_fixed_trial_dose_is_one_step():
    calendar = build_calendar(FIXED, MON, 84)
    assert doses(calendar) == [("4.5", 84)]


def test_start_equal_to_target_is_one_step_whatever_the_step():
    calendar = build_calendar(scheme(start_mg="3", target_mg="3"), MON, 30)
    assert doses(calendar) == [("3", 30)]


def test_a_paediatric_target_is_weight_times_mg_per_kg():
    calendar = build_calendar(paediatric(30), MON, 84)
    assert effective_target(paediatric(30)) == D("3")
    assert calendar.steps[-1].dose_mg == D("3")
    assert len(calendar.steps) == 6
    assert "30 kg × 0.1 mg/kg = 3 mg" in calendar.notices[0]


def test_a_heavy_child_is_capped_at_4_5_mg():
    calendar = build_calendar(paediatric(60), MON, 84)
    assert calendar.steps[-1].dose_mg == D("4.5")
    assert max(s.dose_mg for s in calendar.steps) == D("4.5")
    assert "6 mg, capped at 4.5 mg" in calendar.notices[0]


def test_the_weight_based_target_rounds_down_to_a_tenth():
    assert effective_target(paediatric("12.9")) == D("1.2")
    calendar = build_calendar(paediatric("12.9"), MON, 84)
    assert doses(calendar)[-1][0] == "1.2"
    assert any("would pass the 1.2 mg target" in n for n in calendar.notices)


def test_a_start_above_a_small_childs_target_is_clamped():
    calendar = build_calendar(paediatric(3), MON, 28)
    assert doses(calendar) == [("0.3", 28)]
    assert any("the plan starts at 0.3 mg" in n for n in calendar.notices)


def test_a_step_that_overshoots_is_clamped_and_said_so():
    calendar = build_calendar(scheme(start_mg="1", step_mg="1.5"), MON, 84)
    assert doses(calendar) == [("1", 7), ("2.5", 7), ("4", 7), ("4.5", 63)]
    assert calendar.notices == (
        "The step from 4 mg to 5.5 mg would pass the 4.5 mg target; the last step is 4.5 mg.",
    )


def test_a_short_plan_says_it_ends_before_the_target():
    calendar = build_calendar(LOW_AND_SLOW, MON, 10)
    assert doses(calendar) == [("0.5", 7), ("1", 3)]
    assert "before reaching the 4.5 mg target" in calendar.notices[-1]


def test_quarter_milligram_precision_is_kept():
    calendar = build_calendar(scheme(start_mg="0.25", step_mg="0.25", target_mg="1"), MON, 28)
    assert doses(calendar) == [("0.25", 7), ("0.5", 7), ("0.75", 7), ("1", 7)]


def test_morning_timing_is_carried_to_every_step():
    calendar = build_calendar(scheme(timing="morning"), MON, 21)
    assert {s.timing for s in calendar.steps} == {"morning"}


def test_doses_above_4_5_mg_need_confirmation():
    with pytest.raises(PlanInputError) as error:
        validate_scheme(scheme(target_mg="6"))
    assert "confirm to go beyond" in error.value.errors["target_mg"]
    calendar = build_calendar(scheme(target_mg="6", beyond_low_dose_confirmed=True), MON, 28)
    assert doses(calendar) == [("1.5", 7), ("3", 7), ("4.5", 7), ("6", 7)]


def test_doses_above_50_mg_are_refused_even_when_confirmed():
    with pytest.raises(PlanInputError) as error:
        validate_scheme(scheme(target_mg="51", beyond_low_dose_confirmed=True))
    assert "refused" in error.value.errors["target_mg"]


def test_a_target_above_an_explicit_maximum_is_capped_with_a_notice():
    notices = validate_scheme(scheme(target_mg="6", max_mg="4.5", beyond_low_dose_confirmed=True))
    assert notices == ("The target 6 mg is above the 4.5 mg maximum; the plan stops at 4.5 mg.",)


@pytest.mark.parametrize(
    "values, field, words",
    [
        ({"start_mg": "0.05"}, "start_mg", "below the 0.1 mg minimum"),
        ({"target_mg": "0"}, "target_mg", "below the 0.1 mg minimum"),
        ({"start_mg": "5"}, "start_mg", "confirm to go beyond"),
        ({"step_mg": "-0.5"}, "step_mg", "cannot be negative"),
        ({"interval_days": 0}, "interval_days", "at least 1 day"),
        ({"interval_days": 366}, "interval_days", "cannot be longer"),
        ({"start_mg": "3", "target_mg": "1.5"}, "start_mg", "above the target"),
        ({"weight_kg": "30"}, "mg_per_kg", "Give the mg/kg dose"),
        ({"mg_per_kg": "0.1"}, "weight_kg", "Give the patient's weight"),
        ({"weight_kg": "0", "mg_per_kg": "0.1"}, "weight_kg", "above 0 kg"),
        ({"weight_kg": "-3", "mg_per_kg": "0.1"}, "weight_kg", "above 0 kg"),
        ({"weight_kg": "0.5", "mg_per_kg": "0.1"}, "weight_kg", "under the 0.1 mg minimum"),
        ({"max_mg": "60"}, "max_mg", "cannot be above 50 mg"),
    ],
)
def test_it_refuses_a_bad_scheme_naming_the_field(values, field, words):
    with pytest.raises(PlanInputError) as error:
        build_calendar(scheme(**values), MON, 28)
    assert words in error.value.errors[field]
    assert words in str(error.value)


@pytest.mark.parametrize("duration", [0, -1, 731])
def test_it_refuses_a_duration_outside_1_to_730_days(duration):
    with pytest.raises(PlanInputError) as error:
        build_calendar(STANDARD, MON, duration)
    assert "duration_days" in error.value.errors


def test_it_refuses_a_start_date_centuries_away():
    with pytest.raises(PlanInputError) as error:
        build_calendar(STANDARD, datetime.date(9999, 12, 1), 730)
    assert "start_date" in error.value.errors


@pytest.mark.parametrize(
    "data, field",
    [
        ({"start_mg": "abc"}, "start_mg"),
        ({"start_mg": None}, "start_mg"),
        ({"start_mg": True}, "start_mg"),
        ({"start_mg": "NaN"}, "start_mg"),
        ({"start_mg": "Infinity"}, "start_mg"),
        ({"start_mg": "1e400"}, "start_mg"),
        ({"interval_days": 1.5}, "interval_days"),
        ({"interval_days": "seven"}, "interval_days"),
        ({"timing": "noon"}, "timing"),
        ({"beyond_low_dose_confirmed": "maybe"}, "beyond_low_dose_confirmed"),
    ],
)
def test_from_dict_names_the_unreadable_field(data, field):
    with pytest.raises(PlanInputError) as error:
        scheme(**data)
    assert field in error.value.errors


def test_from_dict_takes_numbers_as_text_int_or_float_and_ignores_protocol_keys():
    a = Scheme.from_dict(
        {
            "code": "standard",
            "name": "Standard",
            "source": "clinical.md §2.2",
            "grade": "D",
            "start_mg": 1.5,
            "step_mg": "1.5",
            "interval_days": "7",
            "target_mg": 4.5,
            "max_mg": "4.5",
            "timing": "bedtime",
            "mg_per_kg": None,
        }
    )
    assert a == STANDARD
    assert a.to_dict() == {
        "start_mg": "1.5",
        "step_mg": "1.5",
        "interval_days": 7,
        "target_mg": "4.5",
        "max_mg": "4.5",
        "timing": "bedtime",
        "mg_per_kg": None,
        "weight_kg": None,
        "beyond_low_dose_confirmed": False,
    }
    assert Scheme.from_dict(a.to_dict()) == a


def test_mg_are_quantised_to_a_hundredth():
    assert scheme(start_mg="0.333").start_mg == D("0.33")
    assert scheme(start_mg=0.1 + 0.2).start_mg == D("0.30")


def test_without_max_a_confirmed_target_sets_the_maximum():
    assert scheme(target_mg="6", beyond_low_dose_confirmed=True).max_mg == D("6")
    assert scheme(target_mg="6").max_mg == D("4.5")


def test_step_round_trips_through_a_dict():
    step = Step(MON, day(7), D("1.5"), "morning")
    assert step.to_dict() == {
        "start_date": "2026-01-05",
        "end_date": "2026-01-11",
        "dose_mg": "1.5",
        "timing": "morning",
    }
    assert Step.from_dict(step.to_dict()) == step
    assert step.days == 7


def test_dose_on_and_next_change_after():
    calendar = build_calendar(STANDARD, MON, 84)
    assert calendar.dose_on(day(1)).dose_mg == D("1.5")
    assert calendar.dose_on(day(8)).dose_mg == D("3")
    assert calendar.dose_on(day(84)).dose_mg == D("4.5")
    assert calendar.dose_on(day(85)) is None
    assert calendar.dose_on(day(0)) is None
    assert calendar.next_change_after(day(3)).start_date == day(8)
    assert calendar.next_change_after(day(15)) is None
    assert calendar.to_list()[0] == {
        "start_date": "2026-01-05",
        "end_date": "2026-01-11",
        "dose_mg": "1.5",
        "timing": "bedtime",
    }


# -- adjustments ------------------------------------------------------------------------


def adjust(calendar, *adjustments, using=STANDARD):
    return apply_adjustments(calendar, using, [Adjustment(*a) for a in adjustments])


def test_hold_extends_the_current_step_and_keeps_the_end_date():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("hold", day(10), 7))
    assert doses(calendar) == [("1.5", 7), ("3", 14), ("4.5", 63)]
    assert calendar.end_date == day(84)


def test_hold_past_the_end_is_trimmed():
    calendar = adjust(build_calendar(LOW_AND_SLOW, MON, 20), ("hold", day(2), 30))
    assert doses(calendar) == [("0.5", 20)]


def test_step_back_returns_to_the_previous_dose_then_climbs_again():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("step_back", day(20)))
    assert doses(calendar) == [("1.5", 7), ("3", 7), ("4.5", 5), ("3", 7), ("4.5", 58)]
    assert calendar.end_date == day(84)


def test_step_back_on_the_first_step_holds_the_first_dose_for_an_interval():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("step_back", day(4)))
    assert doses(calendar) == [("1.5", 10), ("3", 7), ("4.5", 67)]


def test_two_step_backs_go_down_two_steps():
    calendar = adjust(
        build_calendar(STANDARD, MON, 84), ("step_back", day(20)), ("step_back", day(22))
    )
    assert [d for d, _ in doses(calendar)] == ["1.5", "3", "4.5", "3", "1.5", "3", "4.5"]


def test_step_back_on_a_fixed_dose_plan_stays_at_the_dose():
    calendar = adjust(build_calendar(FIXED, MON, 28), ("step_back", day(10)), using=FIXED)
    assert doses(calendar) == [("4.5", 28)]


def test_morning_moves_every_dose_from_the_date():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("morning", day(10)))
    assert [(s.dose_mg, s.start_date, s.timing) for s in calendar.steps] == [
        (D("1.5"), day(1), "bedtime"),
        (D("3"), day(8), "bedtime"),
        (D("3"), day(10), "morning"),
        (D("4.5"), day(15), "morning"),
    ]
    back = adjust(calendar, ("bedtime", day(30)))
    assert back.steps[-1].timing == "bedtime" and back.steps[-1].start_date == day(30)


def test_moving_to_the_time_already_used_changes_nothing():
    calendar = build_calendar(STANDARD, MON, 84)
    assert adjust(calendar, ("bedtime", day(10))).steps == calendar.steps


def test_pause_then_resume_leaves_one_gap_and_moves_the_end():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("pause", day(10)))
    assert calendar.end_date == day(9)
    assert calendar.paused_from == day(10)
    resumed = adjust(calendar, ("resume", day(17)))
    assert doses(resumed) == [("1.5", 7), ("3", 2), ("3", 5), ("4.5", 70)]
    assert resumed.steps[2].start_date == day(17)
    assert resumed.end_date == day(91)
    assert resumed.gaps() == [(day(10), day(17))]
    assert resumed.dose_on(day(12)) is None


def test_pause_and_resume_in_one_call():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("pause", day(1)), ("resume", day(8)))
    assert calendar.start_date == day(8)
    assert doses(calendar) == [("1.5", 7), ("3", 7), ("4.5", 70)]


def test_stop_ends_the_calendar_the_day_before():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("stop", day(10)))
    assert calendar.end_date == day(9)
    assert calendar.stopped_from == day(10)


def test_stop_on_the_first_day_leaves_no_doses():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("stop", day(1)))
    assert calendar.steps == ()
    assert calendar.start_date is None and calendar.end_date is None


def test_stop_while_paused_drops_the_kept_steps():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("pause", day(10)), ("stop", day(20)))
    assert calendar.end_date == day(9) and calendar.kept == ()
    assert calendar.stopped_from == day(10)


@pytest.mark.parametrize(
    "adjustments, field, words",
    [
        ([("hold", day(85), 7)], "effective_date", "outside the dose calendar"),
        ([("hold", day(0), 7)], "effective_date", "outside the dose calendar"),
        ([("resume", day(10))], "kind", "not paused"),
        ([("stop", day(10)), ("hold", day(5), 3)], "kind", "stopped"),
        ([("stop", day(10)), ("resume", day(15))], "kind", "stopped"),
        ([("hold", day(5), 0)], "days", "1 to 90"),
        ([("hold", day(5), 91)], "days", "1 to 90"),
        ([("hold", day(5), None)], "days", "1 to 90"),
        ([("pause", day(10)), ("hold", day(12), 3)], "kind", "resume it first"),
        ([("pause", day(10)), ("resume", day(9))], "effective_date", "that date or later"),
        ([("pause", day(10)), ("resume", day(800))], "effective_date", "two years"),
        ([("pause", day(10)), ("pause", day(12))], "kind", "resume it first"),
        ([("sideways", day(10))], "kind", "Choose one of"),
    ],
)
def test_it_refuses_a_bad_adjustment(adjustments, field, words):
    with pytest.raises(PlanInputError) as error:
        adjust(build_calendar(STANDARD, MON, 84), *adjustments)
    assert words in error.value.errors[field]


def test_adjustment_from_dict_checks_and_round_trips():
    adj = Adjustment.from_dict(
        {
            "kind": "hold",
            "effective_date": "2026-01-14",
            "days": "7",
            "reason": " headache ",
            "by": 3,
        }
    )
    assert adj == Adjustment("hold", day(10), 7, "headache")
    assert Adjustment.from_dict(adj.to_dict()) == adj
    assert (
        Adjustment.from_dict({"kind": "stop", "effective_date": "2026-01-14", "days": 5}).days
        is None
    )
    for bad, field in [
        ({"kind": "hold", "effective_date": "2026-01-14"}, "days"),
        ({"kind": "hold", "effective_date": "14/01/2026", "days": 3}, "effective_date"),
        ({"kind": "nope", "effective_date": "2026-01-14"}, "kind"),
        ({"kind": "stop", "effective_date": "2026-01-14", "reason": 5}, "reason"),
        ("stop", "kind"),
    ]:
        with pytest.raises(PlanInputError) as error:
            Adjustment.from_dict(bad)
        assert field in error.value.errors


def test_inside_a_pause_gap_only_timing_and_stop_apply():
    calendar = adjust(build_calendar(STANDARD, MON, 84), ("pause", day(10)), ("resume", day(17)))
    for kind in ("hold", "step_back", "pause"):
        with pytest.raises(PlanInputError) as error:
            adjust(calendar, (kind, day(12), 3 if kind == "hold" else None))
        assert "no dose on 2026-01-16" in error.value.errors["effective_date"]
    morning = adjust(calendar, ("morning", day(12)))
    assert [s.timing for s in morning.steps] == ["bedtime", "bedtime", "morning", "morning"]
    stopped = adjust(calendar, ("stop", day(12)))
    assert stopped.end_date == day(9) and stopped.stopped_from == day(12)


def test_a_hold_before_a_pause_gap_moves_the_gap_too():
    calendar = adjust(
        build_calendar(STANDARD, MON, 84),
        ("pause", day(10)),
        ("resume", day(17)),
        ("hold", day(3), 7),
    )
    assert doses(calendar) == [("1.5", 14), ("3", 2), ("3", 5), ("4.5", 63)]
    assert calendar.gaps() == [(day(17), day(24))]
    assert calendar.end_date == day(91)
