"""The diary form: big yes/no buttons, 0–3 segmented side effects, 0–10 itch and sleep."""

from django import forms

from ldnclinic.diary.models import NOTE_MAX, OTHER_TEXT_MAX, SIDE_EFFECTS

SEVERITY_CHOICES = [("0", "None"), ("1", "Mild"), ("2", "Moderate"), ("3", "Severe")]
NRS_CHOICES = [("", "–")] + [(str(n), str(n)) for n in range(11)]
TAKEN_CHOICES = [("yes", "Yes, I took it"), ("no", "No, I missed it")]


class DiaryForm(forms.Form):
    dose_taken = forms.ChoiceField(
        label="Took my dose", choices=TAKEN_CHOICES, required=False, widget=forms.RadioSelect
    )
    taken_at = forms.TimeField(
        label="At (optional)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    vivid_dreams = forms.TypedChoiceField(
        choices=SEVERITY_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,
        widget=forms.RadioSelect,
    )
    insomnia = forms.TypedChoiceField(
        choices=SEVERITY_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,
        widget=forms.RadioSelect,
    )
    headache = forms.TypedChoiceField(
        choices=SEVERITY_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,
        widget=forms.RadioSelect,
    )
    nausea = forms.TypedChoiceField(
        choices=SEVERITY_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,
        widget=forms.RadioSelect,
    )
    other = forms.TypedChoiceField(
        choices=SEVERITY_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,
        widget=forms.RadioSelect,
    )
    other_text = forms.CharField(label="Other: what?", max_length=OTHER_TEXT_MAX, required=False)
    itch_nrs = forms.TypedChoiceField(
        label="Itch (0 none – 10 worst)",
        choices=NRS_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    sleep_quality = forms.TypedChoiceField(
        label="Sleep quality (0 worst – 10 best)",
        choices=NRS_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SIDE_EFFECTS:
            self.fields[name].label = label

    @classmethod
    def for_entry(cls, entry, data=None):
        initial = {}
        if entry is not None:
            initial = {
                name: getattr(entry, name)
                for name in ("taken_at", "other_text", "note", "itch_nrs", "sleep_quality")
            }
            for name, _ in SIDE_EFFECTS:
                initial[name] = str(getattr(entry, name))
            for name in ("itch_nrs", "sleep_quality"):
                value = getattr(entry, name)
                initial[name] = "" if value is None else str(value)
            if entry.dose_taken is not None:
                initial["dose_taken"] = "yes" if entry.dose_taken else "no"
        return cls(data, initial=initial)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        taken = data.pop("dose_taken")
        data["dose_taken"] = {"yes": True, "no": False}.get(taken)
        return data

    def side_effect_fields(self):
        return [self[name] for name, _ in SIDE_EFFECTS]
