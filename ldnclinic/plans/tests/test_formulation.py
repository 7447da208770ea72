"""Formulations, dose volumes, beyond-use defaults and what to dispense, by example."""

import datetime
import json
from decimal import Decimal as D

import pytest

from ldnclinic.plans.formulation import (
    BUD_LABEL,
    DATA_FILE,
    DEFAULT_BUD_DAYS,
    Capsule,
    Liquid,
    check_formulation,
    dispense_for,
    formulation_from_dict,
    formulation_notices,
    formulation_to_dict,
    preparation_type,
    volume_ml,
)
from ldnclinic.plans.titration import Adjustment, PlanInputError, Scheme, apply_adjustments
from ldnclinic.plans.titration import build_calendar as build

MON = datetime.date(2026, 1, 5)
STANDARD = Scheme.from_dict(
    {"start_mg": "1.5", "step_mg": "1.5", "interval_days": 7, "target_mg": "4.5"}
)
LOW_AND_SLOW = Scheme.from_dict(
    {"start_mg": "0.5", "step_mg": "0.5", "interval_days": 7, "target_mg": "4.5"}
)
ONE_MG_ML = Liquid(D("1"))


def day(n):
    return MON + datetime.timedelta(days=n - 1)


def test_the_compounding_data_carries_sources_grades_and_the_usp_label():
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert DEFAULT_BUD_DAYS == {"liquid_non_preserved": 14, "liquid_preserved": 35, "capsule": 180}
    assert BUD_LABEL == (
        "Defaults from USP <795> (revised 2023) as quoted by secondary sources: "
        "check against the current USP chapter."
    )
    for entry in data["preparations"].values():
        assert entry["source"] and entry["grade"] and entry["storage"]
    assert "refrigerator" in data["preparations"]["liquid_non_preserved"]["storage"]


def test_formulations_read_and_write_dicts():
    liquid = formulation_from_dict(
        {"type": "liquid", "concentration_mg_per_ml": 1, "preserved": False}
    )
    assert liquid == ONE_MG_ML and liquid.type == "liquid"
    assert formulation_to_dict(liquid) == {
        "type": "liquid",
        "concentration_mg_per_ml": "1",
        "preserved": False,
    }
    assert formulation_from_dict({"type": "liquid", "concentration_mg_per_ml": "0.5"}) == Liquid(
        D("0.5")
    )
    assert formulation_from_dict({"type": "capsule"}) == Capsule()
    assert formulation_to_dict(Capsule()) == {"type": "capsule"}
    assert preparation_type(Capsule()) == "capsule"
    assert preparation_type(Liquid(D("1"), preserved=True)) == "liquid_preserved"
    assert preparation_type(ONE_MG_ML) == "liquid_non_preserved"


@pytest.mark.parametrize(
    "data, field",
    [
        (None, "formulation"),
        ({"type": "tablet"}, "formulation.type"),
        ({"type": "liquid"}, "formulation.concentration_mg_per_ml"),
        (
            {"type": "liquid", "concentration_mg_per_ml": 0.05},
            "formulation.concentration_mg_per_ml",
        ),
        ({"type": "liquid", "concentration_mg_per_ml": 11}, "formulation.concentration_mg_per_ml"),
        ({"type": "liquid", "concentration_mg_per_ml": "x"}, "formulation.concentration_mg_per_ml"),
        (
            {"type": "liquid", "concentration_mg_per_ml": 1, "preserved": "y"},
            "formulation.preserved",
        ),
    ],
)
def test_a_bad_formulation_names_the_field(data, field):
    with pytest.raises(PlanInputError) as error:
        formulation_from_dict(data)
    assert field in error.value.errors


def test_volume_is_dose_over_concentration_to_a_hundredth_of_a_ml():
    assert volume_ml(D("1.5"), ONE_MG_ML) == D("1.50")
    assert volume_ml(D("1"), Liquid(D("3"))) == D("0.33")
    assert volume_ml(D("0.5"), Liquid(D("5"))) == D("0.10")


def test_a_dose_under_a_tenth_of_a_ml_suggests_a_weaker_concentration():
    with pytest.raises(PlanInputError) as error:
        volume_ml(D("0.1"), Liquid(D("2")))
    message = error.value.errors["formulation.concentration_mg_per_ml"]
    assert "0.05 mL" in message
    assert "too small to measure (under 0.1 mL)" in message
    assert "use a weaker concentration such as 0.5 mg/mL" in message


def test_check_formulation_tests_the_smallest_dose():
    calendar = build(LOW_AND_SLOW, MON, 84)
    check_formulation(calendar, ONE_MG_ML)
    check_formulation(calendar, Capsule())
    with pytest.raises(PlanInputError) as error:
        check_formulation(calendar, Liquid(D("10")))
    assert "The 0.5 mg dose is 0.05 mL" in str(error.value)
    assert "such as 2 mg/mL" in str(error.value)


