"""The LDN titration engine: a scheme becomes a day-by-day dose calendar, and adjustments
(hold, step back, morning/bedtime, pause, resume, stop) rewrite it from a date.

Pure Python: no Django, no database. Every mg quantity is a Decimal quantised to 0.01 mg.
The dose limits (0.1 mg floor, 4.5 mg low-dose ceiling, 50 mg refusal) are the clinic's
vocabulary from clinical.md §2.1; the schemes themselves are protocol data.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

MG = Decimal("0.01")
MIN_DOSE_MG = Decimal("0.1")
LOW_DOSE_MAX_MG = Decimal("4.5")
REFUSED_ABOVE_MG = Decimal("50")
MAX_DURATION_DAYS = 730
MAX_INTERVAL_DAYS = 365
MAX_HOLD_DAYS = 90
MAX_WEIGHT_KG = Decimal("500")
MAX_MG_PER_KG = Decimal("1")
TIMINGS = ("bedtime", "morning")
TIMING_WORDS = {"bedtime": "at bedtime", "morning": "in the morning"}
ADJUSTMENT_KINDS = ("hold", "step_back", "morning", "bedtime", "pause", "resume", "stop")
ONE_DAY = datetime.timedelta(days=1)
# Far enough apart for any real plan; keeps every shifted date well inside datetime.date.
EARLIEST_START = datetime.date(2000, 1, 1)
LATEST_START = datetime.date(2199, 12, 31)


class PlanInputError(ValueError):
    """Bad scheme/formulation input. `errors` maps a field name (e.g. "start_mg",
    "interval_days", "formulation.concentration_mg_per_ml", "target_mg") to a message a
    clinician understands; str(err) joins them."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))

    def prefixed(self, prefix: str) -> PlanInputError:
        return PlanInputError({f"{prefix}{k}": v for k, v in self.errors.items()})


# -- number helpers ---------------------------------------------------------------------


