"""What prescriptions ask of the titration engine (plans.titration, formulation, sig,
preview): the calendar of a plan version, and the dispense and sig of one period of it."""

import dataclasses
import datetime

from ldnclinic.plans.formulation import dispense_for, formulation_from_dict, volume_ml
from ldnclinic.plans.params import calendar_of
from ldnclinic.plans.preview import calendar_from_params
from ldnclinic.plans.sig import fhir_dosage_instructions, full_sig, step_sig
from ldnclinic.plans.titration import Calendar, PlanInputError

__all__ = [
    "PlanInputError",
    "calendar_for_version",
    "clip",
    "dose_ml",
    "formulation_of",
    "period_rx",
    "stored_calendar",
]


def formulation_of(version):
    return formulation_from_dict(version.params["formulation"])


def calendar_for_version(version) -> Calendar:
    """The version's dose calendar, computed from its parameters and adjustments."""
    return calendar_from_params(version.params, version.adjustments or [])


def stored_calendar(version) -> Calendar:
    """The calendar exactly as the version was shown (its stored steps), else computed."""
    if version.steps:
        return calendar_of(version.steps)
    return calendar_for_version(version)


def clip(calendar: Calendar, start: datetime.date, end: datetime.date) -> Calendar:
    """The calendar's steps within [start, end], each cut to the period."""
    steps = tuple(
        dataclasses.replace(
            step, start_date=max(step.start_date, start), end_date=min(step.end_date, end)
        )
        for step in calendar.steps
        if step.end_date >= start and step.start_date <= end
    )
    return dataclasses.replace(calendar, steps=steps, notices=())


def dose_ml(dose_mg, formulation):
    """mL per dose for a liquid, None for capsules."""
    if getattr(formulation, "type", "") != "liquid":
        return None
    return volume_ml(dose_mg, formulation)


@dataclasses.dataclass(frozen=True)
class PeriodRx:
    steps: list
    dispense: object
    sig: str
    sig_lines: list
    dosage_instruction: list


def period_rx(calendar, formulation, start, end, *, bud_days) -> PeriodRx:
    """Dispense, sig and FHIR dosage for the calendar's doses from `start` to `end`.
    Raises PlanInputError when the period holds no dose."""
    within = clip(calendar, start, end)
    if not within.steps:
        raise PlanInputError({"period_start": "The plan has no dose in this period."})
    dispense = dispense_for(
        calendar, formulation, period_start=start, period_end=end, bud_days=bud_days
    )
    return PeriodRx(
        steps=within.to_list(),
        dispense=dispense,
        sig=full_sig(within, formulation),
        sig_lines=[step_sig(step, formulation) for step in within.steps],
        dosage_instruction=fhir_dosage_instructions(within, formulation),
    )
