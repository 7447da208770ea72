"""Directions (sig) per step and for the whole calendar, and the FHIR dosage entries."""

import datetime
import json
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldnclinic.plans.formulation import Capsule, Liquid
from ldnclinic.plans.sig import fhir_dosage_instructions, full_sig, step_sig
from ldnclinic.plans.tests.test_formulation_properties import adjusted_calendars
from ldnclinic.plans.titration import (
    Adjustment,
    Calendar,
    Scheme,
    Step,
    apply_adjustments,
    build_calendar,
)

MON = datetime.date(2026, 1, 5)
ONE_MG_ML = Liquid(D("1"))
LOW_AND_SLOW = Scheme.from_dict(
    {"start_mg": "0.5", "step_mg": "0.5", "interval_days": 7, "target_mg": "4.5"}
)
STANDARD = Scheme.from_dict(
    {"start_mg": "1.5", "step_mg": "1.5", "interval_days": 7, "target_mg": "4.5"}
)


def day(n):
    return MON + datetime.timedelta(days=n - 1)


def test_a_liquid_step_names_the_volume_and_the_dose():
    step = Step(MON, day(7), D("1.5"), "bedtime")
    assert step_sig(step, ONE_MG_ML) == "Take 1.5 mL (1.5 mg) by mouth at bedtime for 7 days"


def test_a_capsule_step_names_the_strength():
    step = Step(MON, day(7), D("1.5"), "bedtime")
    assert step_sig(step, Capsule()) == "Take one 1.5 mg capsule by mouth at bedtime for 7 days"


def test_morning_and_a_single_day():
    step = Step(MON, MON, D("3"), "morning")
    assert step_sig(step, Capsule()) == "Take one 3 mg capsule by mouth in the morning for 1 day"
    assert step_sig(step, Liquid(D("2"))) == "Take 1.5 mL (3 mg) by mouth in the morning for 1 day"


def test_the_low_and_slow_liquid_sig():
    sig = full_sig(build_calendar(LOW_AND_SLOW, MON, 84), ONE_MG_ML)
    assert sig.startswith(
        "Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days, "
        "then take 1 mL (1 mg) by mouth at bedtime for 7 days, "
        "then take 1.5 mL (1.5 mg) by mouth at bedtime for 7 days, "
    )
    assert sig.endswith(
        ", then take 4 mL (4 mg) by mouth at bedtime for 7 days, "
        "then take 4.5 mL (4.5 mg) by mouth at bedtime daily until March 29, 2026."
    )
    assert sig.count(", then ") == 8


def test_a_single_step_runs_daily_until_the_end():
    fixed = Scheme.from_dict({"start_mg": "4.5", "step_mg": "0", "target_mg": "4.5"})
    assert full_sig(build_calendar(fixed, MON, 84), Capsule()) == (
        "Take one 4.5 mg capsule by mouth at bedtime daily until March 29, 2026."
    )


def test_a_pause_reads_stop_until_the_resume_date():
    calendar = apply_adjustments(
        build_calendar(STANDARD, MON, 28),
        STANDARD,
        [
            Adjustment("pause", day(10)),
            Adjustment("resume", day(17)),
            Adjustment("morning", day(20)),
        ],
    )
    assert full_sig(calendar, Capsule()) == (
        "Take one 1.5 mg capsule by mouth at bedtime for 7 days, "
        "then take one 3 mg capsule by mouth at bedtime for 2 days, "
        "then stop until January 21, 2026, "
        "then take one 3 mg capsule by mouth at bedtime for 3 days, "
        "then take one 3 mg capsule by mouth in the morning for 2 days, "
        "then take one 4.5 mg capsule by mouth in the morning daily until February 8, 2026."
    )


def test_no_steps_no_doses():
    assert full_sig(Calendar(steps=()), Capsule()) == "No doses."
    assert fhir_dosage_instructions(Calendar(steps=()), Capsule()) == []


def test_fhir_dosage_has_sequence_bounds_and_ucum_quantities():
    calendar = build_calendar(LOW_AND_SLOW, MON, 84)
    entries = fhir_dosage_instructions(calendar, ONE_MG_ML)
    assert json.loads(json.dumps(entries)) == entries
    assert [e["sequence"] for e in entries] == list(range(1, 10))
    first = entries[0]
    assert first["text"] == "Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days"
    assert first["timing"] == {
        "repeat": {
            "boundsPeriod": {"start": "2026-01-05", "end": "2026-01-11"},
            "frequency": 1,
            "period": 1,
            "periodUnit": "d",
            "when": ["HS"],
        }
    }
    assert first["route"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "26643006",
        "display": "Oral route",
    }
    assert first["doseAndRate"] == [
        {
            "doseQuantity": {
                "value": 0.5,
                "unit": "mg",
                "system": "http://unitsofmeasure.org",
                "code": "mg",
            }
        }
    ]
    assert entries[1]["doseAndRate"][0]["doseQuantity"]["value"] == 1
    assert isinstance(entries[1]["doseAndRate"][0]["doseQuantity"]["value"], int)
    assert "0.5 mL of the 1 mg/mL liquid" in first["additionalInstruction"][0]["text"]
    assert entries[-1]["timing"]["repeat"]["boundsPeriod"] == {
        "start": "2026-03-02",
        "end": "2026-03-29",
    }


def test_fhir_morning_and_capsules():
    calendar = apply_adjustments(
        build_calendar(STANDARD, MON, 28), STANDARD, [Adjustment("morning", day(1))]
    )
    entries = fhir_dosage_instructions(calendar, Capsule())
    assert {tuple(e["timing"]["repeat"]["when"]) for e in entries} == {("MORN",)}
    assert all("additionalInstruction" not in e for e in entries)


def test_fhir_entries_validate_against_r4b_when_available():
    dosage = pytest.importorskip("fhir.resources.R4B.dosage")
    for entry in fhir_dosage_instructions(build_calendar(STANDARD, MON, 28), ONE_MG_ML):
        dosage.Dosage.model_validate(entry)


@settings(max_examples=150, deadline=None)
@given(adjusted_calendars(), st.sampled_from([Capsule(), ONE_MG_ML, Liquid(D("0.5"))]))
def test_sig_and_fhir_follow_every_step(calendar, form):
    sig = full_sig(calendar, form)
    entries = fhir_dosage_instructions(calendar, form)
    assert [e["sequence"] for e in entries] == list(range(1, len(calendar.steps) + 1))
    if not calendar.steps:
        assert sig == "No doses."
        return
    assert sig.endswith(".") and sig.count(", then ") == len(calendar.steps) - 1 + len(
        calendar.gaps()
    )
    for step, entry in zip(calendar.steps, entries, strict=True):
        assert entry["text"] == step_sig(step, form)
        assert entry["timing"]["repeat"]["boundsPeriod"] == {
            "start": step.start_date.isoformat(),
            "end": step.end_date.isoformat(),
        }
        assert D(str(entry["doseAndRate"][0]["doseQuantity"]["value"])) == step.dose_mg
    for step in calendar.steps[:-1]:
        assert step_sig(step, form)[1:] in sig
