from django import forms

from ldnclinic.patients.actions import EDITABLE_FIELDS
from ldnclinic.patients.models import Patient


class PatientForm(forms.ModelForm):
    """Parses and validates input; saving is done by patients.actions."""

    class Meta:
        model = Patient
        fields = EDITABLE_FIELDS
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {"mrn": "Leave blank to assign the next number."}

    def __init__(self, *args, clinic=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clinic is not None:
            self.instance.clinic = clinic
        self.fields["mrn"].required = False
        if self.instance.pk:
            self.fields["mrn"].help_text = ""

    def _post_clean(self):
        # Model validation (including the MRN uniqueness) runs in the action, so that the
        # form and the API give the same messages; skip the ModelForm's own pass.
        pass

    def changed_values(self):
        return {name: self.cleaned_data[name] for name in self.changed_data}


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        help_text="Why this record is being deactivated.",
        error_messages={
            "required": "Say why the record is being deactivated.",
            "max_length": "Keep the reason under 200 characters.",
        },
    )
