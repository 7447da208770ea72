import contextlib
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ldnclinic.accounts.models import Clinic

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{6,25}$", "Enter a phone number of digits, spaces, dashes and an optional +."
)


FUTURE_BIRTH = "The date of birth cannot be in the future."
MRN_TAKEN = "Another patient of this clinic has that medical record number."


def validate_birth_date(value):
    # "Not in the future" needs the clinic's time zone, so Patient.clean checks that.
    if value < datetime.date(1900, 1, 1):
        raise ValidationError("The date of birth cannot be before 1900.")


class SexAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Unknown / not stated"


class PatientsAreKept(Exception):
    """Patient records are deactivated (patients.actions), never deleted."""


class PatientQuerySet(models.QuerySet):
    def delete(self):
        raise PatientsAreKept("Patient records are deactivated, never deleted.")

    def for_user(self, user):
        """Patients `user` may see: every patient of the clinics where they are active
        staff, and their own records when they are a patient. Nothing for anyone else."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        staff_clinics = user.memberships.filter(is_active=True).values("clinic_id")
        return self.filter(models.Q(clinic__in=staff_clinics) | models.Q(user=user, is_active=True))

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        query = models.Q()
        for word in text.split()[:5]:
            matches = (
                models.Q(given_name__icontains=word)
                | models.Q(family_name__icontains=word)
                | models.Q(preferred_name__icontains=word)
                | models.Q(email__icontains=word)
                | models.Q(mrn__iexact=word)
                | models.Q(phone__icontains=word)
            )
            with contextlib.suppress(ValueError):
                matches |= models.Q(date_of_birth=datetime.date.fromisoformat(word))
            query &= matches
        return self.filter(query)


class Patient(models.Model):
    """A person under a clinic's care. Changed only through patients.actions; never deleted."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("medical record number", max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patient_records",
        verbose_name="portal login",
        help_text="The portal login for this patient, if invited.",
    )
    given_name = models.CharField("first name", max_length=100)
    family_name = models.CharField("last name", max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(validators=[validate_birth_date])
    sex_at_birth = models.CharField(
        max_length=10, choices=SexAtBirth.choices, default=SexAtBirth.UNKNOWN
    )
    gender_identity = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True, validators=[phone_validator])
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, default="US")
    preferred_language = models.CharField(max_length=35, default="en")
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(
        max_length=30, blank=True, validators=[phone_validator]
    )
    is_active = models.BooleanField(default=True)
    deactivated_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "mrn"],
                name="patient_mrn_unique_per_clinic",
                violation_error_message=MRN_TAKEN,
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "family_name", "given_name"], name="patient_name"),
            models.Index(Lower("email"), "clinic", name="patient_email"),
        ]

    def __str__(self):
        return self.full_name

    def delete(self, *args, **kwargs):
        raise PatientsAreKept("Patient records are deactivated, never deleted.")

    def clean(self):
        # Tomorrow in UTC can still be today in the clinic, and the other way round.
        if isinstance(self.date_of_birth, datetime.date) and self.date_of_birth > self.today():
            raise ValidationError({"date_of_birth": FUTURE_BIRTH})

    def today(self):
        """Today's date where the clinic is."""
        if self.clinic_id is None:
            return timezone.localdate()
        return timezone.localdate(timezone=self.clinic.tz)

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def display_name(self):
        if self.preferred_name and self.preferred_name != self.given_name:
            return f"{self.given_name} ({self.preferred_name}) {self.family_name}"
        return self.full_name

    def age_on(self, day):
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    @property
    def age(self):
        return self.age_on(self.today())
