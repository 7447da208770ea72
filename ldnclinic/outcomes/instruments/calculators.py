"""One pure calculator per instrument: `calc(items, spec) -> Result`, raising
InstrumentInputError naming the item path. `spec` is the instrument's data (bands, etc.);
the formulas follow instruments-codes-fhir.md Part 1 (sources cited in each data file)."""

from ldnclinic.outcomes.instruments.base import Checker, InstrumentInputError, Result, band_for

REGIONS = ("head", "upper_limbs", "trunk", "lower_limbs")


# --- PASI: Σ weight × (E + I + D) × area; the hot path (bench/instruments.py) -------------

PASI_SIGNS = ("erythema", "induration", "desquamation")
# Weights × 10 keep the arithmetic in integers until one final division.
PASI_WEIGHTS10 = (("head", 1), ("upper_limbs", 2), ("trunk", 3), ("lower_limbs", 4))
_PASI_KEYS = frozenset(("erythema", "induration", "desquamation", "area"))


class _Slow(Exception):
    pass


def pasi(items, spec):
    # Fast path: plain reads and type checks; anything odd falls to the slow path, which
    # finds and names the bad item.
    try:
        regions = items["regions"]
        if len(items) != 1 or type(regions) is not dict or len(regions) != 4:
            raise _Slow
        total10 = 0
        components = {}
        for name, w10 in PASI_WEIGHTS10:
            r = regions[name]
            if type(r) is not dict or len(r) != 4:
                raise _Slow
            e = r["erythema"]
            i = r["induration"]
            d = r["desquamation"]
            a = r["area"]
            if (
                type(e) is not int
                or type(i) is not int
                or type(d) is not int
                or type(a) is not int
                or not (0 <= e <= 4 and 0 <= i <= 4 and 0 <= d <= 4 and 0 <= a <= 6)
            ):
                raise _Slow
            sub10 = w10 * (e + i + d) * a
            components[name] = sub10 / 10
            total10 += sub10
    except (_Slow, KeyError, TypeError, AttributeError):
        _pasi_errors(items)
        raise  # _pasi_errors always raises; kept for type checkers
    total = total10 / 10
    return Result(total, band_for(spec.bands, total), components)


def _pasi_errors(items):
    check = Checker()
    items = check.mapping(items, "", keys=("regions",))
    if items is not None and "regions" in items:
        regions = check.mapping(items["regions"], "regions", keys=REGIONS)
        if regions is not None:
            for name in REGIONS:
                if name not in regions:
                    continue
                path = f"regions.{name}"
                region = check.mapping(regions[name], path, keys=(*PASI_SIGNS, "area"))
                if region is None:
                    continue
                for sign in PASI_SIGNS:
                    check.integer(region, sign, path, 0, 4)
                check.integer(region, "area", path, 0, 6)
    check.raise_if_any()
    raise InstrumentInputError({"items": "Invalid items."})


# --- EASI: Σ weight(age) × (sum of 4 signs, 0–3 in half points) × area --------------------

EASI_SIGNS = ("erythema", "induration", "excoriation", "lichenification")


def easi(items, spec):
    check = Checker()
    items = check.mapping(items, "", keys=("age_years", "regions"))
    check.raise_if_any()
    age = check.integer(items, "age_years", "", 0, 130)
    regions = check.mapping(items.get("regions"), "regions", keys=REGIONS)
    values = {}
    if regions is not None:
        for name in REGIONS:
            if name not in regions:
                continue
            path = f"regions.{name}"
            region = check.mapping(regions[name], path, keys=(*EASI_SIGNS, "area"))
            if region is None:
                continue
            signs = [check.number(region, s, path, 0, 3, step=0.5) for s in EASI_SIGNS]
            area = check.integer(region, "area", path, 0, 6)
            values[name] = (signs, area)
    check.raise_if_any()
    weights = spec.data["weights"]["child" if age < spec.data["child_under_years"] else "adult"]
    components = {}
    total20 = 0
    for name in REGIONS:
        signs, area = values[name]
        # Half points × 2 and weights × 10: integers until the end.
        sub20 = round(weights[name] * 10) * round(sum(signs) * 2) * area
        components[name] = sub20 / 20
        total20 += sub20
    total = total20 / 20
    components["age_group"] = "child" if age < spec.data["child_under_years"] else "adult"
    return Result(total, band_for(spec.bands, total), components)


