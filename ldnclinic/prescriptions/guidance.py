"""What the patient is told to expect and how to report: data with citations
(data/patient_guidance.json), and the patient's day in their plan."""

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils import timezone

from ldnclinic.plans.titration import TIMING_WORDS
from ldnclinic.prescriptions import engine

DATA_FILE = Path(__file__).parent / "data" / "patient_guidance.json"


@cache
def guidance() -> dict:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for entry in data["first_weeks"] + data["important"]:
        missing = {"text", "source", "grade"} - set(entry)
        if missing:
            raise ValueError(f"patient_guidance.json: {entry.get('code')} lacks {sorted(missing)}")
    return data


@dataclass(frozen=True)
class Dose:
    day: datetime.date
    dose_mg: object
    volume_ml: object
    timing: str

    @property
    def timing_words(self):
        return TIMING_WORDS.get(self.timing, self.timing)


def _dose(step, day, formulation):
    if step is None:
        return None
    return Dose(day, step.dose_mg, engine.dose_ml(step.dose_mg, formulation), step.timing)


def clinic_phone(clinic) -> str:
    if clinic.phone:
        return clinic.phone
    location = clinic.locations.filter(is_active=True).exclude(phone="").first()
    return location.phone if location else ""


def plan_day(plan, *, now=None) -> dict:
    """Today's dose, the next change and the calendar rows, in the clinic's time zone."""
    today = timezone.localdate(now or timezone.now(), plan.clinic.tz)
    version = plan.current_version
    formulation = engine.formulation_of(version)
    calendar = engine.stored_calendar(version)
    today_step = calendar.dose_on(today)
    next_step = calendar.next_change_after(today)
    if today_step is None and next_step is None:
        state = "ended"
    elif today_step is None:
        state = "not_started" if calendar.start_date and today < calendar.start_date else "paused"
    else:
        state = "dosing"
    rows = [
        {
            "start_date": step.start_date,
            "end_date": step.end_date,
            "days": step.days,
            "dose_mg": step.dose_mg,
            "volume_ml": engine.dose_ml(step.dose_mg, formulation),
            "timing_words": TIMING_WORDS.get(step.timing, step.timing),
            "today": step.start_date <= today <= step.end_date,
        }
        for step in calendar.steps
    ]
    return {
        "today": today,
        "state": state,
        "version": version,
        "formulation": formulation,
        "is_liquid": getattr(formulation, "type", "") == "liquid",
        "dose": _dose(today_step, today, formulation),
        "next": _dose(next_step, next_step.start_date, formulation) if next_step else None,
        "start_date": calendar.start_date,
        "end_date": calendar.end_date,
        "rows": rows,
    }
