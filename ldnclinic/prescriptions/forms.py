from django import forms

from ldnclinic.plans.formulation import storage_text
from ldnclinic.prescriptions.models import PREPARATIONS, CompoundingSettings, Pharmacy

# The draft form sits on the plan page among the plan's own forms.
DRAFT_PREFIX = "rx"


class DraftPrescriptionForm(forms.Form):
    pharmacy = forms.ModelChoiceField(
        queryset=Pharmacy.objects.none(),
        empty_label="Choose a pharmacy",
        error_messages={"required": "Choose the pharmacy that will compound it."},
    )
    period_start = forms.DateField(
        required=False,
        label="From",
        help_text="Empty: from today or the plan's start, whichever is later.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        required=False,
        label="To",
        help_text="Empty: to the plan's end.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pharmacy"].queryset = Pharmacy.objects.filter(clinic=clinic, is_active=True)


class SignPrescriptionForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter the password you sign in with to sign this prescription.",
        error_messages={"required": "Enter your password to sign."},
    )


class VoidPrescriptionForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why is it void?",
        error_messages={"required": "Say why the prescription is void."},
    )


class CompoundingSettingsForm(forms.ModelForm):
    class Meta:
        model = CompoundingSettings
        fields = [
            "bud_liquid_non_preserved",
            "bud_liquid_preserved",
            "bud_capsule",
            "storage_liquid_non_preserved",
            "storage_liquid_preserved",
            "storage_capsule",
        ]
        widgets = {
            "storage_liquid_non_preserved": forms.Textarea(attrs={"rows": 2}),
            "storage_liquid_preserved": forms.Textarea(attrs={"rows": 2}),
            "storage_capsule": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for preparation in PREPARATIONS:
            widget = self.fields[f"storage_{preparation}"].widget
            widget.attrs["placeholder"] = storage_text(preparation)

    def clean(self):
        cleaned = super().clean()
        for name in ("bud_liquid_non_preserved", "bud_liquid_preserved", "bud_capsule"):
            value = cleaned.get(name)
            if value is not None and not 1 <= value <= 365:
                self.add_error(name, "Give a number of days from 1 to 365.")
        return cleaned


class PharmacyForm(forms.ModelForm):
    class Meta:
        model = Pharmacy
        fields = ["name", "address", "phone", "fax", "email"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
