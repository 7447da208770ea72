"""The clinic admin's form for one practice-convention screening rule."""

from django import forms

from ldnclinic.screening.actions_rules import NOTE_MAX_LENGTH
from ldnclinic.screening.models import RuleSeverity


class ClinicRuleForm(forms.Form):
    enabled = forms.BooleanField(
        required=False,
        label="Screen with this rule",
        help_text="Switched off, the rule gives no finding in this clinic's screens.",
    )
    severity = forms.ChoiceField(required=False, label="Severity")
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX_LENGTH,
        label="Note",
        help_text="Why the clinic departs from the default, for colleagues and auditors.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        default = RuleSeverity(rule.severity).label
        self.fields["severity"].choices = [("", f"Default ({default})")] + [
            choice for choice in RuleSeverity.choices if choice[0] != rule.severity
        ]