def test_notices_for_rounded_and_large_volumes():
    calendar = build(STANDARD, MON, 28)
    assert formulation_notices(calendar, ONE_MG_ML) == []
    assert formulation_notices(calendar, Capsule()) == []
    notes = formulation_notices(calendar, Liquid(D("0.4")))
    assert any("11.25 mL of the 0.4 mg/mL liquid" in n for n in notes)
    notes = formulation_notices(build(STANDARD, MON, 7), Liquid(D("2.2")))
    assert notes == ["At 2.2 mg/mL the 1.5 mg dose rounds to 0.68 mL (1.496 mg)."]


def test_capsules_for_the_standard_plan_are_one_a_day_per_strength():
    dispense = dispense_for(build(STANDARD, MON, 84), Capsule())
    assert dispense.type == "capsule"
    assert dispense.beyond_use_days == 180
    assert dispense.strengths == {"1.5": 7, "3": 7, "4.5": 70}
    assert dispense.refills == 0
    assert dispense.days_supply == 84
    assert dispense.total_volume_ml is None
    assert "light-resistant" in dispense.storage


def test_a_long_capsule_plan_splits_into_fills_within_180_days():
    dispense = dispense_for(build(STANDARD, MON, 365), Capsule())
    assert [f.days for f in dispense.fills] == [180, 180, 5]
    assert dispense.fills[0].capsules == {"1.5": 7, "3": 7, "4.5": 166}
    assert dispense.fills[1].capsules == {"4.5": 180}
    assert dispense.refills == 2
    assert dispense.strengths == {"1.5": 7, "3": 7, "4.5": 351}


def test_the_non_preserved_liquid_is_filled_every_14_days():
    dispense = dispense_for(build(LOW_AND_SLOW, MON, 84), ONE_MG_ML)
    assert dispense.beyond_use_days == 14
    assert dispense.preparation == "liquid_non_preserved"
    assert [f.days for f in dispense.fills] == [14] * 6
    # 7 × 0.5 mL + 7 × 1 mL = 10.5 mL, rounded up to whole mL.
    assert dispense.fills[0].volume_ml == D("11")
    assert dispense.fills[0].capsules == {}
    assert dispense.days_supply == 14
    assert dispense.refills == 5
    assert dispense.total_volume_ml == sum(f.volume_ml for f in dispense.fills)
    assert "refrigerator" in dispense.storage


def test_a_preserved_liquid_and_clinic_edited_buds():
    preserved = Liquid(D("1"), preserved=True)
    assert dispense_for(build(STANDARD, MON, 84), preserved).beyond_use_days == 35
    dispense = dispense_for(
        build(STANDARD, MON, 84), ONE_MG_ML, bud_days={"liquid_non_preserved": 7}
    )
    assert dispense.beyond_use_days == 7 and len(dispense.fills) == 12
    with pytest.raises(PlanInputError):
        dispense_for(build(STANDARD, MON, 84), ONE_MG_ML, bud_days={"liquid_non_preserved": 0})


def test_a_period_limits_what_is_dispensed():
    calendar = build(STANDARD, MON, 84)
    dispense = dispense_for(calendar, Capsule(), period_start=day(5), period_end=day(10))
    assert dispense.strengths == {"1.5": 3, "3": 3}
    assert dispense.period_start == day(5) and dispense.period_end == day(10)
    empty = dispense_for(calendar, Capsule(), period_start=day(100), period_end=day(120))
    assert empty.fills == () and empty.days_supply == 0 and empty.refills == 0
    with pytest.raises(PlanInputError):
        dispense_for(calendar, Capsule(), period_start=day(10), period_end=day(5))


def test_a_pause_starts_a_new_fill_after_the_gap():
    calendar = apply_adjustments(
        build(STANDARD, MON, 28),
        STANDARD,
        [Adjustment("pause", day(10)), Adjustment("resume", day(20))],
    )
    dispense = dispense_for(calendar, Capsule())
    assert [(f.start_date, f.end_date) for f in dispense.fills] == [
        (day(1), day(9)),
        (day(20), day(38)),
    ]
    assert sum(dispense.strengths.values()) == 28


def test_an_empty_calendar_dispenses_nothing():
    calendar = apply_adjustments(build(STANDARD, MON, 28), STANDARD, [Adjustment("stop", MON)])
    dispense = dispense_for(calendar, ONE_MG_ML)
    assert dispense.fills == () and dispense.total_volume_ml == 0
    assert dispense.to_dict()["fills"] == []


def test_to_dict_is_json_safe_and_labelled():
    body = dispense_for(build(LOW_AND_SLOW, MON, 28), ONE_MG_ML).to_dict()
    assert json.loads(json.dumps(body)) == body
    assert body["beyond_use_label"] == BUD_LABEL
    assert body["beyond_use_grade"] == "D"
    assert "USP <795>" in body["beyond_use_source"]
    assert body["total_volume_ml"] == "36"
    assert body["concentration_mg_per_ml"] == "1"
    assert body["fills"][0] == {
        "start_date": "2026-01-05",
        "end_date": "2026-01-18",
        "days": 14,
        "capsules": {},
        "volume_ml": "11",
    }
    assert body["days_supply"] == 14 and body["refills"] == 1 and body["dosing_days"] == 28