# --- SCORAD: A/5 + 7B/2 + C -------------------------------------------------------------

SCORAD_INTENSITY = ("erythema", "oedema", "oozing", "excoriation", "lichenification", "dryness")


def scorad(items, spec):
    check = Checker()
    items = check.mapping(items, "", keys=("extent_percent", "intensity", "itch_vas", "sleep_vas"))
    check.raise_if_any()
    a = check.number(items, "extent_percent", "", 0, 100)
    intensity = check.mapping(items.get("intensity"), "intensity", keys=SCORAD_INTENSITY)
    b_items = []
    if intensity is not None:
        b_items = [check.integer(intensity, k, "intensity", 0, 3) for k in SCORAD_INTENSITY]
    itch = check.number(items, "itch_vas", "", 0, 10)
    sleep = check.number(items, "sleep_vas", "", 0, 10)
    check.raise_if_any()
    b = sum(b_items)
    c = itch + sleep
    objective = a / 5 + 7 * b / 2
    total = round(objective + c, 2)
    components = {"A": a, "B": b, "C": c, "objective": round(objective, 2)}
    return Result(total, band_for(spec.bands, total), components)


# --- VASI: Σ hand units × residual depigmentation ---------------------------------------

VASI_LEVELS = (0, 10, 25, 50, 75, 90, 100)


def vasi(items, spec):
    check = Checker()
    items = check.mapping(items, "", keys=("sites",))
    check.raise_if_any()
    sites = items["sites"]
    if type(sites) is not list or not 1 <= len(sites) <= 100:
        raise InstrumentInputError({"sites": "Must be a list of 1–100 sites."})
    total_units = 0.0
    total = 0.0
    for index, site in enumerate(sites):
        path = f"sites.{index}"
        site = check.mapping(site, path, keys=("hand_units", "depigmentation_percent"))
        if site is None:
            continue
        units = check.number(site, "hand_units", path, 0, 100)
        level = check.choice(site, "depigmentation_percent", path, VASI_LEVELS)
        if units is not None and level is not None:
            total_units += units
            total += units * level / 100
    if not check.errors and total_units > 100:
        check.fail("sites", "Hand units add up to more than 100 (the whole body).")
    check.raise_if_any()
    total = round(total, 2)
    components = {"hand_units": round(total_units, 2), "sites": len(sites)}
    return Result(total, band_for(spec.bands, total), components)


# --- Single-number scales: NRS 0–10, IGA grade, BSA percent -----------------------------


def nrs(items, spec):
    check = Checker()
    items = check.mapping(items, "", keys=("score",))
    check.raise_if_any()
    value = check.integer(items, "score", "", 0, 10)
    check.raise_if_any()
    return Result(value, band_for(spec.bands, value), {})


def iga(items, spec):
    check = Checker()
    items = check.mapping(items, "", keys=("grade",))
    check.raise_if_any()
    value = check.integer(items, "grade", "", 0, 4)
    check.raise_if_any()
    return Result(value, band_for(spec.bands, value), {})


def bsa(items, spec):
    check = Checker()
    items = check.mapping(items, "", keys=("percent",))
    check.raise_if_any()
    value = check.number(items, "percent", "", 0, 100)
    check.raise_if_any()
    return Result(value, band_for(spec.bands, value), {})


# --- Item sums: scored items keyed by item number ("1", "2", ...) or by name --------------


