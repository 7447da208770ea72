"""Outcome instruments: score 100,000 PASI forms (the issue's target: under 1 s).

Prints forms/s and the total seconds, and a baseline measured in the same run over the
same forms: a loop that only copies each form's four region dicts (reading every item
once), with the ratio.

    .venv/bin/python bench/instruments.py [--forms 100000]
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REGIONS = ("head", "upper_limbs", "trunk", "lower_limbs")


def make_forms(count: int, seed: int = 6) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "regions": {
                region: {
                    "erythema": rng.randint(0, 4),
                    "induration": rng.randint(0, 4),
                    "desquamation": rng.randint(0, 4),
                    "area": rng.randint(0, 6),
                }
                for region in REGIONS
            }
        }
        for _ in range(count)
    ]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=100_000)
    args = parser.parse_args()

    from ldnclinic.outcomes.instruments import get_instrument

    pasi = get_instrument("PASI")
    forms = make_forms(args.forms)
    score = pasi.score

    def score_all():
        for form in forms:
            score(form)

    def copy_all():
        for form in forms:
            regions = form["regions"]
            {name: dict(regions[name]) for name in REGIONS}

    score_all()  # warm up
    seconds = min(timed(score_all) for _ in range(3))
    base = min(timed(copy_all) for _ in range(3))
    totals = [score(f).total for f in forms[:1000]]
    print(f"forms: {args.forms:,}; mean PASI of the first 1,000: {sum(totals) / len(totals):.1f}")
    print(f"score PASI:          {seconds:.3f} s  {args.forms / seconds:,.0f} forms/s")
    print(
        f"baseline (dict copy): {base:.3f} s  {args.forms / base:,.0f} forms/s  "
        f"ratio {seconds / base:.2f}x"
    )
    print(f"target: under 1 s — {'met' if seconds < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
