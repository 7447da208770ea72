import unicodedata
import zoneinfo

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation

from ldnclinic.accounts.actions import CLINIC_FIELDS, LOCATION_FIELDS
from ldnclinic.accounts.models import Clinic, Location, Role, User, parse_reminder_offsets

TIME_ZONES = sorted(zoneinfo.available_timezones())


class LoginForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


def _same_email(a, b):
    return (
        unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, except that people who never chose a password get a link too:
    staff and patients invited by a clinic start without one, and their invitation tells
    them to use "Forgot your password?" once its link has expired."""

    def get_users(self, email):
        users = User.objects.filter(email__iexact=email, is_active=True)
        return (user for user in users if _same_email(email, user.email))


class TokenForm(forms.Form):
    otp_token = forms.RegexField(
        label="Code",
        regex=r"^\s*[0-9a-z]{6,10}\s*$",
        max_length=12,
        error_messages={"invalid": "Enter the 6-digit code from your app or a backup code."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autofocus": True})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That password is not correct.")
        return password


class ClinicForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=[(tz, tz) for tz in TIME_ZONES])
    website = forms.URLField(required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Clinic
        fields = CLINIC_FIELDS

    def clean_reminder_offsets(self):
        """ "2, 48" is stored as "48,2"; anything unparsable is left for the model's
        validator to name, in accounts.actions."""
        value = self.cleaned_data["reminder_offsets"]
        try:
            return ",".join(str(hours) for hours in parse_reminder_offsets(value))
        except ValueError:
            return value

    def _post_clean(self):
        pass  # model validation runs in accounts.actions


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = LOCATION_FIELDS

    def _post_clean(self):
        pass


class AddStaffForm(forms.Form):
    email = forms.EmailField(max_length=254)
    full_name = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices)
    title = forms.CharField(max_length=100, required=False, help_text="e.g. MD, NP, RN")


class ChangeStaffForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    title = forms.CharField(max_length=100, required=False)
    is_active = forms.BooleanField(required=False, label="Active")


class SwitchClinicForm(forms.Form):
    # Bounded so that nonsense is a refused switch, never a database error.
    clinic = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for.")
    read_only = forms.BooleanField(required=False, help_text="Can read but never change data.")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=730, required=False, help_text="Leave blank for no expiry."
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150)


def validate_new_password(password, user):
    password_validation.validate_password(password, user)
