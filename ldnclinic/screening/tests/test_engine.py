"""The engine: status ordering, unanswered facts, the matched explanation, junk medication
text, validation of facts and of the rule file."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldnclinic.screening.engine import (
    NEVER,
    PROCEDURES,
    Facts,
    RulesetError,
    default_ruleset,
    evaluate,
    load_ruleset,
    parse_ruleset,
)
from ldnclinic.screening.tests.test_rules import BASELINE, fake_matcher


def rule(rule_id, severity, condition, reads, **extra):
    return {
        "id": rule_id,
        "title": rule_id,
        "reads": reads,
        "condition": condition,
        "severity": severity,
        "applies_to": ["ldn"],
        "clinician_message": f"{rule_id} for the clinician",
        "patient_message": f"{rule_id} for the patient",
        "source": "A label, https://example.test/label",
        "grade": "A",
        "convention": False,
        **extra,
    }


INCOMPLETE = {
    "id": "screening.incomplete",
    "title": "Incomplete",
    "severity": "review",
    "clinician_message": "Missing answers.",
    "patient_message": "Please answer.",
    "grade": "D",
    "source": None,
    "convention": True,
}


def ruleset(*rules):
    return parse_ruleset({"version": "t-1", "incomplete": INCOMPLETE, "rules": list(rules)})


FLAGS = {
    "contraindicated": rule("c", "contraindicated", {"is_true": "pregnant"}, ["pregnant"]),
    "review": rule("r", "review", {"is_true": "depression"}, ["depression"]),
    "caution": rule("w", "caution", {"is_true": "thyroid_hormone"}, ["thyroid_hormone"]),
    "info": rule("i", "info", {"is_true": "breastfeeding"}, ["breastfeeding"]),
}
ANSWERED = {
    "pregnant": False,
    "depression": False,
    "thyroid_hormone": False,
    "breastfeeding": False,
}


@pytest.mark.parametrize(
    ("true_facts", "status"),
    [
        ([], "clear"),
        (["breastfeeding"], "clear"),
        (["thyroid_hormone", "breastfeeding"], "caution"),
        (["depression", "thyroid_hormone"], "review"),
        (["pregnant", "depression", "thyroid_hormone", "breastfeeding"], "contraindicated"),
    ],
)
def test_the_status_is_the_worst_finding(true_facts, status):
    facts = Facts(**{**ANSWERED, **dict.fromkeys(true_facts, True)})
    result = evaluate(facts, ruleset=ruleset(*FLAGS.values()), matcher=fake_matcher)
    assert result.status == status
    assert len(result.findings) == len(true_facts)
    ranks = [list(FLAGS).index(f.severity) for f in result.findings]
    assert ranks == sorted(ranks), "worst findings first"
    assert result.ruleset_version == "t-1"


def test_an_info_finding_is_shown_but_leaves_the_status_clear():
    result = evaluate(
        Facts(**{**ANSWERED, "breastfeeding": True}),
        ruleset=ruleset(*FLAGS.values()),
        matcher=fake_matcher,
    )
    assert result.status == "clear"
    assert [f.rule for f in result.findings] == ["i"]


def test_nothing_answered_is_never_clear():
    for procedure in PROCEDURES:
        result = evaluate(Facts(), procedures=[procedure])
        assert result.status == "review", procedure
        assert result.findings[-1].rule == "screening.incomplete"
        assert result.unanswered == tuple(result.findings[-1].matched["unanswered"])
        assert result.unanswered


def test_one_missing_answer_is_listed_and_blocks_clear():
    facts = Facts(**{**BASELINE, "naltrexone_hypersensitivity": None})
    result = evaluate(facts, matcher=fake_matcher)
    assert result.status == "review"
    assert result.unanswered == ("naltrexone_hypersensitivity",)
    (finding,) = result.findings
    assert finding.rule == "screening.incomplete"
    assert finding.matched == {
        "unanswered": ["naltrexone_hypersensitivity"],
        "rules": ["ldn.hypersensitivity"],
    }


def test_a_missing_answer_under_a_contraindication_is_still_reported():
    facts = Facts(**{**BASELINE, "pregnant": None, "liver_disease": "liver_failure"})
    result = evaluate(facts, matcher=fake_matcher)
    assert result.status == "contraindicated"
    assert {f.rule for f in result.findings} == {"ldn.liver.acute", "screening.incomplete"}
    assert result.unanswered == ("pregnant",)


def test_an_answer_that_decides_a_rule_alone_needs_no_other():
    # "any": a true part fires the rule though the other part is unanswered.
    facts = Facts(**{**BASELINE, "thyroid_hormone": True, "medications": None})
    result = evaluate(facts, matcher=fake_matcher)
    thyroid = next(f for f in result.findings if f.rule == "ldn.thyroid")
    assert thyroid.matched == {"thyroid_hormone": True}
    # "all": a false part settles it whatever the unanswered part would say.
    facts = Facts(**{**BASELINE, "last_opioid_long_acting": None})
    assert evaluate(facts, matcher=fake_matcher).status == "clear"


def test_the_issue_example_names_codeine_with_the_real_catalogue():
    facts = Facts(**{**BASELINE, "medications": ("Tylenol with codeine",)})
    result = evaluate(facts)
    assert result.status == "contraindicated"
    (finding,) = result.findings
    assert finding.rule == "ldn.opioid.current"
    assert finding.matched == {"medications": ["Tylenol with codeine → codeine"]}
    assert finding.evidence["grade"] == "A"
    assert "label" in finding.evidence["source"]


def test_matched_says_exactly_which_answers_triggered():
    facts = Facts(
        **{
            **BASELINE,
            "medications": ("Tylenol with codeine", "levothyroxine", "vitamin D"),
            "last_opioid_dose_days_ago": 3,
        }
    )
    result = evaluate(facts)
    matched = {f.rule: f.matched for f in result.findings}
    assert matched["ldn.opioid.current"] == {"medications": ["Tylenol with codeine → codeine"]}
    assert matched["ldn.opioid.washout_short"] == {"last_opioid_dose_days_ago": 3}
    assert matched["ldn.thyroid"] == {"medications": ["levothyroxine → levothyroxine"]}


def test_junk_medication_is_listed_and_needs_review():
    facts = Facts(**{**BASELINE, "medications": ("asdfgh qwerty",)})
    result = evaluate(facts)
    assert result.unmatched_medications == ("asdfgh qwerty",)
    assert result.status == "review"
    (finding,) = result.findings
    assert finding.rule == "screening.medication.unrecognised"
    assert finding.matched == {"medications": ["asdfgh qwerty"]}


def test_no_medications_is_an_answer_but_unanswered_is_not():
    assert evaluate(Facts(**BASELINE), matcher=fake_matcher).status == "clear"
    result = evaluate(Facts(**{**BASELINE, "medications": None}), matcher=fake_matcher)
    assert result.status == "review"
    assert result.unanswered == ("medications",)


def test_the_matcher_is_not_called_without_medications():
    def refuse(texts):
        raise AssertionError("called")

    evaluate(Facts(**{**BASELINE, "medications": None}), matcher=refuse)


def test_not_and_is_answered_explain_themselves():
    rules = ruleset(
        rule("n", "review", {"not": {"eq": ["kidney_disease", "none"]}}, ["kidney_disease"]),
        rule("a", "caution", {"is_answered": "pregnant"}, ["pregnant"]),
    )
    result = evaluate(Facts(kidney_disease="mild", pregnant=False), ruleset=rules)
    assert {f.rule: f.matched for f in result.findings} == {
        "n": {"kidney_disease": "mild"},
        "a": {"pregnant": False},
    }
    result = evaluate(Facts(kidney_disease="none"), ruleset=rules)
    assert result.findings == ()  # is_answered is decided even when unanswered
    assert evaluate(Facts(pregnant=True), ruleset=rules).unanswered == ("kidney_disease",)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"last_opioid_dose_days_ago": -1}, "last_opioid_dose_days_ago"),
        ({"planned_surgery_in_days": -3}, "planned_surgery_in_days"),
        ({"isotretinoin_months_ago": -0.5}, "isotretinoin_months_ago"),
        ({"isotretinoin_months_ago": float("nan")}, "isotretinoin_months_ago"),
        ({"age_years": -1}, "age_years"),
        ({"age_years": 131}, "age_years"),
        ({"age_years": NEVER}, "age_years"),
        ({"age_years": True}, "age_years"),
        ({"pregnant": "yes"}, "pregnant"),
        ({"liver_disease": "bad"}, "liver_disease"),
        ({"kidney_disease": "terminal"}, "kidney_disease"),
        ({"medications": "codeine"}, "medications"),
        ({"medications": ["codeine", 3]}, "medications"),
    ],
)
def test_impossible_values_name_the_field(values, field):
    with pytest.raises(ValueError, match=f"^{field}: "):
        Facts(**values)


def test_an_unknown_procedure_is_refused():
    with pytest.raises(ValueError, match="^procedures: "):
        evaluate(Facts(), procedures=["tattoo"])
    with pytest.raises(ValueError, match="^procedures: "):
        evaluate(Facts(), procedures=[])


def test_the_shipped_rule_file_loads():
    rules = default_ruleset()
    assert rules.version == "2026.11-1"
    assert len(rules.rules) >= 25


def _broken(change):
    data = json.loads(json.dumps(_shipped()))
    change(data)
    return data


def _shipped():
    from ldnclinic.screening.engine import RULES_PATH

    return json.loads(RULES_PATH.read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"][0].update(condition={"is_true": "moon_phase"}), "unknown fact"),
        (lambda d: d["rules"][0].update(condition={"regex": ["age_years", ".*"]}), "operator"),
        (lambda d: d["rules"][0].update(severity="fatal"), "unknown severity"),
        (lambda d: d["rules"][0].update(applies_to=["tattoo"]), "unknown procedure"),
        (lambda d: d["rules"][0].update(applies_to=[]), "applies_to"),
        (
            lambda d: d["rules"][0].update(condition={"medication_class": ["opioids"]}),
            "unknown medication class",
        ),
        (lambda d: d["rules"][0].update(reads=["age_years"]), "does not match"),
        (lambda d: d["rules"][0].update(reads=["medications", "shoe_size"]), "unknown fact"),
        (lambda d: d["rules"][0].update(grade="F"), "grade"),
        (lambda d: d["rules"][0].update(source=None), "needs a source"),
        (lambda d: d["rules"][1].update(id=d["rules"][0]["id"]), "duplicate"),
        (lambda d: d["rules"][0].update(condition={"all": []}), "non-empty"),
        (lambda d: d["rules"][0].update(condition={"lt": ["age_years", "18"]}), "number"),
        (lambda d: d["rules"][0].update(condition={"eq": "x", "in": "y"}), "exactly one"),
        (lambda d: d["rules"][0].update(condition="age_years < 18"), "exactly one"),
        (lambda d: d["rules"][0].pop("patient_message"), "patient_message"),
        (lambda d: d.pop("version"), "version"),
        (lambda d: d.pop("incomplete"), "incomplete"),
    ],
)
def test_a_broken_rule_file_is_refused_at_load(change, message):
    with pytest.raises(RulesetError, match=message):
        parse_ruleset(_broken(change))


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text("{not json")
    with pytest.raises(RulesetError, match="not valid JSON"):
        load_ruleset(path)
    path.write_text(json.dumps(_shipped()))
    assert load_ruleset(path).version == "2026.11-1"


def test_the_shipped_rules_are_not_mutated_by_a_screening():
    before = copy.deepcopy([r.condition for r in default_ruleset().rules])
    evaluate(Facts(medications=("Percocet",), last_opioid_dose_days_ago=2))
    assert [r.condition for r in default_ruleset().rules] == before


answers = st.fixed_dictionaries(
    {},
    optional={
        "age_years": st.none() | st.integers(0, 130),
        "pregnant": st.none() | st.booleans(),
        "liver_disease": st.none()
        | st.sampled_from(["none", "chronic", "acute_hepatitis", "liver_failure"]),
        "kidney_disease": st.none() | st.sampled_from(["none", "mild", "moderate", "severe"]),
        "last_opioid_dose_days_ago": st.none() | st.just(NEVER) | st.integers(0, 60),
        "last_opioid_long_acting": st.none() | st.booleans(),
        "planned_surgery_in_days": st.none() | st.just(NEVER) | st.integers(0, 400),
        "isotretinoin_months_ago": st.none() | st.just(NEVER) | st.floats(0, 24),
        "depression": st.none() | st.booleans(),
        "keloid_tendency": st.none() | st.booleans(),
        "medications": st.none()
        | st.lists(st.sampled_from(["drug:opioid_agonist", "drug:thyroid_hormone", "junk"])),
    },
)


@settings(max_examples=200, deadline=None)
@given(
    answers,
    st.lists(st.sampled_from(PROCEDURES), min_size=1, max_size=3, unique=True),
)
def test_clear_only_when_every_applicable_answer_is_given_and_nothing_fired(values, procedures):
    facts = Facts(**{**BASELINE, **values})
    result = evaluate(facts, procedures=procedures, matcher=fake_matcher)
    if result.status == "clear":
        assert result.unanswered == ()
        assert all(f.severity == "info" for f in result.findings)
    if result.unanswered:
        assert result.status in ("review", "contraindicated")
