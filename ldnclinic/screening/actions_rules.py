"""A clinic's settings for its practice-convention screening rules, and the rule set its
screens run with. The rules themselves stay in data/rules.json; a clinic only switches a
convention off or changes its severity (screening.clinic_rules says which may change)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ldnclinic.accounts.models import Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import record
from ldnclinic.screening.clinic_rules import RuleChange, clinic_ruleset, is_editable, refusal
from ldnclinic.screening.engine import SEVERITIES, Rule, Ruleset, default_ruleset
from ldnclinic.screening.models import ClinicRuleSetting

SETTING_FIELDS = ("enabled", "severity", "note")
NOTE_MAX_LENGTH = 2000


def rule_by_id(rule_id) -> Rule | None:
    return next((r for r in default_ruleset().rules if r.id == rule_id), None)


def ruleset_for_clinic(clinic) -> Ruleset:
    """The rule set this clinic's screens run with (the default when nothing changes it)."""
    settings = ClinicRuleSetting.objects.filter(clinic=clinic)
    changes = [RuleChange(s.rule, s.enabled, s.severity) for s in settings]
    if not changes:
        return default_ruleset()
    # Every saved change adds a history row and none is ever removed: a revision number
    # that only grows, so two variants of one clinic never share a version.
    revision = ClinicRuleSetting.history.filter(clinic_id=clinic.pk).count()
    return clinic_ruleset(default_ruleset(), changes, label=clinic.slug, revision=revision)


def _require_admin(actor, clinic):
    user = actor.user
    if (
        user is None
        or not user.memberships.filter(clinic=clinic, role=Role.ADMIN, is_active=True).exists()
    ):
        raise PermissionDenied("Only a clinic admin may change the screening rules.")


def _state(setting):
    return {name: getattr(setting, name) for name in SETTING_FIELDS}


@transaction.atomic
def do_update_clinic_rule(actor, clinic, rule_id, *, enabled, severity=None, note=""):
    """Switch a practice-convention rule on or off for `clinic`, or change its severity
    (None: the rule set's own). Sourced rules are refused."""
    _require_admin(actor, clinic)
    rule = rule_by_id(rule_id)
    if rule is None:
        raise ValidationError("There is no screening rule with this id.")
    if not is_editable(rule):
        raise ValidationError(refusal(rule))
    if severity == rule.severity or severity == "":
        severity = None  # the default severity is no override
    if severity is not None and severity not in SEVERITIES:
        raise ValidationError({"severity": "Choose one of the engine's severities."})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX_LENGTH} characters."})
    setting = (
        ClinicRuleSetting.objects.select_for_update().filter(clinic=clinic, rule=rule_id).first()
    ) or ClinicRuleSetting(clinic=clinic, rule=rule_id)
    before = _state(setting)
    after = {"enabled": bool(enabled), "severity": severity, "note": note}
    if after == before:
        return setting
    for name, value in after.items():
        setattr(setting, name, value)
    setting.updated_by = actor.user
    setting._history_user = actor.user
    try:
        with transaction.atomic():
            setting.save()
    except IntegrityError:
        # Another admin created this rule's setting at the same moment.
        raise ValidationError("This rule was just changed by someone else; try again.") from None
    record(
        Event.CLINIC_UPDATED,
        actor,
        clinic=clinic,
        subject=setting,
        rule=rule_id,
        before=before,
        after=after,
    )
    return setting