def _simple_sum(items, spec, keys, lo, hi, path=""):
    check = Checker()
    items = check.mapping(items, path, keys=keys)
    check.raise_if_any()
    values = {k: check.integer(items, k, path, lo, hi) for k in keys}
    check.raise_if_any()
    return values


def numbered_sum(items, spec):
    """Licensed questionnaires (POSAS): item scores by item number only, all required."""
    lo, hi = spec.data["item_range"]
    keys = tuple(str(n) for n in range(1, spec.data["item_count"] + 1))
    values = _simple_sum(items, spec, keys, lo, hi)
    total = sum(values.values())
    return Result(total, band_for(spec.bands, total), {})


def named_sum(items, spec):
    """Clinician scales whose items are short labels with their own ranges (VSS)."""
    check = Checker()
    ranges = spec.data["item_ranges"]
    items = check.mapping(items, "", keys=tuple(ranges))
    check.raise_if_any()
    values = {k: check.integer(items, k, "", lo, hi) for k, (lo, hi) in ranges.items()}
    check.raise_if_any()
    total = sum(values.values())
    return Result(total, band_for(spec.bands, total), {})


def weighted_sum(items, spec):
    """Σ factor × grade (GAGS) or Σ weight × count (IHS4)."""
    check = Checker()
    factors = spec.data["factors"]
    lo, hi = spec.data["item_range"]
    items = check.mapping(items, "", keys=tuple(factors))
    check.raise_if_any()
    values = {k: check.integer(items, k, "", lo, hi) for k in factors}
    check.raise_if_any()
    components = {k: factors[k] * v for k, v in values.items()}
    total = sum(components.values())
    return Result(total, band_for(spec.bands, total), components)


def poem(items, spec):
    """7 items 0–4 by number; one unanswered (absent or null) scores 0, two or more: no
    score (S18)."""
    check = Checker()
    keys = tuple(str(n) for n in range(1, 8))
    items = check.mapping(items, "", keys=keys, optional=keys)
    check.raise_if_any()
    unanswered = [k for k in keys if items.get(k) is None]
    values = {k: check.integer(items, k, "", 0, 4) for k in keys if k not in unanswered}
    if len(unanswered) >= 2:
        for k in unanswered:
            check.fail(k, "Unanswered: POEM cannot be scored with two or more items missing.")
    check.raise_if_any()
    total = sum(values.values())
    return Result(total, band_for(spec.bands, total), {"unanswered": len(unanswered)})


def dlqi(items, spec):
    """10 items 0–3 by number; items 3–10 may be "not_relevant" (scored 0). Every item is
    required: the missing-data rule is unverified."""
    check = Checker()
    keys = tuple(str(n) for n in range(1, 11))
    items = check.mapping(items, "", keys=keys)
    check.raise_if_any()
    values = {}
    for k in keys:
        if int(k) >= 3 and items[k] == "not_relevant":
            values[k] = 0
        else:
            values[k] = check.integer(items, k, "", 0, 3)
            if values[k] is None and int(k) >= 3:
                check.errors[k] = 'Must be a whole number 0–3 or "not_relevant".'
    check.raise_if_any()
    total = sum(values.values())
    domains = {
        name: sum(values[str(n)] for n in numbers) for name, numbers in spec.data["domains"].items()
    }
    return Result(total, band_for(spec.bands, total), domains)


def cdlqi(items, spec):
    """10 items 0–3 by number; item 7 may be "prevented" (prevented school: 3); an
    unanswered item (absent or null) scores 0 (S22)."""
    check = Checker()
    keys = tuple(str(n) for n in range(1, 11))
    items = check.mapping(items, "", keys=keys, optional=keys)
    check.raise_if_any()
    values = {}
    for k in keys:
        if items.get(k) is None:
            values[k] = 0
        elif k == "7" and items[k] == "prevented":
            values[k] = 3
        else:
            values[k] = check.integer(items, k, "", 0, 3)
    check.raise_if_any()
    total = sum(values.values())
    domains = {
        name: sum(values[str(n)] for n in numbers) for name, numbers in spec.data["domains"].items()
    }
    unanswered = sum(1 for k in keys if items.get(k) is None)
    return Result(total, band_for(spec.bands, total), {**domains, "unanswered": unanswered})


