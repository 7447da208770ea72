"""The safety screen: one realistic intake (10 medications, some with typos) screened for
LDN and microneedling, 1,000 times.

Prints the median and p95 time per screening, the rule count, and a baseline measured in
the same run: the same intake through an empty rule set (medication matching only) and a
plain json.loads of the rule file, each with the ratio.

    .venv/bin/python bench/screening.py [--runs 1000]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MEDICATIONS = (
    "Tylenol with codeine",
    "levothyroxin 50mcg",  # typo
    "metformin",
    "Lisinopril 10 mg",
    "vitamin d3",
    "omeprazol",  # typo
    "sertraline",
    "warfarin",
    "ibuprofen as needed",
    "fish oil",
)


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()

    import json

    from ldnclinic.screening.engine import (
        NEVER,
        RULES_PATH,
        Facts,
        Ruleset,
        default_ruleset,
        evaluate,
    )

    facts = Facts(
        medications=MEDICATIONS,
        age_years=47,
        pregnant=False,
        breastfeeding=False,
        liver_disease="none",
        kidney_disease="mild",
        last_opioid_dose_days_ago=NEVER,
        planned_surgery_in_days=NEVER,
        thyroid_hormone=True,
        immunosuppressed=False,
        naltrexone_hypersensitivity=False,
        depression=False,
        anticoagulants=True,
        bleeding_disorder=False,
        keloid_tendency=False,
        active_skin_infection=False,
    )
    procedures = ("ldn", "microneedling")
    rules = default_ruleset()
    empty = Ruleset(version="empty", rules=(), incomplete=rules.incomplete)
    text = RULES_PATH.read_text()

    result = evaluate(facts, procedures=procedures)  # warm caches (catalogue, rules)
    median, p95 = timed(lambda: evaluate(facts, procedures=procedures), args.runs)
    base_median, base_p95 = timed(
        lambda: evaluate(facts, procedures=procedures, ruleset=empty), args.runs
    )
    json_median, _ = timed(lambda: json.loads(text), args.runs)

    print(f"rules: {len(rules.rules)} (rule set {rules.version}); runs: {args.runs}")
    print(f"intake: {len(MEDICATIONS)} medications, procedures {', '.join(procedures)}")
    print(
        f"result: {result.status}, {len(result.findings)} findings, "
        f"unmatched {list(result.unmatched_medications)}"
    )
    print(f"evaluate:               median {median * 1e3:.3f} ms  p95 {p95 * 1e3:.3f} ms")
    print(
        f"baseline (no rules):    median {base_median * 1e3:.3f} ms  "
        f"p95 {base_p95 * 1e3:.3f} ms  ratio {median / base_median:.2f}x"
    )
    print(
        f"baseline (json.loads):  median {json_median * 1e3:.3f} ms  "
        f"ratio {median / json_median:.2f}x"
    )


if __name__ == "__main__":
    main()
