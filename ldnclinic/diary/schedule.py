"""What the plan asked for on each day: the planned dose (from the live plans' current
versions, through the prescriptions engine the patient's plan page uses) and whether a day
counts as a missed dose."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ldnclinic.plans.models import LIVE_STATUSES
from ldnclinic.plans.titration import TIMING_WORDS, fmt
from ldnclinic.prescriptions import engine

MAX_DAYS_BACK = 60
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class PlannedDose:
    plan: object
    day: datetime.date
    dose_mg: Decimal
    volume_ml: Decimal | None
    timing: str

    @property
    def text(self) -> str:
        """ "0.5 mL (0.5 mg) at bedtime" for a liquid, "1.5 mg at bedtime" for capsules."""
        words = TIMING_WORDS.get(self.timing, self.timing)
        if self.volume_ml is not None:
            return f"{fmt(self.volume_ml)} mL ({fmt(self.dose_mg)} mg) {words}"
        return f"{fmt(self.dose_mg)} mg {words}"


def today_for(patient, now=None) -> datetime.date:
    """The patient's date now, in their clinic's time zone."""
    return timezone.localdate(now or timezone.now(), patient.clinic.tz)


def _calendars(patient):
    plans = (
        patient.plans.filter(status__in=LIVE_STATUSES)
        .prefetch_related("versions")
        .order_by("created_at", "id")
    )
    out = []
    for plan in plans:
        versions = sorted(plan.versions.all(), key=lambda v: v.number)
        if not versions:
            continue
        version = versions[-1]
        out.append((plan, engine.stored_calendar(version), engine.formulation_of(version)))
    return out


def planned_doses(patient, start: datetime.date, end: datetime.date) -> dict:
    """{date: PlannedDose} for each day from start to end (inclusive) a live plan doses."""
    calendars = _calendars(patient)
    out = {}
    day = start
    while day <= end:
        for plan, calendar, formulation in calendars:
            step = calendar.dose_on(day)
            if step is not None:
                out[day] = PlannedDose(
                    plan, day, step.dose_mg, engine.dose_ml(step.dose_mg, formulation), step.timing
                )
                break
        day += ONE_DAY
    return out


def planned_dose(patient, day: datetime.date) -> PlannedDose | None:
    return planned_doses(patient, day, day).get(day)


def day_rows(patient, start: datetime.date, end: datetime.date, entries, today=None) -> list[dict]:
    """One row per day, newest first: the entry (or None), the planned dose and the status:
    "taken"; "missed" (a planned dose with no entry or dose_taken = no); "due" (today's
    planned dose, not yet logged); "upcoming" (after today); "not_taken" (no planned dose,
    said no); "not_said" (an entry that does not say); or "no_entry".
    A "missed" day counts only live plans (active or paused) and their current version."""
    by_date = {entry.date: entry for entry in entries}
    planned = planned_doses(patient, start, end)
    rows = []
    day = end
    while day >= start:
        entry = by_date.get(day)
        dose = planned.get(day)
        taken = entry.dose_taken if entry is not None else None
        if taken:
            status = "taken"
        elif dose is not None and entry is None and day == today:
            status = "due"
        elif today is not None and day > today:
            status = "upcoming"
        elif dose is not None and (entry is None or taken is False):
            status = "missed"
        elif taken is False:
            status = "not_taken"
        elif entry is not None:
            status = "not_said"
        else:
            status = "no_entry"
        rows.append({"date": day, "entry": entry, "planned": dose, "status": status})
        day -= ONE_DAY
    return rows
