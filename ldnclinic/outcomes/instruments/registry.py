"""The instrument catalogue: one JSON file per instrument in data/, checked when loaded,
joined to its calculator; plus the response comparison."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ldnclinic.outcomes.instruments.base import InstrumentInputError, Result, is_number
from ldnclinic.outcomes.instruments.calculators import CALCULATORS

DATA_DIR = Path(__file__).resolve().parent / "data"
# No LOINC codes exist for these instruments (reference Part 2): a local code system.
FHIR_SYSTEM = "https://ldnclinic.org/fhir/CodeSystem/outcome-instruments"
REQUIRED = (
    "code",
    "name",
    "version",
    "sources",
    "calculator",
    "reported_by",
    "range",
    "items",
    "bands",
    "responses",
    "mcid",
    "licence",
    "embed_text",
    "example",
)
RESPONSE_KINDS = ("percent_reduction", "points_reduction", "at_most", "hiscr")


class UnknownInstrument(LookupError):
    pass


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    data: dict
    bands: tuple
    calculate: object

    def score(self, items) -> Result:
        return self.calculate(items, self)

    @property
    def label(self) -> str:
        """The code as people write it: "ITCH NRS" for ITCH_NRS."""
        return self.code.replace("_", " ")

    @property
    def minimum(self) -> float:
        return self.data["range"][0]

    @property
    def maximum(self) -> float:
        return self.data["range"][1]

    def fhir_coding(self) -> dict:
        return {"system": FHIR_SYSTEM, "code": self.code, "display": self.name}


def _compile_bands(bands: list[dict]) -> tuple:
    compiled = []
    for band in bands:
        if ("below" in band) == ("upto" in band):
            raise ValueError(f"band {band}: give exactly one of below/upto")
        inclusive = "upto" in band
        compiled.append((band["label"], band["upto" if inclusive else "below"], inclusive))
    bounds = [b[1] for b in compiled]
    if bounds != sorted(bounds):
        raise ValueError("bands must ascend")
    return tuple(compiled)


def _load(path: Path) -> Instrument:
    data = json.loads(path.read_text())
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{path.name}: missing {', '.join(missing)}")
    if data["calculator"] not in CALCULATORS:
        raise ValueError(f"{path.name}: unknown calculator {data['calculator']}")
    for response in data["responses"]:
        if response["kind"] not in RESPONSE_KINDS:
            raise ValueError(f"{path.name}: unknown response kind {response['kind']}")
    return Instrument(
        code=data["code"],
        name=data["name"],
        data=data,
        bands=_compile_bands(data["bands"]),
        calculate=CALCULATORS[data["calculator"]],
    )


@cache
def catalogue() -> dict[str, Instrument]:
    instruments = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        instrument = _load(path)
        if instrument.code in instruments or path.stem != instrument.code.lower():
            raise ValueError(f"{path.name}: code {instrument.code} duplicated or misnamed")
        # The data and the calculator must agree: the documented example has to score.
        result = instrument.score(instrument.data["example"])
        if not instrument.minimum <= result.total <= instrument.maximum:
            raise ValueError(f"{path.name}: example scores outside the range")
        instruments[instrument.code] = instrument
    return instruments


def get_instrument(code: str) -> Instrument:
    try:
        return catalogue()[code.upper()]
    except KeyError:
        raise UnknownInstrument(code) from None


def score(code: str, items) -> Result:
    return get_instrument(code).score(items)


def _total(instrument: Instrument, value, field: str) -> float:
    if not is_number(value) or not instrument.minimum <= value <= instrument.maximum:
        raise InstrumentInputError(
            {field: f"Must be a number {instrument.minimum}–{instrument.maximum}."}
        )
    return value


def compare(
    code: str,
    baseline_total=None,
    current_total=None,
    *,
    baseline_items=None,
    current_items=None,
) -> dict:
    """Percent change from baseline and the response definitions reached. Totals, or item
    dicts (which also allow component-based definitions such as oSCORAD-35 and HiSCR)."""
    instrument = get_instrument(code)
    errors = {}
    results = {}
    for name, total, items in (
        ("baseline", baseline_total, baseline_items),
        ("current", current_total, current_items),
    ):
        try:
            if items is not None:
                results[name] = instrument.score(items)
            else:
                total = _total(instrument, total, name)
                results[name] = Result(total, None, None)
        except InstrumentInputError as error:
            errors.update(
                {f"{name}.{k}" if items is not None else k: v for k, v in error.fields.items()}
            )
    if errors:
        raise InstrumentInputError(errors)
    base, now = results["baseline"], results["current"]
    change = now.total - base.total
    percent = round(change / base.total * 100, 2) if base.total else None
    reached, not_evaluated = [], []
    for response in instrument.data["responses"]:
        outcome = _reached(response, base, now)
        if outcome is None:
            not_evaluated.append(response["label"])
        elif outcome:
            reached.append(response["label"])
    mcid = instrument.data["mcid"]
    return {
        "baseline": base.total,
        "current": now.total,
        "change": round(change, 2),
        "percent_change": percent,
        "reached": reached,
        "not_evaluated": not_evaluated,
        "mcid": None
        if mcid is None
        else {"points": mcid["points"], "reached": -change >= mcid["points"]},
    }


def _reached(response: dict, base: Result, now: Result) -> bool | None:
    kind = response["kind"]
    component = response.get("component")
    needs_items = component or kind == "hiscr"
    if needs_items and (base.components is None or now.components is None):
        return None  # judged on item dicts only
    b = base.components[component] if component else base.total
    c = now.components[component] if component else now.total
    if kind == "percent_reduction":
        if b == 0:
            return None
        return (b - c) / b * 100 >= response["value"]
    if kind == "points_reduction":
        return b - c >= response["value"]
    if kind == "at_most":
        return c <= response["value"]
    # HiSCR (Kimball 2016): ≥50 % fall in AN count, no more abscesses, no more tunnels.
    bc, nc = base.components, now.components
    if bc["an_count"] < response.get("min_baseline_an", 0):
        return None
    return (
        bc["an_count"] > 0
        and (bc["an_count"] - nc["an_count"]) / bc["an_count"] >= 0.5
        and nc["abscesses"] <= bc["abscesses"]
        and nc["draining_tunnels"] <= bc["draining_tunnels"]
    )
