"""Questionnaire definitions as data, and answers checked against them.

Pure Python (no Django). A definition is a JSON object:

    {"title": "...", "sections": [{"id": "...", "title": "...", "items": [item, ...]}]}

An item has an `id`, a `type` (one of ITEM_TYPES), a `label`, and optionally `help`,
`required`, `required_if_under_18`, `show_if` and per-type keys: `choices` (a list of
{"value", "label", ...}) for choice and multi_choice; `unit`, `min`, `max`, `integer` for
number; `not_future` for date; `max_length` for text.

`show_if` is a small JSON condition on an EARLIER item: {"item": id, "equals": value},
{"item": id, "in": [values]} or {"item": id, "includes": value} (a multi_choice answer
holding the value). An item is hidden while its condition is false or its controlling
item is unanswered or hidden; hidden items are neither required nor kept.

A missing answer is never read as "no": required items without an answer are listed in
`missing`, and an answer is stored only when given.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ITEM_TYPES = (
    "choice",
    "multi_choice",
    "yes_no",
    "number",
    "date",
    "text",
    "medication_list",
)
YES_NO = (("yes", "Yes"), ("no", "No"))
SHOW_IF_OPS = ("equals", "in", "includes")
ITEM_KEYS = frozenset(
    {
        "id",
        "type",
        "label",
        "help",
        "required",
        "required_if_under_18",
        "show_if",
        "choices",
        "unit",
        "min",
        "max",
        "integer",
        "not_future",
        "max_length",
    }
)
TEXT_MAX = 2000
MEDICATION_LINES_MAX = 50
MEDICATION_LINE_MAX = 200


class DefinitionError(ValueError):
    """The definition does not validate; `errors` lists every problem found."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass
