"""Intake answers -> the screening engine's facts (`screening.engine.Facts` field names).

Pure Python. An unanswered question gives no key at all: the engine reads a missing fact
as unknown, never as "no". A "no" that bounds a time ("no opioid in the last 30 days")
becomes that bound, which is what the engine's "less than N days" rules need.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The intake asks about the last 30 days of opioids and the last 6 months of isotretinoin;
# "no" means at least that long ago.
OPIOID_WINDOW_DAYS = 30.0
ISOTRETINOIN_WINDOW_MONTHS = 6.0
NEVER = float("inf")  # the engine's NEVER: no surgery planned

YES_NO_FACTS = {
    # fact name: intake item
    "breastfeeding": "breastfeeding",
    "thyroid_hormone": "thyroid_hormone",
    "immunosuppressed": "immunosuppressed",
    "anticoagulants": "anticoagulants",
    "keloid_tendency": "keloid_tendency",
    "active_skin_infection": "active_skin_infection",
    "naltrexone_hypersensitivity": "naltrexone_allergy",
    "depression": "depression",
    "bleeding_disorder": "bleeding_disorder",
    "recent_tanning": "recent_tanning",
    "pacemaker_or_implants": "pacemaker_or_implants",
    "photosensitising_drugs": "photosensitising_drugs",
    "pregnant": "pregnant",
}
CHOICE_FACTS = {"liver_disease": "liver_disease", "kidney_disease": "kidney_disease"}


def facts_from_answers(answers: Mapping[str, Any], age_years: int | None) -> dict[str, Any]:
    """Keyword arguments for `Facts`; only the facts the answers actually give."""
    facts: dict[str, Any] = {}
    if age_years is not None:
        facts["age_years"] = age_years
    for fact, item in YES_NO_FACTS.items():
        if answers.get(item) in ("yes", "no"):
            facts[fact] = answers[item] == "yes"
    for fact, item in CHOICE_FACTS.items():
        if answers.get(item) is not None:
            facts[fact] = answers[item]
    if answers.get("conditions"):
        facts["conditions"] = list(answers["conditions"])
    medications = _medications(answers)
    if medications is not None:
        facts["medications"] = medications
    _opioids(answers, facts)
    if answers.get("planned_surgery") == "no":
        facts["planned_surgery_in_days"] = NEVER
    elif answers.get("planned_surgery") == "yes" and answers.get("surgery_in_days") is not None:
        facts["planned_surgery_in_days"] = float(answers["surgery_in_days"])
    if answers.get("isotretinoin_6_months") == "no":
        facts["isotretinoin_months_ago"] = ISOTRETINOIN_WINDOW_MONTHS
    elif answers.get("isotretinoin_months_ago") is not None:
        facts["isotretinoin_months_ago"] = float(answers["isotretinoin_months_ago"])
    return facts


def _medications(answers) -> list[str] | None:
    """The medication list to match, with a named opioid added: None while unanswered,
    an empty list only when the patient said they take none."""
    opioid = answers.get("opioid_name") if answers.get("opioid_use") == "yes" else None
    takes = answers.get("takes_medications")
    if takes == "yes":
        listed = list(answers.get("current_medications") or [])
    elif takes == "no":
        listed = []
    else:
        listed = None
    if opioid:
        return [*(listed or []), opioid]
    return listed


def _opioids(answers, facts) -> None:
    use = answers.get("opioid_use")
    if use == "no":
        facts["last_opioid_dose_days_ago"] = OPIOID_WINDOW_DAYS
    elif use == "yes":
        if answers.get("opioid_last_dose_days") is not None:
            facts["last_opioid_dose_days_ago"] = float(answers["opioid_last_dose_days"])
        if answers.get("opioid_long_acting") in ("yes", "no"):
            facts["last_opioid_long_acting"] = answers["opioid_long_acting"] == "yes"
