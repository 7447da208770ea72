from django import forms

from ldnclinic.audit.codes import Event


class AuditFilterForm(forms.Form):
    patient = forms.CharField(
        required=False, max_length=100, help_text="Medical record number or name"
    )
    actor = forms.CharField(required=False, max_length=254, label="Who (email)")
    event = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any event")] + [(e.value, f"{e.value} {e.label}") for e in Event],
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data