def counts(items, spec):
    """HiSCR: lesion counts; the total is the AN count (abscesses + inflammatory nodules)."""
    values = _simple_sum(
        items, spec, ("abscesses", "inflammatory_nodules", "draining_tunnels"), 0, 500
    )
    an = values["abscesses"] + values["inflammatory_nodules"]
    return Result(an, band_for(spec.bands, an), {**values, "an_count": an})


def fiqr(items, spec):
    """(function sum)/3 + overall sum + (symptom sum)/2; one missing function item is
    allowed (the domain sum is scaled by 9/8); any other gap: no score (S31)."""
    check = Checker()
    sizes = {"function": 9, "overall": 2, "symptoms": 10}
    items = check.mapping(items, "", keys=tuple(sizes))
    check.raise_if_any()
    sums = {}
    for domain, size in sizes.items():
        answers = items[domain]
        if type(answers) is not list or len(answers) != size:
            check.fail(domain, f"Must be a list of {size} item scores.")
            continue
        missing = [i for i, v in enumerate(answers) if v is None]
        allowed = 1 if domain == "function" else 0
        if len(missing) > allowed:
            for i in missing:
                check.fail(f"{domain}.{i}", "Unanswered: FIQR cannot be scored.")
        total = 0
        for i, v in enumerate(answers):
            if v is not None and (type(v) is not int or not 0 <= v <= 10):
                check.fail(f"{domain}.{i}", "Must be a whole number 0–10.")
            elif v is not None:
                total += v
        sums[domain] = total * size / (size - len(missing)) if len(missing) <= allowed else 0
    check.raise_if_any()
    components = {
        "function": round(sums["function"] / 3, 2),
        "overall": sums["overall"],
        "symptoms": round(sums["symptoms"] / 2, 2),
    }
    total = round(sums["function"] / 3 + sums["overall"] + sums["symptoms"] / 2, 2)
    return Result(total, band_for(spec.bands, total), components)


def hbi(items, spec):
    """Harvey-Bradshaw: well-being + pain + liquid stools + mass + 1 per complication."""
    check = Checker()
    keys = ("well_being", "abdominal_pain", "liquid_stools", "abdominal_mass", "complications")
    items = check.mapping(items, "", keys=keys)
    check.raise_if_any()
    values = {
        "well_being": check.integer(items, "well_being", "", 0, 4),
        "abdominal_pain": check.integer(items, "abdominal_pain", "", 0, 3),
        "liquid_stools": check.integer(items, "liquid_stools", "", 0, 100),
        "abdominal_mass": check.integer(items, "abdominal_mass", "", 0, 3),
    }
    listed = items["complications"]
    allowed = spec.data["complications"]
    if type(listed) is not list or len(set(map(repr, listed))) != len(listed):
        check.fail("complications", "Must be a list of distinct complications.")
    else:
        for i, name in enumerate(listed):
            if type(name) is not str or name not in allowed:
                check.fail(f"complications.{i}", "Must be one of " + ", ".join(allowed) + ".")
    check.raise_if_any()
    values["complications"] = len(listed)
    total = sum(values.values())
    return Result(total, band_for(spec.bands, total), values)


CALCULATORS = {
    "numbered_sum": numbered_sum,
    "named_sum": named_sum,
    "weighted_sum": weighted_sum,
    "poem": poem,
    "dlqi": dlqi,
    "cdlqi": cdlqi,
    "counts": counts,
    "fiqr": fiqr,
    "hbi": hbi,
    "pasi": pasi,
    "easi": easi,
    "scorad": scorad,
    "vasi": vasi,
    "nrs": nrs,
    "iga": iga,
    "bsa": bsa,
}
