"""What the plan pages show, computed from params: the live preview (dose calendar, session
target dates, sig, dispense summary, notices) and the adjustment options a plan offers."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from ldnclinic.plans.formulation import describe, dispense_for, formulation_from_dict
from ldnclinic.plans.params import calendar_of, check_params, session_targets, step_rows
from ldnclinic.plans.sig import full_sig, step_sig
from ldnclinic.plans.titration import PlanInputError, fmt

FALLBACKS = Path(__file__).parent / "data" / "adjustment_fallbacks.json"
# Which adjustments fit which plan state (the engine refuses the rest too).
KINDS_BY_STATUS = {
    "active": ("hold", "step_back", "morning", "bedtime", "pause", "stop"),
    "paused": ("resume", "morning", "bedtime", "stop"),
}


ADJUSTMENT_WORDS = {
    "hold": "Hold the current dose",
    "step_back": "Step back one step",
    "morning": "Dose moved to the morning",
    "bedtime": "Dose moved to bedtime",
    "pause": "Paused",
    "resume": "Resumed",
    "stop": "Stopped",
}


def describe_adjustment(adjustment: Mapping) -> str:
    """ "Hold the current dose 7 more days from 2026-03-02"."""
    words = ADJUSTMENT_WORDS.get(adjustment.get("kind"), str(adjustment.get("kind")))
    if adjustment.get("days"):
        words += f" {adjustment['days']} more days"
    return f"{words} from {adjustment.get('effective_date')}"


def annotate_versions(versions, sources: Mapping) -> None:
    """Labels for the history table: what changed (the version's own adjustment) and why."""
    for version in versions:
        version.source_label = sources.get(version.source, version.source)
        adjusted = version.kind not in ("created", "edited") and version.adjustments
        version.change = describe_adjustment(version.adjustments[-1]) if adjusted else ""


@cache
def _fallbacks() -> tuple[dict, ...]:
    return tuple(json.loads(FALLBACKS.read_text(encoding="utf-8"))["adjustments"])


def adjustment_options(protocol_data: Mapping, status: str, timing: str | None = None):
    """The protocol's adjustment entries (label, when, source, grade) that fit a plan in
    `status`, plus the fallbacks for kinds it does not list. Moving to the time the dose is
    already taken at is left out."""
    offered = {a["kind"]: dict(a) for a in protocol_data.get("adjustments") or [] if "kind" in a}
    for fallback in _fallbacks():
        offered.setdefault(fallback["kind"], dict(fallback))
    kinds = [k for k in KINDS_BY_STATUS.get(status, ()) if k != timing]
    return [offered[k] for k in kinds if k in offered]


def preview(
    params: Mapping,
    adjustments: Sequence[Mapping] = (),
    *,
    bud_days: dict | None = None,
    today: datetime.date | None = None,
) -> dict:
    """Everything the builder and the adjust page preview; {"errors": {...}} when the
    engine refuses the input."""
    try:
        checked = check_params(params, adjustments)
        dispense = (
            dispense_for(checked.calendar, checked.formulation, bud_days=bud_days)
            if checked.calendar.steps
            else None
        )
    except PlanInputError as error:
        return {"errors": error.errors}
    steps = checked.calendar.to_list()
    return {
        "errors": {},
        "params": checked.params,
        "rows": step_rows(steps, checked.params["formulation"], today),
        "liquid": checked.params["formulation"]["type"] == "liquid",
        "formulation_text": describe(checked.formulation),
        "sig": full_sig(checked.calendar, checked.formulation),
        "sig_lines": [step_sig(s, checked.formulation) for s in checked.calendar.steps],
        "dispense": dispense.to_dict() if dispense is not None else None,
        "notices": list(checked.notices),
        "sessions": session_targets(checked.params),
        "steps": steps,
    }


def version_view(version, today: datetime.date | None = None) -> dict:
    """A stored version as shown: its frozen steps, the sig they make, and today's dose."""
    formulation = formulation_from_dict(dict(version.params["formulation"]))
    calendar = calendar_of(version.steps)
    current = calendar.dose_on(today) if today else None
    upcoming = calendar.next_change_after(today) if today else None
    return {
        "rows": step_rows(version.steps, version.params["formulation"], today),
        "liquid": version.params["formulation"]["type"] == "liquid",
        "formulation_text": describe(formulation),
        "sig": full_sig(calendar, formulation),
        "today_step": _step_text(current, formulation),
        "next_step": _step_text(upcoming, formulation),
        "start_date": calendar.start_date,
        "end_date": calendar.end_date,
        "sessions": session_targets(version.params),
    }


def _step_text(step, formulation):
    if step is None:
        return None
    return {
        "start_date": step.start_date,
        "end_date": step.end_date,
        "dose_mg": fmt(step.dose_mg),
        "timing": step.timing,
        "sig": step_sig(step, formulation),
    }


def dose_today(version, today: datetime.date) -> str | None:
    """'1.5 mg at bedtime' for a list, or None when no dose is due today."""
    step = calendar_of(version.steps).dose_on(today) if version.steps else None
    if step is None:
        return None
    words = "at bedtime" if step.timing == "bedtime" else "in the morning"
    return f"{fmt(step.dose_mg)} mg {words}"
