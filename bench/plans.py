"""The plan preview: a 365-day low-and-slow plan (0.5 mg steps every 7 days to 4.5 mg) as a
1 mg/mL non-preserved liquid, with three adjustments (hold 7 days, move to the morning,
step back), previewed N times through ldnclinic.plans.preview (calendar, dispense in 14-day
fills, sig, FHIR dosage).

Prints previews per second, the median and p95, and a baseline measured in the same run: a
naive preview that builds a per-day list of doses, applies the same adjustments day by day,
then groups the days into steps and fills, with the ratio.

    .venv/bin/python bench/plans.py [--runs 2000]
"""

import argparse
import datetime
import statistics
import sys
import time
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = datetime.date(2026, 1, 5)
DAYS = 365
PAYLOAD = {
    "start_date": START.isoformat(),
    "start_mg": "0.5",
    "step_mg": "0.5",
    "interval_days": 7,
    "target_mg": "4.5",
    "duration_days": DAYS,
    "timing": "bedtime",
    "formulation": {"type": "liquid", "concentration_mg_per_ml": "1", "preserved": False},
    "adjustments": [
        {"kind": "hold", "effective_date": "2026-01-20", "days": 7, "reason": "headache"},
        {"kind": "morning", "effective_date": "2026-02-10", "reason": "vivid dreams"},
        {"kind": "step_back", "effective_date": "2026-03-01", "reason": "insomnia"},
    ],
}


def naive_preview(payload):
    """The same answer's essentials from a list with one entry per day."""
    start = datetime.date.fromisoformat(payload["start_date"])
    first, step = Decimal(payload["start_mg"]), Decimal(payload["step_mg"])
    target, interval = Decimal(payload["target_mg"]), payload["interval_days"]
    concentration = Decimal(payload["formulation"]["concentration_mg_per_ml"])
    n_days = payload["duration_days"]
    days = [
        [start + datetime.timedelta(days=n), min(first + step * (n // interval), target), "bedtime"]
        for n in range(n_days)
    ]
    for adj in payload["adjustments"]:
        at = (datetime.date.fromisoformat(adj["effective_date"]) - start).days
        if adj["kind"] == "hold":
            held = [[None, days[at][1], days[at][2]] for _ in range(adj["days"])]
            days = days[:at] + held + days[at:]
            days = days[:n_days]
        elif adj["kind"] in ("morning", "bedtime"):
            for day in days[at:]:
                day[2] = adj["kind"]
        elif adj["kind"] == "step_back":
            current = days[at][1]
            lower = [d[1] for d in days[:at] if d[1] < current]
            dose = lower[-1] if lower else current
            for k, day in enumerate(days[at:]):
                day[1] = min(dose + step * (k // interval), target)
        for n, day in enumerate(days):
            day[0] = start + datetime.timedelta(days=n)
    steps = []
    for date, dose, timing in days:
        if steps and steps[-1][2] == dose and steps[-1][3] == timing:
            steps[-1][1] = date
        else:
            steps.append([date, date, dose, timing])
    volumes = [(dose / concentration).quantize(Decimal("0.01")) for _, dose, _ in days]
    fills = [
        sum(volumes[i : i + 14]).quantize(Decimal(1), rounding=ROUND_CEILING)
        for i in range(0, len(volumes), 14)
    ]
    sig = ", then ".join(
        f"take {(d / concentration).normalize():f} mL ({d.normalize():f} mg) by mouth "
        f"{'at bedtime' if t == 'bedtime' else 'in the morning'} for {(b - a).days + 1} days"
        for a, b, d, t in steps
    )
    return {"steps": steps, "fills": fills, "sig": sig}


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    samples.sort()
    return sum(samples), statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()

    from ldnclinic.plans.preview import preview

    result = preview(PAYLOAD)  # warm the compounding data cache
    naive = naive_preview(PAYLOAD)
    assert [s["dose_mg"] for s in result["steps"]] == [
        f"{s[2].normalize():f}" for s in naive["steps"]
    ], "the baseline must compute the same calendar"
    assert [int(f["volume_ml"]) for f in result["dispense"]["fills"]] == naive["fills"]

    total, median, p95 = timed(lambda: preview(PAYLOAD), args.runs)
    base_total, base_median, base_p95 = timed(lambda: naive_preview(PAYLOAD), args.runs)

    print(
        f"plan: {DAYS} days low-and-slow, liquid 1 mg/mL, {len(PAYLOAD['adjustments'])} "
        f"adjustments; runs: {args.runs}"
    )
    print(
        f"result: {len(result['steps'])} steps, {len(result['dispense']['fills'])} fills, "
        f"{result['dispense']['total_volume_ml']} mL, sig {len(result['sig'])} characters"
    )
    print(
        f"preview:                {args.runs / total:8.0f} previews/s  "
        f"median {median * 1e3:.3f} ms  p95 {p95 * 1e3:.3f} ms"
    )
    print(
        f"baseline (per-day list):{args.runs / base_total:8.0f} previews/s  "
        f"median {base_median * 1e3:.3f} ms  p95 {base_p95 * 1e3:.3f} ms  "
        f"ratio {base_median / median:.2f}x (baseline time / preview time)"
    )


if __name__ == "__main__":
    main()
