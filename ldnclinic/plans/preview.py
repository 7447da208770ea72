"""The stateless plan preview (dose calendar, dispense, sig, FHIR dosage) shared by the
preview API and the plan builder, and the rebuild of a stored plan version's calendar."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from ldnclinic.plans.formulation import (
    Formulation,
    Liquid,
    check_formulation,
    dispense_for,
    formulation_from_dict,
    formulation_notices,
    formulation_to_dict,
    volume_ml,
)
from ldnclinic.plans.sig import fhir_dosage_instructions, full_sig, step_sig
from ldnclinic.plans.titration import (
    Adjustment,
    Calendar,
    PlanInputError,
    Scheme,
    apply_adjustments,
    build_calendar,
    check_duration,
    check_start_date,
    effective_target,
    fmt,
    to_date,
    to_int,
)

SCHEME_FIELDS = (
    "start_mg",
    "step_mg",
    "interval_days",
    "target_mg",
    "max_mg",
    "timing",
    "weight_kg",
    "mg_per_kg",
    "beyond_low_dose_confirmed",
)
REQUIRED = ("start_date", "start_mg", "step_mg", "interval_days", "target_mg", "duration_days")


def _collect(errors: dict, fn, *args):
    try:
        return fn(*args)
    except PlanInputError as error:
        for key, message in error.errors.items():
            errors.setdefault(key, message)
        return None


def parse_payload(payload: dict) -> tuple[Scheme, datetime.date, int, Formulation, list]:
    """The preview payload as (scheme, start_date, duration_days, formulation,
    adjustments); every bad field at once in one PlanInputError."""
    if not isinstance(payload, dict):
        raise PlanInputError({"body": "Send a JSON object."})
    errors: dict[str, str] = {}
    for name in REQUIRED:
        if payload.get(name) in (None, ""):
            errors[name] = "This field is required."
    if payload.get("formulation") in (None, ""):
        errors["formulation"] = "Choose a liquid or capsules."
    scheme = _collect(
        errors, Scheme.from_dict, {k: payload.get(k) for k in SCHEME_FIELDS if k in payload}
    )
    start = None
    if "start_date" not in errors:
        start = _collect(errors, check_start_date, payload.get("start_date"))
    duration = None
    if "duration_days" not in errors:
        duration = _collect(errors, check_duration, payload.get("duration_days"))
    formulation = None
    if "formulation" not in errors:
        formulation = _collect(errors, formulation_from_dict, payload.get("formulation"))
    adjustments = []
    raw_adjustments = payload.get("adjustments") or []
    if not isinstance(raw_adjustments, list):
        errors["adjustments"] = "Send the adjustments as a list."
    else:
        for i, raw in enumerate(raw_adjustments):
            adj = _collect(errors, lambda r, i=i: _adjustment(r, i), raw)
            if adj is not None:
                adjustments.append(adj)
    if errors:
        raise PlanInputError(errors)
    assert scheme and start and duration and formulation
    return scheme, start, duration, formulation, adjustments


def _adjustment(raw, index: int) -> Adjustment:
    try:
        return Adjustment.from_dict(raw)
    except PlanInputError as error:
        raise error.prefixed(f"adjustments.{index}.") from None


def preview_calendar(
    scheme: Scheme,
    start_date: datetime.date,
    duration_days: int,
    formulation: Formulation,
    adjustments: Iterable[Adjustment] = (),
) -> Calendar:
    calendar = build_calendar(scheme, start_date, duration_days)
    adjustments = list(adjustments)
    if adjustments:
        calendar = apply_adjustments(calendar, scheme, adjustments)
    check_formulation(calendar, formulation)
    return calendar


def render(
    calendar: Calendar,
    scheme: Scheme,
    formulation: Formulation,
    *,
    bud_days: dict | None = None,
) -> dict:
    """The preview's JSON-safe answer for a calendar already built."""
    steps = []
    for step in calendar.steps:
        row = step.to_dict() | {"days": step.days}
        if isinstance(formulation, Liquid):
            row["volume_ml"] = fmt(volume_ml(step.dose_mg, formulation))
        row["sig"] = step_sig(step, formulation)
        steps.append(row)
    return {
        "steps": steps,
        "start_date": calendar.start_date.isoformat() if calendar.start_date else None,
        "end_date": calendar.end_date.isoformat() if calendar.end_date else None,
        "dispense": dispense_for(calendar, formulation, bud_days=bud_days).to_dict(),
        "sig": full_sig(calendar, formulation),
        "sig_lines": [step_sig(step, formulation) for step in calendar.steps],
        "dosage_instruction": fhir_dosage_instructions(calendar, formulation),
        "notices": list(calendar.notices) + formulation_notices(calendar, formulation),
        "effective_target_mg": fmt(effective_target(scheme)),
        "scheme": scheme.to_dict(),
        "formulation": formulation_to_dict(formulation),
    }


def preview(payload: dict, *, bud_days: dict | None = None) -> dict:
    """Validates the issue's preview payload (start_date, start_mg, step_mg, interval_days,
    target_mg, duration_days, timing, weight_kg?, mg_per_kg?, max_mg?,
    beyond_low_dose_confirmed?, formulation, adjustments?) and returns steps, dispense, sig,
    sig_lines, dosage_instruction, notices and effective_target_mg. Raises PlanInputError."""
    scheme, start, duration, formulation, adjustments = parse_payload(payload)
    calendar = preview_calendar(scheme, start, duration, formulation, adjustments)
    return render(calendar, scheme, formulation, bud_days=bud_days)


def formulation_from_params(params: dict) -> Formulation:
    """The formulation of a stored plan version's params."""
    return formulation_from_dict((params or {}).get("formulation"))


def scheme_from_params(params: dict) -> Scheme:
    return Scheme.from_dict((params or {}).get("scheme"))


def calendar_from_params(params: dict, adjustments: list[dict]) -> Calendar:
    """A stored plan version's calendar: params {"scheme", "start_date", "duration_days",
    ...} built, then the version's adjustments (dicts as Adjustment.to_dict, extra keys
    ignored) applied in order."""
    params = params or {}
    scheme = scheme_from_params(params)
    start = to_date(params.get("start_date"), "start_date")
    duration = to_int(params.get("duration_days"), "duration_days")
    calendar = build_calendar(scheme, start, duration)
    parsed = [_adjustment(a, i) for i, a in enumerate(adjustments or [])]
    if parsed:
        calendar = apply_adjustments(calendar, scheme, parsed)
    return calendar
