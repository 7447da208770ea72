"""Every rule in data/rules.json has a case that fires and a case that does not.

A new rule without cases fails `test_every_rule_has_cases`. The rules run with a fake
matcher ("drug:<class>,<class>" is one medicine with those classes) so these tests pin the
rules, not the catalogue; test_engine covers the real catalogue."""

import pytest

from ldnclinic.screening.engine import (
    NEVER,
    PROCEDURES,
    Facts,
    default_ruleset,
    evaluate,
)
from ldnclinic.screening.medications import Ingredient, MedicationMatch


def fake_matcher(texts):
    matches, unmatched = [], []
    for text in texts:
        if not text.strip():
            continue
        if text.startswith("drug:"):
            classes = frozenset(text.removeprefix("drug:").split(","))
            ingredient = Ingredient(name=text.removeprefix("drug:"), rxcui=None, classes=classes)
            matches.append(MedicationMatch(text, text, (ingredient,), 1.0, "exact"))
        else:
            unmatched.append(text)
    return matches, unmatched


# Every fact answered, nothing of concern: the screen must be clear for every procedure.
BASELINE = {
    "medications": (),
    "conditions": (),
    "age_years": 40,
    "pregnant": False,
    "breastfeeding": False,
    "liver_disease": "none",
    "kidney_disease": "none",
    "last_opioid_dose_days_ago": NEVER,
    "last_opioid_long_acting": False,
    "planned_surgery_in_days": NEVER,
    "thyroid_hormone": False,
    "immunosuppressed": False,
    "isotretinoin_months_ago": NEVER,
    "anticoagulants": False,
    "keloid_tendency": False,
    "active_skin_infection": False,
    "naltrexone_hypersensitivity": False,
    "depression": False,
    "bleeding_disorder": False,
    "recent_tanning": False,
    "pacemaker_or_implants": False,
    "photosensitising_drugs": False,
}


def meds(*classes):
    return {"medications": tuple(f"drug:{c}" for c in classes)}


# rule id: (overrides that fire it, overrides that do not)
CASES = {
    "ldn.opioid.current": (
        [
            meds("opioid_agonist"),
            meds("opioid_partial_agonist"),
            meds("opioid_mixed_agonist_antagonist"),
            meds("opioid_antitussive"),
            meds("opioid_long_acting"),
        ],
        [meds("opioid_antidiarrhoeal"), meds("opioid_antagonist"), meds("thyroid_hormone")],
    ),
    "ldn.opioid.washout_short": (
        [{"last_opioid_dose_days_ago": 0}, {"last_opioid_dose_days_ago": 6}],
        [{"last_opioid_dose_days_ago": 7}, {"last_opioid_dose_days_ago": 30}],
    ),
    "ldn.opioid.washout_window": (
        [{"last_opioid_dose_days_ago": 7}, {"last_opioid_dose_days_ago": 10}],
        [{"last_opioid_dose_days_ago": 6}, {"last_opioid_dose_days_ago": 11}],
    ),
    "ldn.opioid.washout_long_acting": (
        [
            {"last_opioid_dose_days_ago": 13, "last_opioid_long_acting": True},
            {"last_opioid_dose_days_ago": 11, **meds("opioid_long_acting")},
        ],
        [
            {"last_opioid_dose_days_ago": 14, "last_opioid_long_acting": True},
            {"last_opioid_dose_days_ago": 3, **meds("opioid_agonist")},
        ],
    ),
    "ldn.surgery.imminent": (
        [{"planned_surgery_in_days": 0}, {"planned_surgery_in_days": 3}],
        [{"planned_surgery_in_days": 4}],
    ),
    "ldn.surgery.planned": (
        [{"planned_surgery_in_days": 4}, {"planned_surgery_in_days": 60}],
        [{"planned_surgery_in_days": 3}, {"planned_surgery_in_days": 400}],
    ),
    "ldn.liver.acute": (
        [{"liver_disease": "acute_hepatitis"}, {"liver_disease": "liver_failure"}],
        [{"liver_disease": "chronic"}],
    ),
    "ldn.liver.chronic": (
        [{"liver_disease": "chronic"}],
        [{"liver_disease": "acute_hepatitis"}],
    ),
    "ldn.hypersensitivity": ([{"naltrexone_hypersensitivity": True}], [{}]),
    "ldn.pregnancy": ([{"pregnant": True}], [{"breastfeeding": True}]),
    "ldn.breastfeeding": ([{"breastfeeding": True}], [{"pregnant": True}]),
    "ldn.age.under_18": ([{"age_years": 17}, {"age_years": 6}], [{"age_years": 18}]),
    "ldn.thyroid": (
        [{"thyroid_hormone": True}, meds("thyroid_hormone")],
        [meds("immunosuppressant")],
    ),
    "ldn.immunosuppression": (
        [{"immunosuppressed": True}, meds("immunosuppressant")],
        [meds("thyroid_hormone")],
    ),
    "ldn.kidney.severe": (
        [{"kidney_disease": "severe"}],
        [{"kidney_disease": "moderate"}, {"kidney_disease": "mild"}],
    ),
    "ldn.depression": ([{"depression": True}], [{}]),
    "ldn.opioid.antidiarrhoeal": ([meds("opioid_antidiarrhoeal")], [meds("disulfiram")]),
    "ldn.disulfiram": ([meds("disulfiram")], [meds("thioridazine")]),
    "ldn.thioridazine": ([meds("thioridazine")], [meds("disulfiram")]),
    "ldn.naltrexone.duplicate": ([meds("naltrexone")], [meds("opioid_antagonist")]),
    "skin.isotretinoin.recent": (
        [{"isotretinoin_months_ago": 5.5}, meds("isotretinoin")],
        [{"isotretinoin_months_ago": 6}, meds("photosensitiser")],
    ),
    "skin.photosensitiser": (
        [{"photosensitising_drugs": True}, meds("photosensitiser")],
        [meds("isotretinoin")],
    ),
    "skin.keloid": ([{"keloid_tendency": True}], [{}]),
    "skin.bleeding": (
        [
            {"anticoagulants": True},
            {"bleeding_disorder": True},
            meds("anticoagulant"),
            meds("antiplatelet"),
        ],
        [meds("immunosuppressant")],
    ),
    "skin.infection.active": ([{"active_skin_infection": True}], [{}]),
    "skin.tanning.recent": ([{"recent_tanning": True}], [{}]),
    "skin.device.implants": ([{"pacemaker_or_implants": True}], [{}]),
    "skin.pregnancy": ([{"pregnant": True}], [{"breastfeeding": True}]),
    "screening.medication.unrecognised": (
        [{"medications": ("xyzzy plonk",)}, {"medications": ("drug:naltrexone", "??")}],
        [meds("naltrexone"), {"medications": ("", "   ")}],
    ),
}

