"""An illustrative model of naltrexone, 6β-naltrexol and μ-opioid receptor occupancy after
one oral dose. Pure Python (no Django): the API, the explainer page and the tests share it.

The numbers live in data/model.json with their sources and grades; this module only
evaluates them. Every concentration is the closed-form one-compartment curve
C(t) = dose · scale · (e^(−k·t) − e^(−ka·t)), so it can be read at any time, not only on the
chart's grid.
"""

import json
import math
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "model.json"

MAX_DOSE_MG = 50.0
MAX_HOURS = 72
GRADES = {"A", "B", "C", "D", "E", "derived"}
REQUIRED_PARAMETERS = (
    "reference_dose_mg",
    "naltrexone_tmax_h",
    "naltrexone_half_life_h",
    "ka_per_h",
    "naltrexone_cmax_ref_ng_ml",
    "naltrexol_half_life_h",
    "naltrexol_cmax_ref_ng_ml",
    "naltrexol_relative_potency",
    "pet_window_h",
)
# Peaks are searched on this grid (hours); fine enough for a 1 h Tmax and cheap.
PEAK_STEP_H = 0.01


class ModelDataError(ValueError):
    """data/model.json is missing something or contradicts itself."""


class ModelInputError(ValueError):
    """A bad argument to the model, with the name of the field it came from."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Species:
    """One apparent one-compartment curve: ng/mL per mg of dose."""

    ka: float
    k: float
    scale: float

    def at(self, dose_mg: float, hour: float) -> float:
        if hour <= 0:
            return 0.0
        curve = math.exp(-self.k * hour) - math.exp(-self.ka * hour)
        return max(dose_mg * self.scale * curve, 0.0)

    @property
    def tmax_h(self) -> float:
        return math.log(self.ka / self.k) / (self.ka - self.k)


def _bateman_scale(ka: float, k: float, cmax: float, dose: float) -> float:
    """ng/mL per mg so that the curve's peak after `dose` is `cmax`."""
    tmax = math.log(ka / k) / (ka - k)
    return cmax / (dose * (math.exp(-k * tmax) - math.exp(-ka * tmax)))


@dataclass(frozen=True)
class Model:
    data: dict
    naltrexone: Species
    naltrexol: Species
    naltrexol_weight: float
    pet_window_h: float
    ec50_ng_ml: float

    def effective(self, dose_mg: float, hour: float) -> float:
        """Naltrexone plus 6β-naltrexol weighted by its relative μ affinity (ng/mL)."""
        return self.naltrexone.at(dose_mg, hour) + self.naltrexol_weight * self.naltrexol.at(
            dose_mg, hour
        )

    def occupancy(self, dose_mg: float, hour: float) -> float:
        c = self.effective(dose_mg, hour)
        return c / (c + self.ec50_ng_ml) if c > 0 else 0.0

    @property
    def apparent_volume_l(self) -> float:
        """V/F implied by the concentration scale (litres): C = dose/V · ka/(ka−k) · (…)."""
        s = self.naltrexone
        return 1000.0 * s.ka / (s.scale * (s.ka - s.k))

    @property
    def assumptions(self) -> list[str]:
        return list(self.data["assumptions"])

    @property
    def sources(self) -> list[dict]:
        return [{"id": key, **value} for key, value in self.data["sources"].items()]

    @property
    def pet_points(self) -> list[dict]:
        return [dict(p) for p in self.data["pet_points"]]


def _value(data: dict, name: str) -> float:
    return float(data["parameters"][name]["value"])