def fmt(value: Decimal | None) -> str | None:
    """A Decimal as plain text without trailing zeros or exponent: "1.5", "3", "0.25"."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def to_decimal(value, name: str, *, places: Decimal = MG) -> Decimal:
    """A JSON-ish number (int, float, str, Decimal) as a quantised Decimal, or PlanInputError."""
    if isinstance(value, bool) or value is None or value == "":
        raise PlanInputError({name: "Enter a number."})
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError, TypeError):
        raise PlanInputError({name: "Enter a number."}) from None
    if not number.is_finite():
        raise PlanInputError({name: "Enter a number."})
    if abs(number) > Decimal("1000000"):
        raise PlanInputError({name: "This number is far too large."})
    number = number.quantize(places, rounding=ROUND_HALF_UP)
    return number if number else abs(number)  # "-0" reads as 0


def to_int(value, name: str) -> int:
    if isinstance(value, bool) or value is None or value == "":
        raise PlanInputError({name: "Enter a whole number."})
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise PlanInputError({name: "Enter a whole number."}) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise PlanInputError({name: "Enter a whole number."})
    if abs(number) > 1000000:
        raise PlanInputError({name: "This number is far too large."})
    return int(number)


def to_date(value, name: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PlanInputError({name: "Enter a date as YYYY-MM-DD."})


def to_bool(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", ""):
        return value.strip().lower() in ("true", "1")
    raise PlanInputError({name: "Enter true or false."})


def mg_text(value: Decimal) -> str:
    return f"{fmt(value)} mg"


# -- the scheme -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    start_mg: Decimal
    step_mg: Decimal  # 0 = fixed dose
    interval_days: int  # >= 1
    target_mg: Decimal
    max_mg: Decimal = LOW_DOSE_MAX_MG
    timing: str = "bedtime"  # "bedtime" | "morning"
    # Paediatric: target = min(weight * mg_per_kg, target_mg, max_mg)
    mg_per_kg: Decimal | None = None
    weight_kg: Decimal | None = None
    # Required for any dose above 4.5 mg; above 50 mg is refused regardless.
    beyond_low_dose_confirmed: bool = False

    @classmethod
    def from_dict(cls, data: dict) -> Scheme:
        """Tolerant of str/int/float numbers and of extra keys (a protocol's scheme entry
        carries code, name, source and grade). Without max_mg the maximum is 4.5 mg, or the
        target when going beyond 4.5 mg is confirmed. Raises PlanInputError."""
        if not isinstance(data, dict):
            raise PlanInputError({"scheme": "Send the scheme as an object."})
        errors: dict[str, str] = {}
        values: dict = {}

        def take(name, convert, *, required=True, default=None):
            raw = data.get(name)
            if raw is None or raw == "":
                if required:
                    errors[name] = "This field is required."
                return default
            try:
                return convert(raw, name)
            except PlanInputError as error:
                errors.update(error.errors)
                return default

        values["start_mg"] = take("start_mg", to_decimal)
        values["step_mg"] = take("step_mg", to_decimal, required=False, default=Decimal("0"))
        values["interval_days"] = take("interval_days", to_int, required=False, default=7)
        values["target_mg"] = take("target_mg", to_decimal)
        values["mg_per_kg"] = take(
            "mg_per_kg", lambda v, n: to_decimal(v, n, places=Decimal("0.001")), required=False
        )
        values["weight_kg"] = take(
            "weight_kg", lambda v, n: to_decimal(v, n, places=Decimal("0.1")), required=False
        )
        confirmed = take("beyond_low_dose_confirmed", to_bool, required=False, default=False)
        values["beyond_low_dose_confirmed"] = confirmed
        timing = data.get("timing") or "bedtime"
        if timing not in TIMINGS:
            errors["timing"] = "Choose bedtime or morning."
        values["timing"] = timing
        max_mg = take("max_mg", to_decimal, required=False)
        if errors:
            raise PlanInputError(errors)
        if max_mg is None:
            max_mg = LOW_DOSE_MAX_MG
            if confirmed and values["target_mg"] > max_mg:
                max_mg = values["target_mg"]
        values["max_mg"] = max_mg
        return cls(**values)

    def to_dict(self) -> dict:
        return {
            "start_mg": fmt(self.start_mg),
            "step_mg": fmt(self.step_mg),
            "interval_days": self.interval_days,
            "target_mg": fmt(self.target_mg),
            "max_mg": fmt(self.max_mg),
            "timing": self.timing,
            "mg_per_kg": fmt(self.mg_per_kg),
            "weight_kg": fmt(self.weight_kg),
            "beyond_low_dose_confirmed": self.beyond_low_dose_confirmed,
        }


def _check_dose(errors: dict, name: str, dose: Decimal, confirmed: bool) -> None:
    if name in errors:
        return
    if dose < MIN_DOSE_MG:
        errors[name] = f"{mg_text(dose)} is below the 0.1 mg minimum dose."
    elif dose > REFUSED_ABOVE_MG:
        errors[name] = (
            f"{mg_text(dose)} is refused: LDN plans cannot go above 50 mg "
            "(the standard naltrexone dose)."
        )
    elif dose > LOW_DOSE_MAX_MG and not confirmed:
        errors[name] = f"{mg_text(dose)} is above the 4.5 mg low-dose range: confirm to go beyond."


def _check_scheme(scheme: Scheme) -> dict[str, str]:
    errors: dict[str, str] = {}
    confirmed = scheme.beyond_low_dose_confirmed
    _check_dose(errors, "start_mg", scheme.start_mg, confirmed)
    _check_dose(errors, "target_mg", scheme.target_mg, confirmed)
    if scheme.max_mg < MIN_DOSE_MG:
        errors["max_mg"] = "The maximum must be at least 0.1 mg."
    elif scheme.max_mg > REFUSED_ABOVE_MG:
        errors["max_mg"] = "The maximum cannot be above 50 mg."
    if scheme.step_mg < 0:
        errors["step_mg"] = "The step cannot be negative (use 0 for a fixed dose)."
    elif scheme.step_mg > REFUSED_ABOVE_MG:
        errors["step_mg"] = "The step cannot be above 50 mg."
    if scheme.interval_days < 1:
        errors["interval_days"] = "The interval must be at least 1 day."
    elif scheme.interval_days > MAX_INTERVAL_DAYS:
        errors["interval_days"] = f"The interval cannot be longer than {MAX_INTERVAL_DAYS} days."
    if (
        "start_mg" not in errors
        and "target_mg" not in errors
        and scheme.start_mg > scheme.target_mg
    ):
        errors["start_mg"] = (
            f"The start dose ({mg_text(scheme.start_mg)}) is above the target "
            f"({mg_text(scheme.target_mg)})."
        )
    if scheme.timing not in TIMINGS:
        errors["timing"] = "Choose bedtime or morning."
    weight, per_kg = scheme.weight_kg, scheme.mg_per_kg
    if weight is not None and per_kg is None:
        errors["mg_per_kg"] = "Give the mg/kg dose with the weight (e.g. 0.1 mg/kg)."
    elif per_kg is not None and weight is None:
        errors["weight_kg"] = "Give the patient's weight with the mg/kg dose."
    elif weight is not None and per_kg is not None:
        if weight <= 0:
            errors["weight_kg"] = "The weight must be above 0 kg."
        elif weight > MAX_WEIGHT_KG:
            errors["weight_kg"] = f"The weight cannot be above {fmt(MAX_WEIGHT_KG)} kg."
        if per_kg <= 0:
            errors["mg_per_kg"] = "The mg/kg dose must be above 0."
        elif per_kg > MAX_MG_PER_KG:
            errors["mg_per_kg"] = f"The mg/kg dose cannot be above {fmt(MAX_MG_PER_KG)} mg/kg."
        if not errors.get("weight_kg") and not errors.get("mg_per_kg"):
            weight_dose = (weight * per_kg).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
            if weight_dose < MIN_DOSE_MG:
                errors["weight_kg"] = (
                    f"{fmt(weight)} kg × {fmt(per_kg)} mg/kg is under the 0.1 mg minimum dose."
                )
    return errors


def effective_target(scheme: Scheme) -> Decimal:
    """The dose titration stops at: the target, capped by the maximum and, for a
    weight-based scheme, by weight × mg/kg rounded down to 0.1 mg."""
    target = min(scheme.target_mg, scheme.max_mg)
    if scheme.weight_kg is not None and scheme.mg_per_kg is not None:
        weight_dose = (scheme.weight_kg * scheme.mg_per_kg).quantize(
            Decimal("0.1"), rounding=ROUND_DOWN
        )
        target = min(target, weight_dose)
    return target.quantize(MG)


def effective_start(scheme: Scheme) -> Decimal:
    return min(scheme.start_mg, effective_target(scheme)).quantize(MG)


def validate_scheme(scheme: Scheme) -> tuple[str, ...]:
    """Raises PlanInputError for: start/target < 0.1 mg; any dose > 4.5 mg without
    beyond_low_dose_confirmed; any dose > 50 mg (refused always); step < 0; interval_days
    < 1; start > target; weight_kg without mg_per_kg or vice versa; weight <= 0.
    Returns notices (e.g. clamping)."""
    errors = _check_scheme(scheme)
    if errors:
        raise PlanInputError(errors)
    notices: list[str] = []
    target = effective_target(scheme)
    if scheme.weight_kg is not None and scheme.mg_per_kg is not None:
        raw = scheme.weight_kg * scheme.mg_per_kg
        weight_dose = raw.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        words = (
            f"Weight-based target: {fmt(scheme.weight_kg)} kg × {fmt(scheme.mg_per_kg)} mg/kg"
            f" = {mg_text(weight_dose)}"
        )
        if weight_dose > target:
            notices.append(f"{words}, capped at {mg_text(target)}.")
        else:
            notices.append(f"{words}.")
    elif scheme.target_mg > target:
        notices.append(
            f"The target {mg_text(scheme.target_mg)} is above the {mg_text(scheme.max_mg)} "
            f"maximum; the plan stops at {mg_text(target)}."
        )
    if scheme.start_mg > target:
        notices.append(
            f"The start dose {mg_text(scheme.start_mg)} is above the effective target; "
            f"the plan starts at {mg_text(target)}."
        )
    start = min(scheme.start_mg, target)
    if scheme.step_mg > 0 and start < target:
        steps_up = (target - start) / scheme.step_mg
        if steps_up != steps_up.to_integral_value():
            below = start + scheme.step_mg * int(steps_up)
            notices.append(
                f"The step from {mg_text(below)} to {mg_text(below + scheme.step_mg)} would "
                f"pass the {mg_text(target)} target; the last step is {mg_text(target)}."
            )
    return tuple(notices)


# -- the calendar -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    start_date: datetime.date
    end_date: datetime.date  # inclusive
    dose_mg: Decimal
    timing: str  # "bedtime" | "morning"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date

    def shifted(self, days: int) -> Step:
        delta = datetime.timedelta(days=days)
        return replace(self, start_date=self.start_date + delta, end_date=self.end_date + delta)

    def to_dict(self) -> dict:
        return {
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "dose_mg": fmt(self.dose_mg),
            "timing": self.timing,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Step:
        if not isinstance(d, dict):
            raise PlanInputError({"steps": "Send each step as an object."})
        step = cls(
            start_date=to_date(d.get("start_date"), "start_date"),
            end_date=to_date(d.get("end_date"), "end_date"),
            dose_mg=to_decimal(d.get("dose_mg"), "dose_mg"),
            timing=d.get("timing") or "bedtime",
        )
        if step.end_date < step.start_date:
            raise PlanInputError({"end_date": "The step ends before it starts."})
        if step.timing not in TIMINGS:
            raise PlanInputError({"timing": "Choose bedtime or morning."})
        return step


@dataclass(frozen=True)
class Calendar:
    """Dosing steps, continuous and ordered except for gaps left by a pause then resume.

    `kept`/`paused_from` hold the steps set aside by a pause that has not been resumed yet;
    `stopped_from` is the first day without a dose after a stop."""

    steps: tuple[Step, ...]
    notices: tuple[str, ...] = ()
    kept: tuple[Step, ...] = ()
    paused_from: datetime.date | None = None
    stopped_from: datetime.date | None = None

    @property
    def start_date(self) -> datetime.date | None:
        return self.steps[0].start_date if self.steps else None

    @property
    def end_date(self) -> datetime.date | None:
        return self.steps[-1].end_date if self.steps else None

    @property
    def dosing_days(self) -> int:
        return sum(step.days for step in self.steps)

    def dose_on(self, day: datetime.date) -> Step | None:
        """The step covering `day`, None if no dose that day."""
        for step in self.steps:
            if step.start_date > day:
                return None
            if step.end_date >= day:
                return step
        return None

    def next_change_after(self, day: datetime.date) -> Step | None:
        """The first step starting after `day`."""
        for step in self.steps:
            if step.start_date > day:
                return step
        return None

    def gaps(self) -> list[tuple[datetime.date, datetime.date]]:
        """(first day without a dose, day dosing resumes) for each pause gap."""
        return [
            (a.end_date + ONE_DAY, b.start_date)
            for a, b in zip(self.steps, self.steps[1:], strict=False)
            if b.start_date > a.end_date + ONE_DAY
        ]

    def to_list(self) -> list[dict]:
        return [step.to_dict() for step in self.steps]


def check_duration(duration_days) -> int:
    duration = to_int(duration_days, "duration_days")
    if duration < 1:
        raise PlanInputError({"duration_days": "The plan must last at least 1 day."})
    if duration > MAX_DURATION_DAYS:
        raise PlanInputError(
            {"duration_days": f"The plan cannot last more than {MAX_DURATION_DAYS} days."}
        )
    return duration


def check_start_date(value) -> datetime.date:
    day = to_date(value, "start_date")
    if not EARLIEST_START <= day <= LATEST_START:
        raise PlanInputError(
            {
                "start_date": (
                    f"Choose a start date between {EARLIEST_START.isoformat()} and "
                    f"{LATEST_START.isoformat()}."
                )
            }
        )
    return day


def _climb(
    dose: Decimal,
    first_day: datetime.date,
    last_day: datetime.date,
    scheme: Scheme,
    target: Decimal,
    timing: str,
    first_days: int | None = None,
) -> list[Step]:
    """Steps from first_day to last_day: `dose` for first_days (default interval_days),
    then up by step_mg every interval_days, the last step clamped to the target."""
    steps: list[Step] = []
    day = first_day
    length = first_days or scheme.interval_days
    while day <= last_day:
        if dose >= target or scheme.step_mg <= 0:
            steps.append(Step(day, last_day, dose, timing))
            break
        end = min(day + datetime.timedelta(days=length - 1), last_day)
        steps.append(Step(day, end, dose, timing))
        day = end + ONE_DAY
        dose = min(dose + scheme.step_mg, target).quantize(MG)
        length = scheme.interval_days
    return steps


def build_calendar(scheme: Scheme, start_date: datetime.date, duration_days: int) -> Calendar:
    """Day-by-day titration from start_date for duration_days (1..730): start_mg for
    interval_days, then +step_mg every interval_days until the effective target (the last
    step clamped to it, with a notice), then the target until the end. step_mg 0 or
    start == target → one step. Paediatric: effective target = min(weight*mg_per_kg
    rounded DOWN to 0.1 mg, target_mg, max_mg); the start is clamped to that target too."""
    notices = list(validate_scheme(scheme))
    duration = check_duration(duration_days)
    start_date = check_start_date(start_date)
    target = effective_target(scheme)
    last_day = start_date + datetime.timedelta(days=duration - 1)
    steps = _climb(effective_start(scheme), start_date, last_day, scheme, target, scheme.timing)
    if steps[-1].dose_mg < target:
        notices.append(
            f"The plan ends on {last_day.isoformat()} at {mg_text(steps[-1].dose_mg)}, "
            f"before reaching the {mg_text(target)} target."
        )
    return Calendar(steps=tuple(steps), notices=tuple(notices))


# -- adjustments ------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    kind: str  # one of ADJUSTMENT_KINDS
    effective_date: datetime.date
    days: int | None = None  # hold: how many more days at the current dose (1..90)
    reason: str = ""

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "effective_date": self.effective_date.isoformat(),
            "days": self.days,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Adjustment:
        """Tolerant of extra keys (a stored adjustment may carry who and when)."""
        if not isinstance(d, dict):
            raise PlanInputError({"kind": "Send the adjustment as an object."})
        kind = d.get("kind")
        if kind not in ADJUSTMENT_KINDS:
            raise PlanInputError({"kind": "Choose one of: " + ", ".join(ADJUSTMENT_KINDS) + "."})
        effective = to_date(d.get("effective_date"), "effective_date")
        days = d.get("days")
        if kind == "hold":
            days = to_int(days, "days") if days not in (None, "") else None
            if days is None or not 1 <= days <= MAX_HOLD_DAYS:
                raise PlanInputError({"days": f"Hold the dose for 1 to {MAX_HOLD_DAYS} more days."})
        else:
            days = None
        reason = d.get("reason") or ""
        if not isinstance(reason, str):
            raise PlanInputError({"reason": "Enter the reason as text."})
        return cls(kind=kind, effective_date=effective, days=days, reason=reason.strip())


def _merge(steps: Iterable[Step]) -> tuple[Step, ...]:
    """Joins contiguous steps with the same dose and timing."""
    merged: list[Step] = []
    for step in steps:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.end_date + ONE_DAY == step.start_date
            and prev.dose_mg == step.dose_mg
            and prev.timing == step.timing
        ):
            merged[-1] = replace(prev, end_date=step.end_date)
        else:
            merged.append(step)
    return tuple(merged)


def _split_at(steps: Sequence[Step], day: datetime.date) -> tuple[list[Step], list[Step]]:
    """The steps before `day` and from `day` on."""
    before: list[Step] = []
    after: list[Step] = []
    for step in steps:
        if step.end_date < day:
            before.append(step)
        elif step.start_date >= day:
            after.append(step)
        else:
            before.append(replace(step, end_date=day - ONE_DAY))
            after.append(replace(step, start_date=day))
    return before, after


def _trim(steps: Iterable[Step], last_day: datetime.date) -> list[Step]:
    out = []
    for step in steps:
        if step.start_date > last_day:
            break
        out.append(replace(step, end_date=min(step.end_date, last_day)))
    return out


def _refuse(field_name: str, message: str) -> PlanInputError:
    return PlanInputError({field_name: message})


def _apply_one(calendar: Calendar, scheme: Scheme, adj: Adjustment) -> Calendar:
    day = adj.effective_date
    if calendar.stopped_from is not None:
        raise _refuse(
            "kind",
            f"The plan was stopped from {calendar.stopped_from.isoformat()}: "
            "it cannot be adjusted any more.",
        )
    if calendar.paused_from is not None:
        return _apply_while_paused(calendar, adj)
    if adj.kind == "resume":
        raise _refuse("kind", "The plan is not paused, so there is nothing to resume.")
    steps = calendar.steps
    if not steps or not calendar.start_date <= day <= calendar.end_date:
        span = (
            f"{calendar.start_date.isoformat()} to {calendar.end_date.isoformat()}"
            if steps
            else "no dosing days"
        )
        raise _refuse(
            "effective_date",
            f"{day.isoformat()} is outside the dose calendar ({span}).",
        )
    current = calendar.dose_on(day)
    # A day inside an earlier pause gap has no dose to hold, step back from or pause; the
    # time of day and a stop still apply from it.
    if current is None and adj.kind not in ("morning", "bedtime", "stop"):
        raise _refuse("effective_date", f"There is no dose on {day.isoformat()} to adjust.")
    last_day = calendar.end_date
    before, after = _split_at(steps, day)
    if adj.kind == "hold":
        assert current is not None
        delta = datetime.timedelta(days=adj.days or 0)
        # The step covering the day lasts N days longer; everything after moves N days later.
        head = after[0]
        moved = [replace(head, end_date=head.end_date + delta)]
        moved += [step.shifted(adj.days or 0) for step in after[1:]]
        new = before + _trim(moved, last_day)
    elif adj.kind == "step_back":
        assert current is not None
        earlier_lower = [
            s.dose_mg for s in steps if s.end_date < day and s.dose_mg < current.dose_mg
        ]
        back = earlier_lower[-1] if earlier_lower else current.dose_mg
        target = max(effective_target(scheme), current.dose_mg)
        climb_scheme = scheme
        if scheme.step_mg <= 0:
            # A fixed-dose scheme climbs straight back to where it was.
            climb_scheme = replace(scheme, step_mg=current.dose_mg - back)
        new = before + _climb(back, day, last_day, climb_scheme, target, current.timing)
    elif adj.kind in ("morning", "bedtime"):
        new = before + [replace(step, timing=adj.kind) for step in after]
    elif adj.kind == "pause":
        return replace(calendar, steps=_merge(before), kept=tuple(after), paused_from=day)
    else:  # stop
        return replace(calendar, steps=_merge(before), stopped_from=day)
    return replace(calendar, steps=_merge(new))


def _apply_while_paused(calendar: Calendar, adj: Adjustment) -> Calendar:
    paused = calendar.paused_from
    assert paused is not None
    day = adj.effective_date
    if adj.kind not in ("resume", "stop", "morning", "bedtime"):
        raise _refuse("kind", f"The plan is paused from {paused.isoformat()}: resume it first.")
    if day < paused:
        raise _refuse(
            "effective_date",
            f"The plan is paused from {paused.isoformat()}; choose that date or later.",
        )
    if adj.kind == "stop":
        return replace(calendar, kept=(), paused_from=None, stopped_from=paused)
    if adj.kind in ("morning", "bedtime"):
        return replace(calendar, kept=tuple(replace(s, timing=adj.kind) for s in calendar.kept))
    if (day - paused).days > MAX_DURATION_DAYS:
        raise _refuse("effective_date", "Resume within two years of the pause.")
    shift = (day - paused).days
    resumed = [step.shifted(shift) for step in calendar.kept]
    return replace(
        calendar,
        steps=_merge(list(calendar.steps) + resumed),
        kept=(),
        paused_from=None,
    )


def apply_adjustments(
    calendar: Calendar, scheme: Scheme, adjustments: Sequence[Adjustment]
) -> Calendar:
    """Applies each adjustment in order; the plan's end date stays fixed except that a
    resume moves it by the length of the pause. See the engine contract for each kind.
    Raises PlanInputError for an effective date outside the calendar, a resume without a
    pause, anything after a stop, and hold days outside 1..90."""
    for adj in adjustments:
        if adj.kind not in ADJUSTMENT_KINDS:
            raise _refuse("kind", "Choose one of: " + ", ".join(ADJUSTMENT_KINDS) + ".")
        if adj.kind == "hold" and not (adj.days and 1 <= adj.days <= MAX_HOLD_DAYS):
            raise _refuse("days", f"Hold the dose for 1 to {MAX_HOLD_DAYS} more days.")
        calendar = _apply_one(calendar, scheme, adj)
    return calendar


__all__ = [
    "ADJUSTMENT_KINDS",
    "Adjustment",
    "Calendar",
    "PlanInputError",
    "Scheme",
    "Step",
    "apply_adjustments",
    "build_calendar",
    "effective_target",
    "validate_scheme",
]
