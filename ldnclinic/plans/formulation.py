"""Formulations (compounded liquid or capsules), dose volumes and what to dispense for a
dose calendar: fills that each stay within the preparation's beyond-use days.

Pure Python. Beyond-use defaults and storage text are data (plans/data/compounding.json),
each with its source and grade, labelled as defaults to check against the current USP chapter.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from ldnclinic.plans.titration import (
    MG,
    ONE_DAY,
    Calendar,
    PlanInputError,
    fmt,
    mg_text,
    to_bool,
    to_date,
    to_decimal,
)

DATA_FILE = Path(__file__).parent / "data" / "compounding.json"
ML = Decimal("0.01")
MIN_VOLUME_ML = Decimal("0.1")
MIN_CONCENTRATION = Decimal("0.1")
MAX_CONCENTRATION = Decimal("10")
# Concentrations to suggest when a dose is too small to measure, strongest first.
SUGGESTED_CONCENTRATIONS = tuple(Decimal(c) for c in ("5", "2", "1", "0.5", "0.2", "0.1"))
MAX_BUD_DAYS = 365
# Above this a single dose is awkward to measure with an oral syringe.
LARGE_VOLUME_ML = Decimal("10")


@cache
def compounding_data() -> dict:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for key, entry in data["preparations"].items():
        missing = {"beyond_use_days", "storage", "source", "grade"} - set(entry)
        if missing:
            raise ValueError(f"compounding.json: {key} lacks {sorted(missing)}")
    return data


DEFAULT_BUD_DAYS: dict[str, int] = {
    key: entry["beyond_use_days"] for key, entry in compounding_data()["preparations"].items()
}
BUD_LABEL: str = compounding_data()["label"]


def storage_text(preparation: str) -> str:
    return compounding_data()["preparations"][preparation]["storage"]


@dataclass(frozen=True)
class Liquid:
    concentration_mg_per_ml: Decimal  # 0.1 .. 10
    preserved: bool = False
    type = "liquid"


@dataclass(frozen=True)
class Capsule:
    type = "capsule"


Formulation = Liquid | Capsule


def formulation_from_dict(d: dict) -> Formulation:
    """{"type": "liquid", "concentration_mg_per_ml": 1, "preserved": false} or
    {"type": "capsule"}; raises PlanInputError (fields prefixed "formulation.")."""
    if not isinstance(d, dict):
        raise PlanInputError({"formulation": "Choose a liquid or capsules."})
    kind = d.get("type")
    if kind == "capsule":
        return Capsule()
    if kind != "liquid":
        raise PlanInputError({"formulation.type": "Choose liquid or capsule."})
    name = "formulation.concentration_mg_per_ml"
    concentration = to_decimal(d.get("concentration_mg_per_ml"), name, places=Decimal("0.001"))
    if not MIN_CONCENTRATION <= concentration <= MAX_CONCENTRATION:
        raise PlanInputError(
            {name: "The concentration must be between 0.1 and 10 mg/mL (1 mg/mL is usual)."}
        )
    preserved = d.get("preserved", False)
    preserved = to_bool(False if preserved is None else preserved, "formulation.preserved")
    # Plain digits ("10", not "1E+1") for anyone who prints the Decimal itself.
    return Liquid(concentration_mg_per_ml=Decimal(fmt(concentration)), preserved=preserved)


def formulation_to_dict(f: Formulation) -> dict:
    if isinstance(f, Liquid):
        return {
            "type": "liquid",
            "concentration_mg_per_ml": fmt(f.concentration_mg_per_ml),
            "preserved": f.preserved,
        }
    return {"type": "capsule"}


def describe(f: Formulation) -> str:
    if isinstance(f, Liquid):
        kind = "preserved" if f.preserved else "non-preserved"
        return f"{fmt(f.concentration_mg_per_ml)} mg/mL oral liquid ({kind})"
    return "capsules"


def preparation_type(f: Formulation) -> str:
    if isinstance(f, Liquid):
        return "liquid_preserved" if f.preserved else "liquid_non_preserved"
    return "capsule"


def _suggest_concentration(dose_mg: Decimal, current: Decimal) -> Decimal:
    # Aim for at least 0.2 mL so the smallest dose is comfortably measurable.
    for concentration in SUGGESTED_CONCENTRATIONS:
        if concentration < current and dose_mg / concentration >= Decimal("0.2"):
            return concentration
    return MIN_CONCENTRATION


def volume_ml(dose_mg: Decimal, f: Liquid) -> Decimal:
    """dose / concentration, rounded to 0.01 mL; PlanInputError when under 0.1 mL."""
    exact = Decimal(dose_mg) / f.concentration_mg_per_ml
    volume = exact.quantize(ML, rounding=ROUND_HALF_UP)
    if exact < MIN_VOLUME_ML:
        suggestion = _suggest_concentration(Decimal(dose_mg), f.concentration_mg_per_ml)
        raise PlanInputError(
            {
                "formulation.concentration_mg_per_ml": (
                    f"The {mg_text(Decimal(dose_mg))} dose is {fmt(volume)} mL of the "
                    f"{fmt(f.concentration_mg_per_ml)} mg/mL liquid, too small to measure "
                    f"(under 0.1 mL); use a weaker concentration such as "
                    f"{fmt(suggestion)} mg/mL."
                )
            }
        )
    return volume


def check_formulation(calendar: Calendar, f: Formulation) -> None:
    """Raises the volume error for the smallest dose that cannot be measured."""
    if isinstance(f, Liquid) and calendar.steps:
        volume_ml(min(step.dose_mg for step in calendar.steps), f)


def formulation_notices(calendar: Calendar, f: Formulation) -> list[str]:
    """Plain-language notes on measuring: a volume rounded away from the exact dose, or a
    volume large enough that a stronger liquid would be easier to take."""
    if not isinstance(f, Liquid):
        return []
    notices = []
    concentration = f"{fmt(f.concentration_mg_per_ml)} mg/mL"
    for dose in sorted({step.dose_mg for step in calendar.steps}):
        volume = volume_ml(dose, f)
        if volume * f.concentration_mg_per_ml != dose:
            given = (volume * f.concentration_mg_per_ml).quantize(Decimal("0.001"))
            notices.append(
                f"At {concentration} the {mg_text(dose)} dose rounds to {fmt(volume)} mL "
                f"({fmt(given)} mg)."
            )
        if volume > LARGE_VOLUME_ML:
            notices.append(
                f"The {mg_text(dose)} dose is {fmt(volume)} mL of the {concentration} liquid; "
                "a stronger concentration gives a smaller volume."
            )
    return notices


# -- dispensing -------------------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    start_date: datetime.date
    end_date: datetime.date  # inclusive; days = end - start + 1 <= beyond_use_days
    capsules: dict[str, int]  # capsule: {"1.5": 7, "3": 7}; {} for liquid
    volume_ml: Decimal | None  # liquid: sum of daily volumes rounded UP to whole mL

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def to_dict(self) -> dict:
        return {
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "days": self.days,
            "capsules": dict(self.capsules),
            "volume_ml": fmt(self.volume_ml),
        }


@dataclass(frozen=True)
class Dispense:
    type: str  # "capsule" | "liquid"
    period_start: datetime.date | None
    period_end: datetime.date | None
    beyond_use_days: int
    preparation: str
    storage: str
    fills: tuple[Fill, ...]  # consecutive; cover every dosing day of the period once
    concentration_mg_per_ml: Decimal | None = None

    @property
    def days_supply(self) -> int:
        return self.fills[0].days if self.fills else 0

    @property
    def refills(self) -> int:
        return max(len(self.fills) - 1, 0)

    @property
    def strengths(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for fill in self.fills:
            for strength, count in fill.capsules.items():
                totals[strength] = totals.get(strength, 0) + count
        return dict(sorted(totals.items(), key=lambda item: Decimal(item[0])))

    @property
    def total_volume_ml(self) -> Decimal | None:
        if self.type != "liquid":
            return None
        return sum((fill.volume_ml or Decimal(0) for fill in self.fills), Decimal(0))

    @property
    def dosing_days(self) -> int:
        return sum(fill.days for fill in self.fills)

    def to_dict(self) -> dict:
        source = compounding_data()["preparations"][self.preparation]
        return {
            "type": self.type,
            "preparation": self.preparation,
            "preparation_name": source["name"],
            "concentration_mg_per_ml": fmt(self.concentration_mg_per_ml),
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "dosing_days": self.dosing_days,
            "days_supply": self.days_supply,
            "refills": self.refills,
            "beyond_use_days": self.beyond_use_days,
            "beyond_use_label": BUD_LABEL,
            "beyond_use_source": source["source"],
            "beyond_use_grade": source["grade"],
            "storage": self.storage,
            "strengths": self.strengths if self.type == "capsule" else {},
            "total_volume_ml": fmt(self.total_volume_ml),
            "fills": [fill.to_dict() for fill in self.fills],
        }


def _bud_days(preparation: str, bud_days: dict | None) -> int:
    days = (bud_days or {}).get(preparation, DEFAULT_BUD_DAYS[preparation])
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_BUD_DAYS:
        raise PlanInputError(
            {"beyond_use_days": f"Beyond-use days must be 1 to {MAX_BUD_DAYS} ({preparation})."}
        )
    return days


def _dosing_runs(calendar: Calendar, first: datetime.date, last: datetime.date):
    """Contiguous runs of dosing days within [first, last] as lists of clipped steps."""
    runs: list[list] = []
    for step in calendar.steps:
        start, end = max(step.start_date, first), min(step.end_date, last)
        if start > end:
            continue
        clipped = (start, end, step.dose_mg)
        if runs and runs[-1][-1][1] + ONE_DAY == start:
            runs[-1].append(clipped)
        else:
            runs.append([clipped])
    return runs


def _fill(pieces: list, f: Formulation) -> Fill:
    start, end = pieces[0][0], pieces[-1][1]
    if isinstance(f, Liquid):
        total = sum((volume_ml(dose, f) * ((e - s).days + 1) for s, e, dose in pieces), Decimal(0))
        return Fill(start, end, {}, total.quantize(Decimal(1), rounding=ROUND_CEILING))
    capsules: dict[str, int] = {}
    for s, e, dose in pieces:
        key = fmt(dose.quantize(MG))
        capsules[key] = capsules.get(key, 0) + (e - s).days + 1
    return Fill(start, end, capsules, None)


def dispense_for(
    calendar: Calendar,
    f: Formulation,
    *,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    bud_days: dict | None = None,
) -> Dispense:
    """What to dispense for the calendar's dosing days within the period (default: the whole
    calendar). Each fill covers consecutive dosing days spanning at most the preparation's
    beyond-use days (bud_days overrides DEFAULT_BUD_DAYS); a pause gap starts a new fill.
    Capsules: one capsule per day of the step's strength."""
    preparation = preparation_type(f)
    bud = _bud_days(preparation, bud_days)
    first = to_date(period_start, "period_start") if period_start else calendar.start_date
    last = to_date(period_end, "period_end") if period_end else calendar.end_date
    fills: list[Fill] = []
    if first is not None and last is not None:
        if last < first:
            raise PlanInputError({"period_end": "The period ends before it starts."})
        check_formulation(calendar, f)
        for run in _dosing_runs(calendar, first, last):
            pieces: list = []
            fill_start = run[0][0]
            for s, e, dose in run:
                while s <= e:
                    fill_end = fill_start + datetime.timedelta(days=bud - 1)
                    piece_end = min(e, fill_end)
                    pieces.append((s, piece_end, dose))
                    s = piece_end + ONE_DAY
                    if piece_end == fill_end:
                        fills.append(_fill(pieces, f))
                        pieces, fill_start = [], s
            if pieces:
                fills.append(_fill(pieces, f))
    return Dispense(
        type=f.type,
        period_start=first,
        period_end=last,
        beyond_use_days=bud,
        preparation=preparation,
        storage=storage_text(preparation),
        fills=tuple(fills),
        concentration_mg_per_ml=f.concentration_mg_per_ml if isinstance(f, Liquid) else None,
    )