def validate(data: dict) -> None:
    """Refuse data that lacks a value, a source or a grade, or whose numbers cannot work."""
    for key in ("title", "label", "sources", "parameters", "pet_points", "assumptions"):
        if key not in data:
            raise ModelDataError(f"model.json: missing {key!r}")
    sources = data["sources"]
    for key, source in sources.items():
        if not source.get("citation") or source.get("grade") not in GRADES:
            raise ModelDataError(f"model.json: source {key!r} needs a citation and a grade")
    parameters = data["parameters"]
    for name in REQUIRED_PARAMETERS:
        if name not in parameters:
            raise ModelDataError(f"model.json: missing parameter {name!r}")
    for name, parameter in parameters.items():
        missing = {"value", "unit", "source", "grade"} - set(parameter)
        if missing:
            raise ModelDataError(f"model.json: parameter {name!r} lacks {sorted(missing)}")
        if parameter["grade"] not in GRADES:
            raise ModelDataError(f"model.json: parameter {name!r} has grade {parameter['grade']!r}")
        unknown = [s for s in parameter["source"] if s not in sources]
        if unknown:
            raise ModelDataError(f"model.json: parameter {name!r} cites unknown {unknown}")
    for name in REQUIRED_PARAMETERS:
        value = parameters[name]["value"]
        if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise ModelDataError(f"model.json: parameter {name!r} must be a positive number")
    ka = _value(data, "ka_per_h")
    ke = math.log(2) / _value(data, "naltrexone_half_life_h")
    if ka <= ke:
        raise ModelDataError("model.json: absorption must be faster than elimination")
    # The apparent ka exists to reproduce the label's Tmax; if they drift apart, say so.
    tmax = math.log(ka / ke) / (ka - ke)
    if abs(tmax - _value(data, "naltrexone_tmax_h")) > 0.25:
        raise ModelDataError(f"model.json: ka gives a peak at {tmax:.2f} h, not at Tmax")
    if not data["pet_points"]:
        raise ModelDataError("model.json: no PET points to fit EC50 to")
    for point in data["pet_points"]:
        if not (point.get("dose_mg", 0) > 0 and 0 < point.get("occupancy", 0) < 1):
            raise ModelDataError(f"model.json: bad PET point {point}")
        if point.get("source") not in sources:
            raise ModelDataError(f"model.json: PET point {point} cites an unknown source")
    if not all(isinstance(a, str) and a for a in data["assumptions"]):
        raise ModelDataError("model.json: assumptions must be sentences")


def _build(data: dict, ec50_ng_ml: float | None = None) -> Model:
    ref_dose = _value(data, "reference_dose_mg")
    ka = _value(data, "ka_per_h")
    ke = math.log(2) / _value(data, "naltrexone_half_life_h")
    km = math.log(2) / _value(data, "naltrexol_half_life_h")
    naltrexone = Species(
        ka, ke, _bateman_scale(ka, ke, _value(data, "naltrexone_cmax_ref_ng_ml"), ref_dose)
    )
    # 6β-naltrexol is made mostly in the first pass, so it rises with the absorption.
    naltrexol = Species(
        ka, km, _bateman_scale(ka, km, _value(data, "naltrexol_cmax_ref_ng_ml"), ref_dose)
    )
    model = Model(
        data=data,
        naltrexone=naltrexone,
        naltrexol=naltrexol,
        naltrexol_weight=_value(data, "naltrexol_relative_potency"),
        pet_window_h=_value(data, "pet_window_h"),
        ec50_ng_ml=ec50_ng_ml or 1.0,
    )
    if ec50_ng_ml is None:
        model = replace(model, ec50_ng_ml=fit_ec50(data["pet_points"], model))
    return model


