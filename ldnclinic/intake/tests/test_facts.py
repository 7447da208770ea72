import math

import pytest

from ldnclinic.intake.facts import facts_from_answers
from ldnclinic.screening.engine import Facts


def test_nothing_answered_gives_no_facts_but_age():
    assert facts_from_answers({}, 40) == {"age_years": 40}
    assert facts_from_answers({}, None) == {}


def test_missing_is_not_no():
    facts = facts_from_answers({"pregnant": "no"}, 30)
    assert facts["pregnant"] is False
    assert "breastfeeding" not in facts
    assert "depression" not in facts
    assert "medications" not in facts
    assert "last_opioid_dose_days_ago" not in facts
    assert "planned_surgery_in_days" not in facts


def full():
    return {
        "conditions": ["psoriasis", "other"],
        "takes_medications": "yes",
        "current_medications": ["Tylenol with codeine", "levothyroxine 50 mcg"],
        "naltrexone_allergy": "no",
        "opioid_use": "yes",
        "opioid_name": "codeine",
        "opioid_last_dose_days": 2,
        "opioid_long_acting": "no",
        "planned_surgery": "yes",
        "surgery_in_days": 10,
        "liver_disease": "chronic",
        "kidney_disease": "severe",
        "pregnant": "no",
        "breastfeeding": "yes",
        "thyroid_hormone": "yes",
        "immunosuppressed": "no",
        "depression": "yes",
        "skin_procedures": "yes",
        "isotretinoin_6_months": "yes",
        "isotretinoin_months_ago": 3,
        "photosensitising_drugs": "no",
        "keloid_tendency": "yes",
        "bleeding_disorder": "no",
        "anticoagulants": "yes",
        "active_skin_infection": "no",
        "recent_tanning": "no",
        "pacemaker_or_implants": "yes",
    }


def test_it_maps_every_answer_to_the_engine_facts():
    facts = facts_from_answers(full(), 16)
    assert facts == {
        "age_years": 16,
        "conditions": ["psoriasis", "other"],
        "medications": ["Tylenol with codeine", "levothyroxine 50 mcg", "codeine"],
        "naltrexone_hypersensitivity": False,
        "last_opioid_dose_days_ago": 2.0,
        "last_opioid_long_acting": False,
        "planned_surgery_in_days": 10.0,
        "liver_disease": "chronic",
        "kidney_disease": "severe",
        "pregnant": False,
        "breastfeeding": True,
        "thyroid_hormone": True,
        "immunosuppressed": False,
        "depression": True,
        "isotretinoin_months_ago": 3.0,
        "photosensitising_drugs": False,
        "keloid_tendency": True,
        "bleeding_disorder": False,
        "anticoagulants": True,
        "active_skin_infection": False,
        "recent_tanning": False,
        "pacemaker_or_implants": True,
    }
    Facts(**facts)  # the engine takes them as they are


def test_no_answers_become_bounds():
    facts = facts_from_answers(
        {
            "opioid_use": "no",
            "planned_surgery": "no",
            "isotretinoin_6_months": "no",
            "takes_medications": "no",
        },
        40,
    )
    assert facts["last_opioid_dose_days_ago"] == 30.0
    assert math.isinf(facts["planned_surgery_in_days"])
    assert facts["isotretinoin_months_ago"] == 6.0
    assert facts["medications"] == []
    Facts(**facts)


@pytest.mark.parametrize(
    "answers",
    [
        {"opioid_use": "yes"},
        {"planned_surgery": "yes"},
        {"isotretinoin_6_months": "yes"},
    ],
)
def test_a_yes_without_its_number_stays_unknown(answers):
    facts = facts_from_answers(answers, 40)
    for name in ("last_opioid_dose_days_ago", "planned_surgery_in_days", "isotretinoin_months_ago"):
        assert name not in facts


def test_a_named_opioid_is_matched_even_if_the_list_is_unanswered():
    facts = facts_from_answers({"opioid_use": "yes", "opioid_name": "Tylenol #3"}, 40)
    assert facts["medications"] == ["Tylenol #3"]
