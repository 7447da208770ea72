"""The public self-check: a short questionnaire whose answers become screening Facts.

Every question has a "not sure" answer, which stays unanswered (None): the screen then says
a clinician must ask, rather than reading the gap as "no"."""

from django import forms

from ldnclinic.screening.engine import NEVER, Facts

NOT_SURE = "unsure"
YES_NO = [("no", "No"), ("yes", "Yes"), (NOT_SURE, "Not sure")]

# Each choice maps to the fact's value; NOT_SURE maps to None (unanswered).
OPIOID_CHOICES = [
    ("none", "No, not in the last two weeks", NEVER),
    ("week", "Yes, in the last 7 days", 3),
    ("fortnight", "Yes, 7 to 14 days ago", 10),
    (NOT_SURE, "Not sure", None),
]
SURGERY_CHOICES = [
    ("none", "No", NEVER),
    ("soon", "Yes, within the next week", 3),
    ("month", "Yes, in the next month", 14),
    (NOT_SURE, "Not sure", None),
]
LIVER_CHOICES = [
    ("none", "No", "none"),
    ("chronic", "Yes, a long-term liver condition", "chronic"),
    ("acute_hepatitis", "Yes, hepatitis right now", "acute_hepatitis"),
    ("liver_failure", "Yes, liver failure", "liver_failure"),
    (NOT_SURE, "Not sure", None),
]
KIDNEY_CHOICES = [
    ("none", "No", "none"),
    ("mild", "Yes, mild", "mild"),
    ("moderate", "Yes, moderate", "moderate"),
    ("severe", "Yes, severe or on dialysis", "severe"),
    (NOT_SURE, "Not sure", None),
]
PREGNANCY_CHOICES = [
    ("no", "No", None),
    ("pregnant", "I am pregnant or trying to be", None),
    ("breastfeeding", "I am breastfeeding", None),
    (NOT_SURE, "Not sure", None),
]


def _choices(rows):
    return [(key, label) for key, label, *_ in rows]


def _value(rows, key):
    return next(value for k, _, value in rows if k == key)


def _question(label, choices, topic):
    """A required one-answer question; its error names the topic."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": f"Choose an answer about {topic}."},
    )


def _yes_no(key):
    return {"yes": True, "no": False}.get(key)


class SelfCheckForm(forms.Form):
    age_years = forms.IntegerField(
        label="How old are you?",
        min_value=0,
        max_value=130,
        error_messages={
            "required": "Enter your age in years.",
            "min_value": "Enter your age in years (0 to 130).",
            "max_value": "Enter your age in years (0 to 130).",
            "invalid": "Enter your age as a whole number of years.",
        },
    )
    no_medicines = forms.BooleanField(label="I take no medicines or supplements", required=False)
    medicines = forms.CharField(
        label="Which medicines and supplements do you take?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line, as written on the pack, including pain relief, cough "
        "syrups and anything bought without a prescription.",
    )
    opioid = _question(
        "Have you taken an opioid (for example codeine, tramadol, oxycodone, "
        "morphine, methadone or buprenorphine) in the last two weeks?",
        _choices(OPIOID_CHOICES),
        "opioids",
    )
    opioid_long_acting = forms.ChoiceField(
        label="Was it methadone or buprenorphine (Suboxone, Subutex)?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    surgery = _question(
        "Do you have an operation or procedure planned?",
        _choices(SURGERY_CHOICES),
        "planned operations",
    )
    liver = _question(
        "Do you have liver disease?",
        _choices(LIVER_CHOICES),
        "liver disease",
    )
    kidney = _question(
        "Do you have kidney disease?",
        _choices(KIDNEY_CHOICES),
        "kidney disease",
    )
    pregnancy = _question(
        "Are you pregnant, trying to become pregnant, or breastfeeding?",
        _choices(PREGNANCY_CHOICES),
        "pregnancy",
    )
    thyroid = _question(
        "Do you take thyroid hormone (for example levothyroxine)?",
        YES_NO,
        "thyroid hormone",
    )
    immunosuppressed = _question(
        "Have you had an organ transplant, or do you take medicines that "
        "suppress the immune system?",
        YES_NO,
        "the immune system",
    )

    allergy = _question(
        "Have you ever reacted badly to naltrexone (Revia, Vivitrol, Contrave or LDN)?",
        YES_NO,
        "naltrexone",
    )
    depression = _question(
        "Do you have depression, or have you had thoughts of harming yourself?",
        YES_NO,
        "depression",
    )

    def clean(self):
        data = super().clean()
        medicines = [line.strip() for line in data.get("medicines", "").splitlines()]
        medicines = [line for line in medicines if line]
        if data.get("no_medicines") and medicines:
            self.add_error(
                "medicines",
                "You ticked “I take no medicines” and listed some: untick the box or "
                "clear the list.",
            )
        elif not data.get("no_medicines") and not medicines:
            self.add_error("medicines", "List your medicines, or tick “I take no medicines”.")
        data["medicine_list"] = medicines
        return data

    def facts(self) -> Facts:
        data = self.cleaned_data
        pregnancy = data["pregnancy"]
        unsure = pregnancy == NOT_SURE
        opioid_days = _value(OPIOID_CHOICES, data["opioid"])
        return Facts(
            age_years=data["age_years"],
            medications=tuple(data["medicine_list"]),
            last_opioid_dose_days_ago=opioid_days,
            last_opioid_long_acting=(
                _yes_no(data.get("opioid_long_acting"))
                if opioid_days not in (None, NEVER)
                else None
            ),
            planned_surgery_in_days=_value(SURGERY_CHOICES, data["surgery"]),
            liver_disease=_value(LIVER_CHOICES, data["liver"]),
            kidney_disease=_value(KIDNEY_CHOICES, data["kidney"]),
            pregnant=None if unsure else pregnancy == "pregnant",
            breastfeeding=None if unsure else pregnancy == "breastfeeding",
            thyroid_hormone=_yes_no(data["thyroid"]),
            immunosuppressed=_yes_no(data["immunosuppressed"]),
            naltrexone_hypersensitivity=_yes_no(data["allergy"]),
            depression=_yes_no(data["depression"]),
        )


# Clinician review of a stored screening ------------------------------------------------


class FindingForm(forms.Form):
    """Which finding of which screening: hidden fields on each finding's button."""

    screening = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    rule = forms.CharField(max_length=100, widget=forms.HiddenInput)


class OverrideForm(FindingForm):
    # The length rule lives in the action; the form only asks for the text.
    reason = forms.CharField(
        label="Reason for overriding",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: why it is safe to proceed despite this contraindication.",
    )
