import copy
import datetime
import json

import pytest

from ldnclinic.intake.actions import LDN_INTAKE_FILE
from ldnclinic.intake.definition import DefinitionError, check_answers, validate_definition

TODAY = datetime.date(2026, 3, 10)


def small():
    return {
        "sections": [
            {
                "id": "s",
                "title": "S",
                "items": [
                    {
                        "id": "colour",
                        "type": "choice",
                        "label": "Colour",
                        "required": True,
                        "choices": [
                            {"value": "red", "label": "Red"},
                            {"value": "blue", "label": "Blue"},
                        ],
                    },
                    {
                        "id": "tags",
                        "type": "multi_choice",
                        "label": "Tags",
                        "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                    },
                    {"id": "opioid_use", "type": "yes_no", "label": "Opioids?", "required": True},
                    {
                        "id": "days",
                        "type": "number",
                        "label": "Days",
                        "unit": "days",
                        "min": 0,
                        "max": 30,
                        "integer": True,
                        "required": True,
                        "show_if": {"item": "opioid_use", "equals": "yes"},
                    },
                    {"id": "since", "type": "date", "label": "Since", "not_future": True},
                    {"id": "note", "type": "text", "label": "Note", "max_length": 10},
                    {"id": "meds", "type": "medication_list", "label": "Medicines"},
                    {
                        "id": "weight",
                        "type": "number",
                        "label": "Weight",
                        "unit": "kg",
                        "min": 1,
                        "required_if_under_18": True,
                    },
                ],
            }
        ]
    }


def test_the_ldn_intake_file_validates():
    validate_definition(json.loads(LDN_INTAKE_FILE.read_text()))


def test_it_accepts_a_sound_definition():
    validate_definition(small())


def broken(change):
    definition = small()
    change(definition["sections"][0]["items"])
    return definition


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda items: items.append(copy.deepcopy(items[0])), "duplicate id"),
        (lambda items: items[0].update(type="slider"), "unknown type"),
        (lambda items: items[3].update(show_if={"item": "later", "equals": "x"}), "earlier item"),
        (lambda items: items[0].update(show_if={"item": "weight", "equals": "x"}), "earlier item"),
        (
            lambda items: items[3].update(show_if={"item": "opioid_use", "equals": "maybe"}),
            "cannot have",
        ),
        (lambda items: items[3].update(show_if={"item": "opioid_use"}), "exactly one"),
        (lambda items: items[0].update(choices=[]), "choices"),
        (lambda items: items[3].update(min=10, max=1), "min is above max"),
        (lambda items: items[0].update(label=""), "needs a label"),
        (lambda items: items[0].update(colour="x"), "unknown keys"),
        (lambda items: items[0].update(id="bad id!"), "letters"),
    ],
)
def test_it_refuses_bad_definitions(change, message):
    with pytest.raises(DefinitionError) as error:
        validate_definition(broken(change))
    assert message in str(error.value)


@pytest.mark.parametrize(
    "definition", [None, [], {}, {"sections": []}, {"sections": [{"id": "s"}]}]
)
def test_it_refuses_shapeless_definitions(definition):
    with pytest.raises(DefinitionError):
        validate_definition(definition)


def check(raw, age=40):
    return check_answers(small(), raw, age_years=age, today=TODAY)


def test_each_type_is_cleaned():
    result = check(
        {
            "colour": "red",
            "tags": ["b", "a", "b"],
            "opioid_use": "yes",
            "days": "3",
            "since": "2024-01-02",
            "note": " hi ",
            "meds": "Tylenol with codeine\n\n  vitamin   D \n",
            "weight": "72.5",
        }
    )
    assert result.errors == {}
    assert result.answers == {
        "colour": "red",
        "tags": ["a", "b"],
        "opioid_use": "yes",
        "days": 3,
        "since": "2024-01-02",
        "note": "hi",
        "meds": ["Tylenol with codeine", "vitamin D"],
        "weight": 72.5,
    }
    assert result.complete


@pytest.mark.parametrize(
    ("raw", "item", "message"),
    [
        ({"colour": "green"}, "colour", "Choose one"),
        ({"tags": ["a", "z"]}, "tags", "Choose from"),
        ({"opioid_use": "maybe"}, "opioid_use", "Choose one"),
        ({"opioid_use": "yes", "days": "-1"}, "days", "0 days or more"),
        ({"opioid_use": "yes", "days": "31"}, "days", "30 days or less"),
        ({"opioid_use": "yes", "days": "2.5"}, "days", "whole number"),
        ({"opioid_use": "yes", "days": "soon"}, "days", "Enter a number"),
        ({"opioid_use": "yes", "days": "nan"}, "days", "Enter a number"),
        ({"weight": "0"}, "weight", "1 kg or more"),
        ({"since": "2026-03-11"}, "since", "future"),
        ({"since": "10/03/2026"}, "since", "YYYY-MM-DD"),
        ({"note": "x" * 11}, "note", "under 10"),
        ({"meds": "x" * 201}, "meds", "under 200"),
    ],
)
def test_impossible_values_are_refused_with_a_message(raw, item, message):
    result = check(raw)
    assert message in result.errors[item]
    assert item not in result.answers
    assert not result.complete


def test_required_items_missing_are_listed_never_read_as_no():
    result = check({"colour": "red"})
    assert result.missing == ["opioid_use"]
    assert "opioid_use" not in result.answers
    assert not result.complete


def test_blank_answers_are_unanswered():
    result = check({"colour": "  ", "opioid_use": "", "tags": [], "meds": "\n \n"})
    assert result.answers == {}
    assert result.missing == ["colour", "opioid_use"]


def test_hidden_items_are_ignored_and_not_required():
    result = check({"colour": "red", "opioid_use": "no", "days": "-5"})
    assert "days" not in result.answers and "days" not in result.errors
    assert result.complete


def test_a_shown_follow_up_is_required():
    result = check({"colour": "red", "opioid_use": "yes"})
    assert result.missing == ["days"]


def test_includes_and_in_conditions():
    definition = small()
    items = definition["sections"][0]["items"]
    items.append(
        {
            "id": "why_b",
            "type": "text",
            "label": "Why B",
            "show_if": {"item": "tags", "includes": "b"},
            "required": True,
        }
    )
    items.append(
        {
            "id": "why_c",
            "type": "text",
            "label": "Why colour",
            "show_if": {"item": "colour", "in": ["red", "blue"]},
            "required": True,
        }
    )
    validate_definition(definition)
    result = check_answers(definition, {"tags": ["a"]}, age_years=40)
    assert "why_b" not in result.missing and "why_c" not in result.missing
    result = check_answers(definition, {"tags": ["b"], "colour": "blue"}, age_years=40)
    assert {"why_b", "why_c"} <= set(result.missing)


def test_weight_is_required_under_18_only():
    assert "weight" in check({}, age=17).missing
    assert "weight" in check({}, age=None).missing
    assert "weight" not in check({}, age=18).missing


def test_unknown_answers_are_dropped():
    assert "injected" not in check({"injected": "x", "colour": "red"}).answers
