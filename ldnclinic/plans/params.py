"""A plan's `params`: the protocol's defaults, personalised, checked, and turned into the
dose calendar. Pure Python (no Django): the actions, pages, API and seed all go through
here, and the engine (titration, formulation) does the arithmetic.

params = {"scheme": Scheme.to_dict(), "scheme_code": "standard", "start_date": "YYYY-MM-DD",
          "duration_days": 84, "formulation": {...}, "adjuncts": [adjunct dicts, each with
          "included": true|false]}
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ldnclinic.plans.formulation import (
    check_formulation,
    formulation_from_dict,
    formulation_to_dict,
    volume_ml,
)
from ldnclinic.plans.titration import (
    Adjustment,
    Calendar,
    PlanInputError,
    Scheme,
    Step,
    apply_adjustments,
    build_calendar,
    fmt,
    validate_scheme,
)

MAX_DURATION_DAYS = 730
SCHEME_FIELDS = (
    "start_mg",
    "step_mg",
    "interval_days",
    "target_mg",
    "max_mg",
    "timing",
    "mg_per_kg",
    "weight_kg",
    "beyond_low_dose_confirmed",
)
# Session adjunct fields a clinician may change, with their allowed range.
SESSION_LIMITS = {
    "sessions": (1, 52),
    "interval_days": (1, 365),
    "tolerance_before_days": (0, 60),
    "tolerance_after_days": (0, 60),
    "first_offset_days": (0, 365),
}
HOME_LIMITS = {"duration_days": (1, MAX_DURATION_DAYS)}


def scheme_defaults(protocol_data: Mapping, scheme_code: str | None = None) -> dict:
    """The protocol scheme's fields (no name, source or grade), as Scheme.from_dict takes."""
    scheme = find_scheme(protocol_data, scheme_code)
    values = {k: scheme[k] for k in SCHEME_FIELDS if scheme.get(k) is not None}
    return values


def find_scheme(protocol_data: Mapping, scheme_code: str | None = None) -> dict:
    schemes = protocol_data.get("schemes") or []
    code = scheme_code or protocol_data.get("default_scheme")
    for scheme in schemes:
        if scheme.get("code") == code:
            return scheme
    if scheme_code:
        raise PlanInputError({"scheme_code": f"This protocol has no scheme “{scheme_code}”."})
    if not schemes:
        raise PlanInputError({"scheme_code": "This protocol has no LDN scheme."})
    return schemes[0]


def default_params(
    protocol_data: Mapping, *, start_date: datetime.date, scheme_code: str | None = None
) -> dict:
    """A plan as the protocol suggests it, starting on `start_date`."""
    scheme = find_scheme(protocol_data, scheme_code)
    formulations = protocol_data.get("formulations") or [{"type": "capsule"}]
    return {
        "scheme": scheme_defaults(protocol_data, scheme["code"]),
        "scheme_code": scheme["code"],
        "start_date": start_date.isoformat(),
        "duration_days": int(protocol_data.get("default_duration_days") or 84),
        "formulation": dict(formulations[0]),
        "adjuncts": [
            {**adjunct, "included": bool(adjunct.get("default", False))}
            for adjunct in protocol_data.get("adjuncts") or []
        ],
    }


def merge_params(base: Mapping, given: Mapping, protocol_data: Mapping | None = None) -> dict:
    """`given` over `base`: top-level keys replace, except `scheme` (merged field by field;
    a new scheme_code starts from that scheme's defaults in `protocol_data`) and `adjuncts`
    (merged by code)."""
    merged = {**base, **{k: v for k, v in given.items() if k not in ("scheme", "adjuncts")}}
    scheme = dict(base.get("scheme") or {})
    new_code = given.get("scheme_code")
    if protocol_data is not None and new_code and new_code != base.get("scheme_code"):
        scheme = scheme_defaults(protocol_data, str(new_code))
    if isinstance(given.get("scheme"), Mapping):
        scheme.update(given["scheme"])
    merged["scheme"] = scheme
    if "scheme" in given and not isinstance(given["scheme"], Mapping):
        merged["scheme"] = given["scheme"]  # check_params says what is wrong with it
    if "adjuncts" in given:
        merged["adjuncts"] = _merge_adjuncts(base.get("adjuncts") or [], given["adjuncts"])
    return merged


