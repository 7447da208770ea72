"""The safety screen: apply the rules in data/rules.json to a patient's answers.

Pure Python (no Django). A rule's condition is a small JSON expression evaluated with
three-valued logic: an unanswered fact is *unknown*, never "no". A rule that is true gives
a finding; a rule that stays unknown for a requested procedure makes the screen
`incomplete` (a review finding listing the missing answers), so a gap never reads as clear.

Condition language (each node is an object with exactly one key):
    {"all": [c, ...]}   {"any": [c, ...]}   {"not": c}
    {"eq": [fact, value]}  {"in": [fact, [values]]}
    {"lt" | "lte" | "gt" | "gte": [fact, number]}
    {"is_true": fact}   {"is_answered": fact}
    {"medication_class": [class, ...]}     any matched medication has one of these classes
    {"unrecognised_medication": true}      some medication text matched nothing
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ldnclinic.screening.medications import CLASSES, MedicationMatch, match_medications

RULES_PATH = Path(__file__).parent / "data" / "rules.json"

SEVERITIES = ("contraindicated", "review", "caution", "info")  # worst first
PROCEDURES = ("ldn", "laser", "microneedling", "prp", "led", "topical")
GRADES = frozenset("ABCDE")
LIVER_DISEASE = ("none", "chronic", "acute_hepatitis", "liver_failure")
KIDNEY_DISEASE = ("none", "mild", "moderate", "severe")

# "Never" for the days/months-ago and days-until facts: an answer, unlike None. It compares
# as infinitely far away, so "less than 14 days" is simply false.
NEVER = math.inf
MAX_AGE_YEARS = 130

Matcher = Callable[[Iterable[str]], tuple[list[MedicationMatch], list[str]]]


@dataclass(frozen=True)
class Facts:
    """A patient's answers. Every field is optional: None means NOT ANSWERED, never "no".
    `medications` None is unanswered; an empty tuple means "takes none"."""

    medications: tuple[str, ...] | None = None
    conditions: tuple[str, ...] | None = None
    age_years: int | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    liver_disease: str | None = None
    kidney_disease: str | None = None
    last_opioid_dose_days_ago: float | None = None  # NEVER when no opioid was ever taken
    last_opioid_long_acting: bool | None = None  # was it methadone, buprenorphine or LAAM
    planned_surgery_in_days: float | None = None  # NEVER when none is planned
    thyroid_hormone: bool | None = None
    immunosuppressed: bool | None = None  # immunosuppressants or an organ transplant
    isotretinoin_months_ago: float | None = None  # NEVER when never taken
    anticoagulants: bool | None = None
    keloid_tendency: bool | None = None
    active_skin_infection: bool | None = None  # includes cold sores
    naltrexone_hypersensitivity: bool | None = None
    depression: bool | None = None  # depression or suicidal thoughts
    bleeding_disorder: bool | None = None
    recent_tanning: bool | None = None
    pacemaker_or_implants: bool | None = None
    photosensitising_drugs: bool | None = None

    def __post_init__(self) -> None:
        for name in ("medications", "conditions"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"{name}: must be a list of text entries.")
                object.__setattr__(self, name, tuple(value))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or f.name in ("medications", "conditions"):
                continue
            if f.type == "bool | None" and not isinstance(value, bool):
                raise ValueError(f"{f.name}: must be true or false.")
            if f.type in ("int | None", "float | None"):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"{f.name}: must be a number.")
                if math.isnan(value) or value < 0:
                    raise ValueError(f"{f.name}: must not be negative.")
        if self.age_years is not None and not (
            isinstance(self.age_years, int) and self.age_years <= MAX_AGE_YEARS
        ):
            raise ValueError(f"age_years: must be a whole number from 0 to {MAX_AGE_YEARS}.")
        for name, allowed in (
            ("liver_disease", LIVER_DISEASE),
            ("kidney_disease", KIDNEY_DISEASE),
        ):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ValueError(f"{name}: must be one of {', '.join(allowed)}.")


FACT_NAMES = frozenset(f.name for f in dataclasses.fields(Facts))


class RulesetError(ValueError):
    """The rule file does not validate; raised at load, never during a screening."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    reads: frozenset[str]
    condition: Mapping[str, Any]
    severity: str
    applies_to: tuple[str, ...]
    clinician_message: str
    patient_message: str
    source: str | None
    grade: str
    convention: bool