RULES = {rule.id: rule for rule in default_ruleset().rules}


def screen(overrides, rule):
    facts = Facts(**{**BASELINE, **overrides})
    return evaluate(facts, procedures=rule.applies_to, matcher=fake_matcher)


def test_every_rule_has_cases():
    assert set(RULES) - set(CASES) == set(), "add a firing and a quiet case for the new rule"
    assert set(CASES) - set(RULES) == set(), "remove cases of rules that no longer exist"
    for rule_id, (fires, quiet) in CASES.items():
        assert fires and quiet, rule_id


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_the_baseline_is_clear_for_every_procedure(procedure):
    result = evaluate(Facts(**BASELINE), procedures=[procedure], matcher=fake_matcher)
    assert result.status == "clear"
    assert result.findings == ()
    assert result.unanswered == ()


@pytest.mark.parametrize(
    ("rule_id", "overrides"),
    [(rule_id, o) for rule_id, (fires, _) in sorted(CASES.items()) for o in fires],
)
def test_the_rule_fires(rule_id, overrides):
    rule = RULES[rule_id]
    result = screen(overrides, rule)
    found = {f.rule: f for f in result.findings}
    assert rule_id in found
    finding = found[rule_id]
    assert finding.severity == rule.severity
    assert finding.reason == rule.clinician_message
    assert finding.evidence == {"grade": rule.grade, "source": rule.source}
    # The explanation names only facts the rule reads, and only answers that were given.
    assert finding.matched
    assert set(finding.matched) <= rule.reads
    for fact, value in finding.matched.items():
        if fact != "medications":
            assert value == overrides.get(fact, BASELINE[fact])
    assert result.status != "clear"


@pytest.mark.parametrize(
    ("rule_id", "overrides"),
    [(rule_id, o) for rule_id, (_, quiet) in sorted(CASES.items()) for o in quiet],
)
def test_the_rule_stays_quiet(rule_id, overrides):
    result = screen(overrides, RULES[rule_id])
    assert rule_id not in {f.rule for f in result.findings}
    assert result.unanswered == ()


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_the_rule_does_not_apply_to_other_procedures(rule_id):
    rule = RULES[rule_id]
    others = [p for p in PROCEDURES if p not in rule.applies_to]
    if not others:
        pytest.skip("applies to every procedure")
    fires = CASES[rule_id][0][0]
    result = evaluate(Facts(**{**BASELINE, **fires}), procedures=others, matcher=fake_matcher)
    assert rule_id not in {f.rule for f in result.findings}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_without_its_answers_the_rule_is_incomplete_not_clear(rule_id):
    rule = RULES[rule_id]
    blank = dict.fromkeys(rule.reads)
    result = screen(blank, rule)
    assert rule_id not in {f.rule for f in result.findings}
    incomplete = [f for f in result.findings if f.rule == "screening.incomplete"]
    assert len(incomplete) == 1
    assert rule_id in incomplete[0].matched["rules"]
    assert set(incomplete[0].matched["unanswered"]) <= rule.reads
    assert result.status in ("review", "contraindicated")


def test_non_convention_rules_cite_a_source_and_conventions_say_so():
    for rule in RULES.values():
        if rule.convention:
            assert rule.grade == "D", rule.id
        else:
            assert rule.source and any(
                marker in rule.source for marker in ("http", "PMID", "doi")
            ), rule.id