def _merge_adjuncts(base: Sequence, given: Any) -> Any:
    if not isinstance(given, list):
        return given  # clean_params says what is wrong with it
    by_code = {a.get("code"): a for a in base if isinstance(a, Mapping)}
    out = [dict(a) for a in base]
    for item in given:
        if not isinstance(item, Mapping):
            return given
        code = item.get("code")
        if code in by_code:
            out = [{**a, **item} if a.get("code") == code else a for a in out]
        else:
            out.append(dict(item))
    return out


@dataclass(frozen=True)
class Checked:
    params: dict
    scheme: Scheme
    formulation: Any
    calendar: Calendar
    notices: tuple[str, ...]


def check_params(params: Any, adjustments: Sequence[Mapping] = ()) -> Checked:
    """Validate `params` (and the adjustments so far) and compute the dose calendar.
    Raises PlanInputError with every field error found (field -> message)."""
    if not isinstance(params, Mapping):
        raise PlanInputError({"params": "Send the plan's parameters as an object."})
    errors: dict[str, str] = {}
    unknown = set(params) - {
        "scheme",
        "scheme_code",
        "start_date",
        "duration_days",
        "formulation",
        "adjuncts",
    }
    for key in sorted(unknown):
        errors[key] = "Unknown field."
    scheme = formulation = start = duration = None
    notices: tuple[str, ...] = ()
    try:
        if not isinstance(params.get("scheme"), Mapping):
            raise PlanInputError({"scheme": "Give the LDN scheme."})
        scheme = Scheme.from_dict(dict(params["scheme"]))
        notices = tuple(validate_scheme(scheme))
    except PlanInputError as error:
        errors.update(error.errors)
    start = _date(params.get("start_date"), "start_date", errors)
    duration = _int(params.get("duration_days"), "duration_days", 1, MAX_DURATION_DAYS, errors)
    try:
        if not isinstance(params.get("formulation"), Mapping):
            raise PlanInputError({"formulation": "Give the formulation (liquid or capsule)."})
        formulation = formulation_from_dict(dict(params["formulation"]))
    except PlanInputError as error:
        errors.update(error.errors)
    adjuncts = _adjuncts(params.get("adjuncts", []), errors)
    scheme_code = params.get("scheme_code", "")
    if not isinstance(scheme_code, str) or len(scheme_code) > 80:
        errors["scheme_code"] = "Give the scheme's code."
    if errors:
        raise PlanInputError(errors)
    calendar = build_calendar(scheme, start, duration)
    adjustments = [Adjustment.from_dict(dict(a)) for a in adjustments]
    if adjustments:
        calendar = apply_adjustments(calendar, scheme, adjustments)
    check_formulation(calendar, formulation)
    clean = {
        "scheme": scheme.to_dict(),
        "scheme_code": scheme_code,
        "start_date": start.isoformat(),
        "duration_days": duration,
        "formulation": formulation_to_dict(formulation),
        "adjuncts": adjuncts,
    }
    all_notices = tuple(dict.fromkeys((*notices, *calendar.notices)))
    return Checked(clean, scheme, formulation, calendar, all_notices)


def _date(value, field, errors):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        errors[field] = "Give a date as YYYY-MM-DD."
        return None


def _int(value, field, low, high, errors):
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        errors[field] = "Give a whole number."
        return None
    if not low <= number <= high:
        errors[field] = f"Give a whole number from {low} to {high}."
        return None
    return number


