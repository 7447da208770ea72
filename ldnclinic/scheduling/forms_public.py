import re
import uuid

from django import forms

from ldnclinic.patients.models import phone_validator
from ldnclinic.scheduling.public import CONDITIONS_OF_INTEREST

CONDITION_CHOICES = [("", "Choose…"), *CONDITIONS_OF_INTEREST]
FORM_KEY = re.compile(r"form-[0-9a-f]{32}")


def new_form_key():
    """A booking form's idempotency key: a double-clicked Confirm books once. The prefix
    keeps the form's keys apart from those API clients choose."""
    return f"form-{uuid.uuid4().hex}"


class BookingDetailsForm(forms.Form):
    """Parses the public booking form; validating the person is done by public.PatientDetails
    (shared with the API), booking by public.do_public_booking."""

    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter your first name."},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter your last name."},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    birth_date = forms.DateField(
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={
            "required": "Enter your date of birth.",
            "invalid": "Enter your date of birth as YYYY-MM-DD.",
        },
    )
    email = forms.EmailField(
        max_length=254,
        help_text="We send the confirmation and a link to change the booking here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter a valid email address, like name@example.com.",
        },
    )
    phone = forms.CharField(
        max_length=30,
        validators=[phone_validator],
        error_messages={"required": "Enter a phone number the clinic can reach you on."},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    condition = forms.ChoiceField(
        label="What would you like help with?",
        choices=CONDITION_CHOICES,
        error_messages={"required": "Choose what you would like help with."},
    )
    reason = forms.CharField(
        label="Anything else we should know before the visit",
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Only the clinic sees this; it is never put in an email.",
    )
    privacy = forms.BooleanField(
        label="I have read the privacy notice and agree to it.",
        error_messages={
            "required": "Tick the box to agree to the privacy notice, or call the clinic."
        },
    )
    idempotency_key = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["privacy"].widget.attrs["aria-describedby"] = "privacy-notice"

    def clean_idempotency_key(self):
        # Only keys this form made: anything else just books without one.
        key = self.cleaned_data["idempotency_key"]
        return key if FORM_KEY.fullmatch(key) else ""


class PortalBookingForm(forms.Form):
    condition = forms.ChoiceField(
        label="What is it about?", choices=CONDITION_CHOICES, required=False
    )
    reason = forms.CharField(
        label="Anything else we should know before the visit",
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Only the clinic sees this; it is never put in an email.",
    )
