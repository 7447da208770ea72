"""Directions for use ("sig") per step and for a whole calendar, in words and as FHIR R4
Dosage entries (MedicationRequest.dosageInstruction)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ldnclinic.plans.formulation import Formulation, Liquid, volume_ml
from ldnclinic.plans.titration import TIMING_WORDS, Calendar, Step, fmt

SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ORAL_ROUTE = {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral route"}]}
# FHIR event-timing codes (http://hl7.org/fhir/event-timing).
WHEN = {"bedtime": "HS", "morning": "MORN"}


def long_date(day: datetime.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _what(step: Step, f: Formulation) -> str:
    if isinstance(f, Liquid):
        return f"{fmt(volume_ml(step.dose_mg, f))} mL ({fmt(step.dose_mg)} mg)"
    return f"one {fmt(step.dose_mg)} mg capsule"


def _take(step: Step, f: Formulation) -> str:
    return f"Take {_what(step, f)} by mouth {TIMING_WORDS[step.timing]}"


def step_sig(step: Step, f: Formulation) -> str:
    """ "Take 1.5 mL (1.5 mg) by mouth at bedtime for 7 days" (liquid) or "Take one 1.5 mg
    capsule by mouth at bedtime for 7 days" (capsules)."""
    return f"{_take(step, f)} for {_days(step.days)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def full_sig(calendar: Calendar, f: Formulation) -> str:
    """Every step joined with ", then "; the last step runs "daily until <date>"; a pause gap
    reads "then stop until <date>"."""
    steps = calendar.steps
    if not steps:
        return "No doses."
    parts: list[str] = []
    for i, step in enumerate(steps):
        if i and steps[i - 1].end_date + datetime.timedelta(days=1) < step.start_date:
            parts.append(f"stop until {long_date(step.start_date)}")
        if i == len(steps) - 1:
            parts.append(f"{_take(step, f)} daily until {long_date(step.end_date)}")
        else:
            parts.append(step_sig(step, f))
    text = ", then ".join([parts[0]] + [_lower_first(p) for p in parts[1:]])
    return text + "."


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def fhir_dosage_instructions(calendar: Calendar, f: Formulation) -> list[dict]:
    """One FHIR R4 Dosage per step, with sequence and timing.repeat.boundsPeriod."""
    out = []
    for i, step in enumerate(calendar.steps, start=1):
        dosage: dict = {
            "sequence": i,
            "text": step_sig(step, f),
            "timing": {
                "repeat": {
                    "boundsPeriod": {
                        "start": step.start_date.isoformat(),
                        "end": step.end_date.isoformat(),
                    },
                    "frequency": 1,
                    "period": 1,
                    "periodUnit": "d",
                    "when": [WHEN[step.timing]],
                }
            },
            "route": ORAL_ROUTE,
            "doseAndRate": [
                {
                    "doseQuantity": {
                        "value": _number(step.dose_mg),
                        "unit": "mg",
                        "system": UCUM,
                        "code": "mg",
                    }
                }
            ],
        }
        if isinstance(f, Liquid):
            volume = volume_ml(step.dose_mg, f)
            dosage["additionalInstruction"] = [
                {
                    "text": (
                        f"Measure {fmt(volume)} mL of the "
                        f"{fmt(f.concentration_mg_per_ml)} mg/mL liquid with an oral syringe."
                    )
                }
            ]
        out.append(dosage)
    return out
