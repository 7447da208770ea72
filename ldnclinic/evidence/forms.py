"""Admin forms for the evidence library. They parse and check the fields with the same
rules as the seed (evidence/validation.py), so a malformed PMID or DOI is a field error;
the actions save."""

from django import forms
from django.utils.text import slugify

from ldnclinic.evidence.models import Area, Certainty, Direction, Grade
from ldnclinic.evidence.validation import (
    THERAPIES,
    EvidenceDataError,
    validate_condition,
    validate_study,
)

THERAPY_LABELS = {
    "laser": "Laser",
    "microneedling-prp": "Microneedling + PRP",
    "led": "LED light therapy",
    "topicals": "Topicals",
}


class ConditionForm(forms.Form):
    name = forms.CharField(max_length=120)
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain words: what the studies show and do not show. Never promise a result.",
    )
    certainty = forms.ChoiceField(
        choices=Certainty.choices,
        help_text="Overall: how far the studies support using LDN for this condition.",
    )
    therapies = forms.MultipleChoiceField(
        choices=[(t, THERAPY_LABELS[t]) for t in THERAPIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The skin therapies the clinic combines with LDN for this condition.",
    )
    is_published = forms.BooleanField(label="Show on the public site", required=False, initial=True)

    def __init__(self, *args, condition=None, **kwargs):
        if condition is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": condition.name,
                "summary": condition.summary,
                "certainty": condition.certainty,
                "therapies": condition.therapy_list(),
                "is_published": condition.is_published,
            }
        self.condition = condition
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors or self.condition is None:
            return data
        probe = {
            "slug": self.condition.slug,
            "area": self.condition.area,
            "icd10": self.condition.icd10,
            "snomed": self.condition.snomed,
            "protocol_condition": self.condition.protocol_condition,
            **data,
        }
        try:
            validate_condition(probe)
        except EvidenceDataError as error:
            for field, message in error.errors.items():
                self.add_error(field if field in self.fields else None, message)
        return data


class NewConditionForm(forms.Form):
    """A condition of the clinic's own. The slug is its public address
    (/conditions/<slug>/); left empty, it is made from the name."""

    name = forms.CharField(max_length=120)
    slug = forms.CharField(
        label="Web address (slug)",
        max_length=60,
        required=False,
        help_text=(
            "Lower-case letters, digits and hyphens, e.g. prurigo-nodularis; it cannot be "
            "changed later. Leave empty to make it from the name."
        ),
    )
    area = forms.ChoiceField(choices=Area.choices, initial=Area.DERMATOLOGY)
    synonyms = forms.CharField(
        max_length=300, required=False, help_text="Other names, separated by commas."
    )
    icd10 = forms.CharField(
        label="ICD-10-CM",
        max_length=20,
        required=False,
        help_text="e.g. L28.1; several separated by commas. Leave empty where unconfirmed.",
    )
    snomed = forms.CharField(
        label="SNOMED CT",
        max_length=20,
        required=False,
        help_text="e.g. 9014002. Leave empty where unconfirmed.",
    )
    summary = ConditionForm.base_fields["summary"]
    certainty = ConditionForm.base_fields["certainty"]
    therapies = ConditionForm.base_fields["therapies"]
    is_published = ConditionForm.base_fields["is_published"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("slug"):
            data["slug"] = slugify(data.get("name", ""))[:60].strip("-")
        try:
            self.condition_data = validate_condition(data)
        except EvidenceDataError as error:
            for field, message in error.errors.items():
                self.add_error(field if field in self.fields else None, message)
        return data


class StudyForm(forms.Form):
    first_author = forms.CharField(max_length=120, required=False)
    year = forms.CharField(max_length=4, required=False)
    citation = forms.CharField(
        max_length=300, required=False, help_text="Journal, volume and pages."
    )
    design = forms.CharField(max_length=160, help_text="e.g. Randomised double-blind trial.")
    n = forms.CharField(label="Participants (n)", max_length=60, required=False)
    dose = forms.CharField(max_length=120, required=False)
    is_low_dose = forms.BooleanField(
        label="Low dose by mouth (0.5–4.5 mg)",
        required=False,
        initial=True,
        help_text="Untick for 50 mg (standard-dose) or topical naltrexone studies.",
    )
    duration = forms.CharField(max_length=120, required=False)
    outcome = forms.CharField(
        label="Main outcome", widget=forms.Textarea(attrs={"rows": 3}), help_text="Plain words."
    )
    direction = forms.ChoiceField(label="Result", choices=Direction.choices)
    grade = forms.ChoiceField(choices=Grade.choices)
    grade_note = forms.CharField(max_length=200, required=False)
    pmid = forms.CharField(label="PMID", max_length=20, required=False)
    doi = forms.CharField(label="DOI", max_length=200, required=False)
    registry_id = forms.CharField(label="Trial registry id", max_length=60, required=False)
    url = forms.CharField(label="Web address", max_length=400, required=False)

    def __init__(self, *args, study=None, **kwargs):
        if study is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(study, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.study_data = validate_study(data)
        except EvidenceDataError as error:
            for field, message in error.errors.items():
                self.add_error(field if field in self.fields else None, message)
        return data
