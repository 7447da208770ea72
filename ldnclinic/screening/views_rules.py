"""The clinic admin's screening rules page: every rule with its source and grade, and for
the practice-convention procedure rules a form to switch them off or change their
severity. Admins only (others 403); every change goes through screening.actions_rules."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from ldnclinic.accounts.access import require_staff, require_write, staff_required
from ldnclinic.accounts.models import Role
from ldnclinic.audit.log import Actor
from ldnclinic.core.forms import add_action_errors
from ldnclinic.screening import actions_rules as actions
from ldnclinic.screening.clinic_rules import is_editable, refusal
from ldnclinic.screening.engine import default_ruleset
from ldnclinic.screening.forms_rules import ClinicRuleForm
from ldnclinic.screening.models import ClinicRuleSetting

ADMIN_ONLY = (Role.ADMIN,)


def _row(rule, setting):
    severity = (setting.severity if setting else None) or rule.severity
    return {
        "rule": rule,
        "setting": setting,
        "editable": is_editable(rule),
        "enabled": setting.enabled if setting else True,
        "severity": severity,
        "changed_severity": severity != rule.severity,
    }


@staff_required(roles=ADMIN_ONLY)
def screening_rules(request):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    settings = {
        s.rule: s
        for s in ClinicRuleSetting.objects.filter(clinic=clinic).select_related("updated_by")
    }
    rules = default_ruleset().rules
    context = {
        "rows": [_row(rule, settings.get(rule.id)) for rule in rules],
        "ruleset": actions.ruleset_for_clinic(clinic),
        "base_version": default_ruleset().version,
    }
    return render(request, "screening/rules.html", context)


@staff_required(roles=ADMIN_ONLY)
def screening_rules_edit(request, rule_id):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    rule = actions.rule_by_id(rule_id)
    if rule is None:
        raise Http404("No such rule")
    setting = ClinicRuleSetting.objects.filter(clinic=clinic, rule=rule.id).first()
    row = _row(rule, setting)
    if not row["editable"]:
        # May see, may not change: the rule and why, and 403 to a change.
        status = 403 if request.method == "POST" else 200
        context = {"row": row, "refusal": refusal(rule)}
        return render(request, "screening/rule_form.html", context, status=status)
    initial = {
        "enabled": row["enabled"],
        "severity": setting.severity if setting and setting.severity else "",
        "note": setting.note if setting else "",
    }
    posted = request.POST if request.method == "POST" else None
    form = ClinicRuleForm(posted, initial=initial, rule=rule)
    if request.method == "POST":
        require_write(request)
        if form.is_valid():
            try:
                actions.do_update_clinic_rule(
                    Actor.from_request(request), clinic, rule.id, **form.cleaned_data
                )
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(request, f"“{rule.title}” saved.")
                return redirect("screening_rules")
    return render(request, "screening/rule_form.html", {"row": row, "form": form})