@dataclass(frozen=True)
class Ruleset:
    version: str
    rules: tuple[Rule, ...]
    incomplete: Rule


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    severity: str
    applies_to: tuple[str, ...]
    reason: str
    patient_message: str
    matched: dict[str, Any]
    grade: str
    source: str | None
    convention: bool

    @property
    def evidence(self) -> dict[str, str | None]:
        return {"grade": self.grade, "source": self.source}


@dataclass(frozen=True)
class ScreeningResult:
    status: str  # contraindicated | review | caution | clear
    findings: tuple[Finding, ...]
    unmatched_medications: tuple[str, ...]
    unanswered: tuple[str, ...]
    ruleset_version: str
    procedures: tuple[str, ...] = field(default=("ldn",))


# Loading and validation -------------------------------------------------------------

_COMPARISONS = ("eq", "in", "lt", "lte", "gt", "gte")
_FACT_TESTS = ("is_true", "is_answered")
OPERATORS = frozenset(
    ("all", "any", "not", *_COMPARISONS, *_FACT_TESTS, "medication_class")
    + ("unrecognised_medication",)
)


def _check_fact(name: Any, where: str) -> str:
    if name not in FACT_NAMES:
        raise RulesetError(f"{where}: unknown fact {name!r}.")
    return name


def _condition_facts(node: Any, where: str) -> set[str]:
    """Validate one condition node; return the facts it reads."""
    if not isinstance(node, dict) or len(node) != 1:
        raise RulesetError(f"{where}: a condition is an object with exactly one operator.")
    ((op, arg),) = node.items()
    if op not in OPERATORS:
        raise RulesetError(f"{where}: unknown operator {op!r}.")
    if op in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise RulesetError(f"{where}: {op!r} takes a non-empty list of conditions.")
        return set().union(*(_condition_facts(c, where) for c in arg))
    if op == "not":
        return _condition_facts(arg, where)
    if op in _FACT_TESTS:
        return {_check_fact(arg, where)}
    if op == "medication_class":
        if not isinstance(arg, list) or not arg:
            raise RulesetError(f"{where}: 'medication_class' takes a list of classes.")
        unknown = sorted(set(arg) - CLASSES)
        if unknown:
            raise RulesetError(f"{where}: unknown medication class {unknown[0]!r}.")
        return {"medications"}
    if op == "unrecognised_medication":
        if arg is not True:
            raise RulesetError(f"{where}: 'unrecognised_medication' takes true.")
        return {"medications"}
    if not isinstance(arg, list) or len(arg) != 2:
        raise RulesetError(f"{where}: {op!r} takes [fact, value].")
    fact, value = arg
    _check_fact(fact, where)
    if op == "in" and not isinstance(value, list):
        raise RulesetError(f"{where}: 'in' takes [fact, [values]].")
    if op in ("lt", "lte", "gt", "gte") and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise RulesetError(f"{where}: {op!r} compares with a number.")
    return {fact}


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesetError(f"{where}: {key!r} must be non-empty text.")
    return value