@cache
def load() -> Model:
    """The model from data/model.json, validated and with EC50 fitted (once per process)."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    validate(data)
    return _build(data)


def _peak(curve, until_h: float) -> tuple[float, float]:
    """(hour, value) of the highest point of curve(hour) on [0, until_h]."""
    steps = int(round(until_h / PEAK_STEP_H))
    best_hour, best = 0.0, 0.0
    for i in range(steps + 1):
        hour = i * PEAK_STEP_H
        value = curve(hour)
        if value > best:
            best_hour, best = hour, value
    return best_hour, best


def peak_effective_per_mg(model: Model) -> float:
    """Highest effective concentration within the PET window, per mg (linear in dose)."""
    return _peak(lambda h: model.effective(1.0, h), model.pet_window_h)[1]


def fit_ec50(points, model: Model | None = None) -> float:
    """EC50 (ng/mL) so that the modelled peak occupancy best matches the PET points, in the
    least-squares sense. `points`: dicts with dose_mg and occupancy (0–1)."""
    model = model or load()
    pairs = [(float(p["dose_mg"]), float(p["occupancy"])) for p in points]
    if not pairs:
        raise ModelInputError("points", "Give at least one PET point.")
    per_mg = peak_effective_per_mg(model)

    def loss(log_ec50):
        ec50 = math.exp(log_ec50)
        return sum((d * per_mg / (d * per_mg + ec50) - occ) ** 2 for d, occ in pairs)

    # Golden-section search on log(EC50): the loss is smooth and has one minimum there.
    low, high = math.log(1e-6), math.log(1e6)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        a = high - ratio * (high - low)
        b = low + ratio * (high - low)
        if loss(a) < loss(b):
            high = b
        else:
            low = a
    return math.exp((low + high) / 2)


def peak_occupancy(dose_mg: float, model: Model | None = None) -> float:
    """Modelled highest occupancy within the PET window after one dose."""
    model = model or load()
    return _peak(lambda h: model.occupancy(dose_mg, h), model.pet_window_h)[1]


def _number(field: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ModelInputError(field, "Enter a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ModelInputError(field, "Enter a number.") from None
    if not math.isfinite(number):
        raise ModelInputError(field, "Enter a finite number.")
    return number


def check_dose(value, *, high: float = MAX_DOSE_MG) -> float:
    """A dose in mg, 0 < dose ≤ high; anything else is a ModelInputError on dose_mg."""
    dose = _number("dose_mg", value)
    if dose <= 0:
        raise ModelInputError("dose_mg", "The dose must be more than 0 mg.")
    if dose > high:
        raise ModelInputError("dose_mg", f"The dose must be at most {high:g} mg.")
    return dose


def check_hours(value) -> int:
    hours = _number("hours", value)
    if hours != int(hours) or not 1 <= hours <= MAX_HOURS:
        raise ModelInputError("hours", f"Give a whole number of hours from 1 to {MAX_HOURS}.")
    return int(hours)


def check_dosing_hour(value) -> float:
    hour = _number("dosing_hour", value)
    if not 0 <= hour < 24:
        raise ModelInputError("dosing_hour", "Give an hour of the day from 0 to just under 24.")
    return hour


def clock(dosing_hour: float, hour: float) -> str:
    minutes = int(round((dosing_hour + hour) * 60)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _rounded(value: float, places: int) -> float:
    return round(value, places) + 0.0  # + 0.0 turns -0.0 into 0.0


def summarise(model: Model, dose_mg: float, dosing_hour: float, hours: int) -> dict:
    peak_hour, peak = _peak(lambda h: model.occupancy(dose_mg, h), min(hours, 24))
    _, nal_peak = _peak(lambda h: model.naltrexone.at(dose_mg, h), min(hours, 24))
    _, ol_peak = _peak(lambda h: model.naltrexol.at(dose_mg, h), min(hours, 24))
    grid = 0.05
    midpoints = ((i + 0.5) * grid for i in range(int(round(hours / grid))))
    above = sum(1 for hour in midpoints if model.occupancy(dose_mg, hour) > 0.5)
    return {
        "peak_occupancy": _rounded(peak, 4),
        "peak_hour": _rounded(peak_hour, 2),
        "peak_clock": clock(dosing_hour, peak_hour),
        "occupancy_8h": _rounded(model.occupancy(dose_mg, 8), 4),
        "occupancy_12h": _rounded(model.occupancy(dose_mg, 12), 4),
        "occupancy_24h": _rounded(model.occupancy(dose_mg, 24), 4),
        "hours_above_50_percent": _rounded(above * grid, 1),
        "naltrexone_peak_ng_ml": _rounded(nal_peak, 4),
        "naltrexol_peak_ng_ml": _rounded(ol_peak, 4),
        "ec50_ng_ml": _rounded(model.ec50_ng_ml, 4),
        "apparent_volume_l": _rounded(model.apparent_volume_l, 0),
    }


@dataclass(frozen=True)
class Simulation:
    dose_mg: float
    dosing_hour: float
    hours: int
    points: list[dict]
    summary: dict


def simulate(dose_mg, dosing_hour=22, hours=24, step_h=0.5, *, model: Model | None = None):
    """Concentrations and occupancy every `step_h` hours for `hours` after one dose taken at
    `dosing_hour` (clock time, 0–24). Raises ModelInputError for bad arguments."""
    dose = check_dose(dose_mg)
    start = check_dosing_hour(dosing_hour)
    window = check_hours(hours)
    step = _number("step_h", step_h)
    if not 0.05 <= step <= window:
        raise ModelInputError("step_h", "The step must be from 0.05 h to the whole window.")
    model = model or load()
    points = []
    for i in range(int(math.floor(window / step + 1e-9)) + 1):
        hour = i * step
        points.append(
            {
                "hour": _rounded(hour, 2),
                "clock": clock(start, hour),
                "naltrexone_ng_ml": _rounded(model.naltrexone.at(dose, hour), 4),
                "naltrexol_ng_ml": _rounded(model.naltrexol.at(dose, hour), 4),
                "occupancy": _rounded(model.occupancy(dose, hour), 4),
            }
        )
    return Simulation(dose, start, window, points, summarise(model, dose, start, window))