class AnswerCheck:
    """The result of checking answers: the cleaned answers to keep, a message per item
    whose answer is impossible, and the required items still unanswered."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.errors and not self.missing

    @property
    def valid(self) -> bool:
        return not self.errors


def items(definition: Mapping) -> list[Mapping]:
    """Every item, in order, across the sections."""
    return [item for section in definition.get("sections", []) for item in section["items"]]


def choice_values(item: Mapping) -> list[str]:
    if item["type"] == "yes_no":
        return [value for value, _ in YES_NO]
    return [choice["value"] for choice in item.get("choices", [])]


def choice_labels(item: Mapping) -> dict[str, str]:
    if item["type"] == "yes_no":
        return dict(YES_NO)
    return {choice["value"]: choice["label"] for choice in item.get("choices", [])}


# ---- definitions ------------------------------------------------------------------------


def validate_definition(definition: Any) -> None:
    """Raise DefinitionError listing every problem; return None for a sound definition."""
    errors: list[str] = []
    if not isinstance(definition, Mapping):
        raise DefinitionError(["The definition must be a JSON object."])
    sections = definition.get("sections")
    if not isinstance(sections, list) or not sections:
        raise DefinitionError(["The definition needs a non-empty list of sections."])
    seen: dict[str, Mapping] = {}
    section_ids: set[str] = set()
    for s_index, section in enumerate(sections):
        where = f"section {s_index + 1}"
        if not isinstance(section, Mapping):
            errors.append(f"{where}: must be an object.")
            continue
        if not _is_id(section.get("id")):
            errors.append(f"{where}: needs an id.")
        elif section["id"] in section_ids:
            errors.append(f"{where}: duplicate section id {section['id']!r}.")
        else:
            section_ids.add(section["id"])
        if not isinstance(section.get("items"), list) or not section["items"]:
            errors.append(f"{where}: needs a non-empty list of items.")
            continue
        for item in section["items"]:
            errors.extend(_item_errors(item, seen))
            if isinstance(item, Mapping) and _is_id(item.get("id")):
                seen.setdefault(item["id"], item)
    if errors:
        raise DefinitionError(errors)


def _is_id(value) -> bool:
    return isinstance(value, str) and value.replace("_", "").isalnum() and value.isascii()


def _item_errors(item, seen) -> list[str]:
    if not isinstance(item, Mapping):
        return ["Every item must be an object."]
    item_id = item.get("id")
    if not _is_id(item_id):
        return [f"Item {item_id!r}: the id must be letters, digits and underscores."]
    where = f"Item {item_id!r}"
    errors = []
    if item_id in seen:
        errors.append(f"{where}: duplicate id.")
    unknown = set(item) - ITEM_KEYS
    if unknown:
        errors.append(f"{where}: unknown keys {sorted(unknown)}.")
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        return [*errors, f"{where}: unknown type {kind!r}."]
    if not isinstance(item.get("label"), str) or not item["label"].strip():
        errors.append(f"{where}: needs a label.")
    for flag in ("required", "required_if_under_18", "integer", "not_future"):
        if flag in item and not isinstance(item[flag], bool):
            errors.append(f"{where}: {flag} must be true or false.")
    if kind in ("choice", "multi_choice"):
        choices = item.get("choices")
        if not isinstance(choices, list) or not choices:
            errors.append(f"{where}: needs a non-empty list of choices.")
        else:
            values = [c.get("value") if isinstance(c, Mapping) else None for c in choices]
            if not all(isinstance(v, str) and v for v in values) or not all(
                isinstance(c.get("label"), str) for c in choices
            ):
                errors.append(f"{where}: every choice needs a value and a label.")
            elif len(set(values)) != len(values):
                errors.append(f"{where}: duplicate choice values.")
    elif "choices" in item:
        errors.append(f"{where}: only choice items have choices.")
    if kind == "number":
        for bound in ("min", "max"):
            value = item.get(bound)
            if value is not None and not _is_number(value):
                errors.append(f"{where}: {bound} must be a number.")
        low, high = item.get("min"), item.get("max")
        if _is_number(low) and _is_number(high) and low > high:
            errors.append(f"{where}: min is above max.")
    if "show_if" in item:
        errors.extend(_show_if_errors(where, item["show_if"], seen))
    return errors


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _show_if_errors(where, condition, seen) -> list[str]:
    if not isinstance(condition, Mapping) or set(condition) - {"item", *SHOW_IF_OPS}:
        return [f"{where}: show_if must be {{'item': id, 'equals' | 'in' | 'includes': value}}."]
    ops = [op for op in SHOW_IF_OPS if op in condition]
    if len(ops) != 1:
        return [f"{where}: show_if needs exactly one of {', '.join(SHOW_IF_OPS)}."]
    target = seen.get(condition.get("item"))
    if target is None:
        return [f"{where}: show_if must refer to an earlier item, not {condition.get('item')!r}."]
    op = ops[0]
    allowed = (
        choice_values(target) if target["type"] in ("choice", "multi_choice", "yes_no") else None
    )
    wanted = condition[op]
    if op == "in" and not isinstance(wanted, list):
        return [f"{where}: show_if 'in' takes a list."]
    if op == "includes" and target["type"] != "multi_choice":
        return [f"{where}: show_if 'includes' needs a multi_choice item."]
    values = wanted if op == "in" else [wanted]
    if allowed is not None and any(v not in allowed for v in values):
        return [f"{where}: show_if compares with a value {condition['item']!r} cannot have."]
    return []


# ---- answers ----------------------------------------------------------------------------


def is_visible(item: Mapping, answers: Mapping, visible: Mapping[str, bool]) -> bool:
    """Whether `item` shows, given the answers so far and which earlier items showed."""
    condition = item.get("show_if")
    if condition is None:
        return True
    controlling = condition["item"]
    if not visible.get(controlling, False):
        return False
    answer = answers.get(controlling)
    if answer is None:
        return False
    if "equals" in condition:
        return answer == condition["equals"]
    if "in" in condition:
        return answer in condition["in"]
    return isinstance(answer, list) and condition["includes"] in answer


def visible_items(definition: Mapping, answers: Mapping) -> dict[str, bool]:
    """item id -> shown, for answers that are already cleaned."""
    visible: dict[str, bool] = {}
    for item in items(definition):
        visible[item["id"]] = is_visible(item, answers, visible)
    return visible


def check_answers(
    definition: Mapping,
    raw: Mapping[str, Any],
    *,
    age_years: int | None = None,
    today: datetime.date | None = None,
) -> AnswerCheck:
    """Clean `raw` answers (JSON values or form strings) against the definition.

    Hidden and unknown items are dropped; empty answers are unanswered (never "no");
    required, shown and unanswered items are listed as missing in definition order.
    `age_years` decides items flagged `required_if_under_18` (unknown age: required)."""
    result = AnswerCheck()
    visible: dict[str, bool] = {}
    for item in items(definition):
        item_id = item["id"]
        shown = is_visible(item, result.answers, visible)
        visible[item_id] = shown
        if not shown:
            continue
        value = raw.get(item_id)
        if _is_empty(value):
            if _required(item, age_years):
                result.missing.append(item_id)
            continue
        try:
            result.answers[item_id] = clean_value(item, value, today=today)
        except ValueError as error:
            result.errors[item_id] = str(error)
    return result


def _required(item, age_years) -> bool:
    if item.get("required"):
        return True
    if item.get("required_if_under_18"):
        return age_years is None or age_years < 18
    return False


def _is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return not any(not _is_empty(v) for v in value)
    return False


def clean_value(item: Mapping, value: Any, *, today: datetime.date | None = None) -> Any:
    """The stored form of one non-empty answer, or ValueError with a message for a person."""
    kind = item["type"]
    if kind in ("choice", "yes_no"):
        if not isinstance(value, str) or value not in choice_values(item):
            raise ValueError("Choose one of the options shown.")
        return value
    if kind == "multi_choice":
        values = [value] if isinstance(value, str) else value
        allowed = choice_values(item)
        if not isinstance(values, list | tuple) or any(v not in allowed for v in values):
            raise ValueError("Choose from the options shown.")
        return [v for v in allowed if v in values]  # definition order, no duplicates
    if kind == "number":
        return _clean_number(item, value)
    if kind == "date":
        return _clean_date(item, value, today)
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError("Enter text.")
        limit = item.get("max_length", TEXT_MAX)
        if len(value) > limit:
            raise ValueError(f"Keep this under {limit} characters.")
        return value.strip()
    return _clean_medication_list(value)


def _clean_number(item, value):
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError("Enter a number, like 12 or 72.5.") from None
    elif _is_number(value):
        number = float(value)
    else:
        raise ValueError("Enter a number, like 12 or 72.5.")
    if not math.isfinite(number):
        raise ValueError("Enter a number, like 12 or 72.5.")
    unit = f" {item['unit']}" if item.get("unit") else ""
    low, high = item.get("min"), item.get("max")
    if low is not None and number < low:
        raise ValueError(f"Enter {_fmt(low)}{unit} or more.")
    if high is not None and number > high:
        raise ValueError(f"Enter {_fmt(high)}{unit} or less.")
    if item.get("integer"):
        if number != int(number):
            raise ValueError("Enter a whole number.")
        return int(number)
    return int(number) if number == int(number) else number


def _fmt(number) -> str:
    return str(int(number)) if float(number) == int(number) else str(number)


def _clean_date(item, value, today):
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.") from None
    if day.year < 1900:
        raise ValueError("Enter a date after 1900.")
    if item.get("not_future") and today is not None and day > today:
        raise ValueError("The date cannot be in the future.")
    return day.isoformat()


def _clean_medication_list(value):
    lines = value.splitlines() if isinstance(value, str) else value
    if not isinstance(lines, list | tuple) or not all(isinstance(v, str) for v in lines):
        raise ValueError("List each medication on its own line.")
    cleaned = [" ".join(line.split()) for line in lines if line.strip()]
    if len(cleaned) > MEDICATION_LINES_MAX:
        raise ValueError(f"List at most {MEDICATION_LINES_MAX} medications.")
    if any(len(line) > MEDICATION_LINE_MAX for line in cleaned):
        raise ValueError(f"Keep each line under {MEDICATION_LINE_MAX} characters.")
    return cleaned


def display_value(item: Mapping, value: Any) -> str | list[str]:
    """An answer as a person reads it (labels, not stored values; the number's unit)."""
    kind = item["type"]
    if kind in ("choice", "yes_no"):
        return choice_labels(item).get(value, value)
    if kind == "multi_choice":
        labels = choice_labels(item)
        return [labels.get(v, v) for v in value]
    if kind == "number":
        return f"{value} {item['unit']}" if item.get("unit") else str(value)
    return value