def _rule(entry: Any, where: str, *, has_condition: bool = True) -> Rule:
    if not isinstance(entry, dict):
        raise RulesetError(f"{where}: a rule is an object.")
    rule_id = _text(entry, "id", where)
    where = f"rule {rule_id!r}"
    severity = entry.get("severity")
    if severity not in SEVERITIES:
        raise RulesetError(f"{where}: unknown severity {severity!r}.")
    grade = entry.get("grade")
    if grade not in GRADES:
        raise RulesetError(f"{where}: grade must be one of A-E, not {grade!r}.")
    convention = entry.get("convention")
    if not isinstance(convention, bool):
        raise RulesetError(f"{where}: 'convention' must be true or false.")
    source = entry.get("source")
    if not convention and not (isinstance(source, str) and source.strip()):
        raise RulesetError(f"{where}: a rule that is not a practice convention needs a source.")
    if source is not None and not isinstance(source, str):
        raise RulesetError(f"{where}: 'source' is text or null.")
    reads: frozenset[str] = frozenset()
    applies_to: tuple[str, ...] = PROCEDURES
    condition: Mapping[str, Any] = {}
    if has_condition:
        applies_to = tuple(entry.get("applies_to") or ())
        if not applies_to:
            raise RulesetError(f"{where}: 'applies_to' lists at least one procedure.")
        unknown = [p for p in applies_to if p not in PROCEDURES]
        if unknown:
            raise RulesetError(f"{where}: unknown procedure {unknown[0]!r}.")
        condition = entry.get("condition")
        used = _condition_facts(condition, where)
        declared = entry.get("reads")
        if not isinstance(declared, list):
            raise RulesetError(f"{where}: 'reads' lists the facts the rule reads.")
        for fact in declared:
            _check_fact(fact, where)
        reads = frozenset(declared)
        if reads != used:
            raise RulesetError(
                f"{where}: 'reads' {sorted(reads)} does not match the condition's facts "
                f"{sorted(used)}."
            )
    return Rule(
        id=rule_id,
        title=_text(entry, "title", where),
        reads=reads,
        condition=condition,
        severity=severity,
        applies_to=applies_to,
        clinician_message=_text(entry, "clinician_message", where),
        patient_message=_text(entry, "patient_message", where),
        source=source,
        grade=grade,
        convention=convention,
    )


def parse_ruleset(data: Any) -> Ruleset:
    """Validate a decoded rules document; RulesetError names the first problem."""
    if not isinstance(data, dict):
        raise RulesetError("The rule set is a JSON object.")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise RulesetError("The rule set needs a 'version'.")
    entries = data.get("rules")
    if not isinstance(entries, list):
        raise RulesetError("The rule set needs a 'rules' list.")
    rules = tuple(_rule(entry, f"rules[{i}]") for i, entry in enumerate(entries))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RulesetError(f"rule {rule.id!r}: duplicate id.")
        seen.add(rule.id)
    incomplete = _rule(data.get("incomplete"), "incomplete", has_condition=False)
    return Ruleset(version=version, rules=rules, incomplete=incomplete)


def load_ruleset(path: Path | str) -> Ruleset:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise RulesetError(f"{path}: not valid JSON ({error}).") from None
    return parse_ruleset(data)


@cache
def default_ruleset() -> Ruleset:
    return load_ruleset(RULES_PATH)


# Evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    facts: Facts
    matches: tuple[MedicationMatch, ...] | None  # None when medications are unanswered
    unmatched: tuple[str, ...]


@dataclass
class _Outcome:
    value: bool | None  # None: unknown, because an answer is missing
    matched: dict[str, Any] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)


def _shown(value: Any) -> Any:
    return "never" if value == NEVER else value