def _adjuncts(adjuncts, errors) -> list[dict]:
    if not isinstance(adjuncts, list):
        errors["adjuncts"] = "Give the adjunct therapies as a list."
        return []
    clean = []
    for i, adjunct in enumerate(adjuncts):
        if not isinstance(adjunct, Mapping) or not adjunct.get("code"):
            errors[f"adjuncts.{i}"] = "Each adjunct therapy needs its code."
            continue
        item = dict(adjunct)
        prefix = f"adjuncts.{item['code']}"
        item["included"] = bool(item.get("included", False))
        limits = SESSION_LIMITS if item.get("kind") == "session" else HOME_LIMITS
        for name, (low, high) in limits.items():
            if item.get(name) is not None:
                item[name] = _int(item[name], f"{prefix}.{name}", low, high, errors)
        clean.append(item)
    return clean


# Reading what was stored -------------------------------------------------------------


def calendar_of(steps: Sequence[Mapping]) -> Calendar:
    """The calendar a version stored (steps frozen as shown)."""
    return Calendar(steps=tuple(Step.from_dict(dict(s)) for s in steps), notices=())


def step_rows(steps: Sequence[Mapping], formulation: Mapping, today: datetime.date | None):
    """Rows for a dose table: each step with its days, mL (liquid) and whether it is today's,
    plus a row for a pause gap between two steps."""
    form = formulation_from_dict(dict(formulation))
    rows = []
    previous = None
    for step in calendar_of(steps).steps:
        if previous is not None and step.start_date > previous.end_date + datetime.timedelta(1):
            rows.append(
                {
                    "gap": True,
                    "start_date": previous.end_date + datetime.timedelta(1),
                    "end_date": step.start_date - datetime.timedelta(1),
                    "days": (step.start_date - previous.end_date).days - 1,
                    "today": today is not None and previous.end_date < today < step.start_date,
                }
            )
        rows.append(
            {
                "gap": False,
                "start_date": step.start_date,
                "end_date": step.end_date,
                "days": step.days,
                "dose_mg": fmt(step.dose_mg),
                "timing": step.timing,
                "volume_ml": fmt(volume_ml(step.dose_mg, form)) if form.type == "liquid" else None,
                "today": today is not None and step.start_date <= today <= step.end_date,
            }
        )
        previous = step
    return rows


def dose_on(steps: Sequence[Mapping], day: datetime.date) -> Step | None:
    return calendar_of(steps).dose_on(day) if steps else None


# Adjunct sessions ----------------------------------------------------------------------


def session_targets(params: Mapping) -> list[dict]:
    """The included adjuncts with their session target dates: session 1 on the start date +
    first_offset_days, each next one interval_days after the previous target, each allowed
    from target - tolerance_before_days to target + tolerance_after_days. (Real slots are
    proposed after activation; here the targets only.) Home adjuncts have no sessions."""
    start = datetime.date.fromisoformat(params["start_date"])
    out = []
    for adjunct in params.get("adjuncts") or []:
        if not adjunct.get("included"):
            continue
        item = {"code": adjunct["code"], "name": adjunct.get("name", adjunct["code"])}
        item["kind"] = adjunct.get("kind", "session")
        item["sessions"] = []
        if item["kind"] == "session":
            before = datetime.timedelta(days=int(adjunct.get("tolerance_before_days") or 0))
            after = datetime.timedelta(days=int(adjunct.get("tolerance_after_days") or 0))
            interval = datetime.timedelta(days=int(adjunct.get("interval_days") or 1))
            target = start + datetime.timedelta(days=int(adjunct.get("first_offset_days") or 0))
            for number in range(1, int(adjunct.get("sessions") or 0) + 1):
                item["sessions"].append(
                    {
                        "number": number,
                        "target": target,
                        "earliest": target - before,
                        "latest": target + after,
                    }
                )
                target += interval
        else:
            item["frequency"] = adjunct.get("frequency", "")
            item["duration_days"] = adjunct.get("duration_days")
        out.append(item)
    return out
