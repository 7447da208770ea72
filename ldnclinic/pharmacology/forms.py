"""The explainer's GET form: a dose from 0.5 to 4.5 mg (any multiple of 0.1) and a time."""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms

from ldnclinic.pharmacology.model import ModelInputError, check_dose

PAGE_MIN_MG = Decimal("0.5")
PAGE_MAX_MG = Decimal("4.5")
PAGE_STEP_MG = Decimal("0.1")
# What the select offers; other 0.1 multiples in range are accepted from the URL.
PAGE_DOSES = [PAGE_MIN_MG + Decimal("0.5") * i for i in range(9)]
DEFAULT_DOSE_MG = Decimal("4.5")
DEFAULT_TIME = datetime.time(22, 0)


def page_dose(value) -> Decimal:
    """The dose the explainer page accepts, or a ModelInputError on dose_mg."""
    check_dose(value, high=float(PAGE_MAX_MG))
    try:
        dose = Decimal(str(value).strip())
    except InvalidOperation:
        raise ModelInputError("dose_mg", "Enter a number.") from None
    if dose < PAGE_MIN_MG or dose % PAGE_STEP_MG:
        raise ModelInputError("dose_mg", "Choose a dose from 0.5 to 4.5 mg, in steps of 0.1 mg.")
    return dose.normalize()


class ExplainerForm(forms.Form):
    dose_mg = forms.CharField(max_length=20, error_messages={"required": "Choose a dose."})
    time = forms.TimeField(
        input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={
            "required": "Enter the time you take the dose.",
            "invalid": "Enter a time as hours and minutes, such as 22:00.",
        },
    )

    @classmethod
    def from_query(cls, query):
        """Bound to the query string, with the defaults for anything missing."""
        data = {"dose_mg": str(DEFAULT_DOSE_MG), "time": DEFAULT_TIME.strftime("%H:%M")}
        data.update({k: query[k] for k in ("dose_mg", "time") if k in query})
        return cls(data)

    def clean_dose_mg(self):
        try:
            return page_dose(self.cleaned_data["dose_mg"])
        except ModelInputError as error:
            raise forms.ValidationError(error.message) from None