def _merge(outcomes: Sequence[_Outcome]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for outcome in outcomes:
        for key, value in outcome.matched.items():
            if isinstance(value, list):
                existing = merged.setdefault(key, [])
                existing.extend(v for v in value if v not in existing)
            else:
                merged[key] = value
    return merged


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "eq":
        return actual == expected
    if op == "in":
        return actual in expected
    if op == "lt":
        return actual < expected
    if op == "lte":
        return actual <= expected
    if op == "gt":
        return actual > expected
    return actual >= expected  # gte; the loader allows no other operator here


def _evaluate(node: Mapping[str, Any], ctx: _Context) -> _Outcome:
    ((op, arg),) = node.items()
    if op in ("all", "any"):
        parts = [_evaluate(c, ctx) for c in arg]
        unknown = set().union(*(p.unknown for p in parts))
        decisive = op == "any"  # the part value that settles it
        if any(p.value is decisive for p in parts):
            if op == "any":
                return _Outcome(True, _merge([p for p in parts if p.value]))
            return _Outcome(False)
        if any(p.value is None for p in parts):
            return _Outcome(None, unknown=unknown)
        return _Outcome(not decisive, _merge(parts) if op == "all" else {})
    if op == "not":
        inner = _evaluate(arg, ctx)
        if inner.value is None:
            return inner
        # What made the inner condition false is what makes this one true: the facts read.
        return _Outcome(not inner.value, inner.matched)
    if op in ("medication_class", "unrecognised_medication"):
        if ctx.matches is None:
            return _Outcome(None, unknown={"medications"})
        if op == "unrecognised_medication":
            return _Outcome(bool(ctx.unmatched), {"medications": list(ctx.unmatched)})
        wanted = set(arg)
        hits = [
            f"{m.text} → {ingredient.name}"
            for m in ctx.matches
            for ingredient in m.ingredients
            if ingredient.classes & wanted
        ]
        return _Outcome(bool(hits), {"medications": hits} if hits else {})
    fact = arg if op in _FACT_TESTS else arg[0]
    value = getattr(ctx.facts, fact)
    if op == "is_answered":
        return _Outcome(value is not None, {fact: _shown(value)})
    if value is None:
        return _Outcome(None, unknown={fact})
    result = value is True if op == "is_true" else _compare(op, value, arg[1])
    return _Outcome(result, {fact: _shown(value)})


def _finding(rule: Rule, matched: dict[str, Any]) -> Finding:
    return Finding(
        rule=rule.id,
        title=rule.title,
        severity=rule.severity,
        applies_to=rule.applies_to,
        reason=rule.clinician_message,
        patient_message=rule.patient_message,
        matched=matched,
        grade=rule.grade,
        source=rule.source,
        convention=rule.convention,
    )


def _status(findings: Iterable[Finding]) -> str:
    severities = {f.severity for f in findings}
    return next((s for s in SEVERITIES[:3] if s in severities), "clear")


def evaluate(
    facts: Facts,
    *,
    procedures: Iterable[str] | None = None,
    matcher: Matcher = match_medications,
    ruleset: Ruleset | None = None,
) -> ScreeningResult:
    """Screen `facts` for the requested procedures (default: LDN only)."""
    ruleset = ruleset or default_ruleset()
    wanted = tuple(dict.fromkeys(procedures)) if procedures is not None else ("ldn",)
    unknown_procedures = [p for p in wanted if p not in PROCEDURES]
    if unknown_procedures:
        raise ValueError(f"procedures: unknown procedure {unknown_procedures[0]!r}.")
    if not wanted:
        raise ValueError("procedures: name at least one procedure.")
    matches: tuple[MedicationMatch, ...] | None = None
    unmatched: tuple[str, ...] = ()
    if facts.medications is not None:
        found, missed = matcher(facts.medications)
        matches, unmatched = tuple(found), tuple(missed)
    ctx = _Context(facts=facts, matches=matches, unmatched=unmatched)
    findings: list[Finding] = []
    unanswered: set[str] = set()
    undecided: list[str] = []
    for rule in ruleset.rules:
        if not set(rule.applies_to) & set(wanted):
            continue
        outcome = _evaluate(rule.condition, ctx)
        if outcome.value:
            findings.append(_finding(rule, outcome.matched))
        elif outcome.value is None:
            unanswered |= outcome.unknown
            undecided.append(rule.id)
    if undecided:
        findings.append(
            _finding(ruleset.incomplete, {"unanswered": sorted(unanswered), "rules": undecided})
        )
    findings.sort(key=lambda f: SEVERITIES.index(f.severity))  # stable: file order within
    return ScreeningResult(
        status=_status(findings),
        findings=tuple(findings),
        unmatched_medications=unmatched,
        unanswered=tuple(sorted(unanswered)),
        ruleset_version=ruleset.version,
        procedures=wanted,
    )
