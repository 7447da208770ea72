"""A clinic's variant of the rule set: its practice-convention procedure rules switched off
or given another severity. Pure Python (no Django), like the engine.

Only practice-convention rules for the skin procedures may change. A rule with a source
(a drug label, a guideline) is the same in every clinic, and so are the conventions that
also screen LDN: the duplicate-naltrexone check and the unrecognised-medication check,
without which text the matcher cannot read would be ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from ldnclinic.screening.engine import SEVERITIES, Rule, Ruleset

# Screening.ruleset_version is 40 characters.
VERSION_LENGTH = 40


@dataclass(frozen=True)
class RuleChange:
    """One clinic setting: the rule's id, whether it runs, and its severity (None keeps
    the rule set's)."""

    rule: str
    enabled: bool = True
    severity: str | None = None


def is_editable(rule: Rule) -> bool:
    return rule.convention and "ldn" not in rule.applies_to


def refusal(rule: Rule) -> str:
    """Why a clinic may not change `rule`, in words for the admin."""
    if not rule.convention:
        return "This rule comes from a cited source and is the same in every clinic."
    return "This rule also screens LDN and is the same in every clinic."


def _effective(rule: Rule, change: RuleChange | None) -> Rule | None:
    """The rule as the clinic runs it; None when switched off. A change a clinic may not
    make (a sourced rule, an unknown severity) is ignored, never half-applied."""
    if change is None or not is_editable(rule):
        return rule
    if not change.enabled:
        return None
    if change.severity in SEVERITIES and change.severity != rule.severity:
        return dataclasses.replace(rule, severity=change.severity)
    return rule


def derived_version(base: str, label: str, revision: int) -> str:
    """ "2026.11-1+demo.3": the base rule set, the clinic, and its settings' revision."""
    suffix = f".{revision}"
    room = VERSION_LENGTH - len(base) - 1 - len(suffix)
    return f"{base}+{label[: max(room, 1)]}{suffix}"


def clinic_ruleset(
    base: Ruleset, changes: Iterable[RuleChange], *, label: str, revision: int
) -> Ruleset:
    """`base` with the clinic's changes applied. With no change that alters a rule the
    result is `base` itself, version and all, so a clinic on the defaults says so."""
    by_rule = {change.rule: change for change in changes}
    rules = []
    for rule in base.rules:
        effective = _effective(rule, by_rule.get(rule.id))
        if effective is not None:
            rules.append(effective)
    if tuple(rules) == base.rules:
        return base
    return dataclasses.replace(
        base, version=derived_version(base.version, label, revision), rules=tuple(rules)
    )
