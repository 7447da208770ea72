"""Everyday medicines are recognised as harmless to the screen, so they do not push an
intake to review as "unrecognised"; brands map to the same entry."""

import pytest

from ldnclinic.screening.medications import match_medications


@pytest.mark.parametrize(
    "text",
    [
        "Lisinopril 10 mg",
        "sertraline 50mg",
        "Zoloft",
        "Lipitor 20",
        "gabapentin 300 mg three times a day",
        "Ventolin inhaler",
        "spironolactone 100mg",
        "Dupixent",
    ],
)
def test_common_medicines_are_recognised_without_classes(text):
    matches, unmatched = match_medications([text])
    assert unmatched == []
    (match,) = matches
    assert all(not ingredient.classes for ingredient in match.ingredients)
