import hashlib
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

IDLE_MINUTES_MIN, IDLE_MINUTES_MAX = 5, 720
IDLE_MINUTES_MESSAGE = "The idle timeout must be between 5 and 720 minutes."


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone.")


def parse_reminder_offsets(value):
    """ "48,2" -> [48, 2]; raises ValueError on anything else."""
    offsets = [int(part) for part in value.split(",") if part.strip()]
    if len(offsets) > 4 or any(not 1 <= hours <= 24 * 14 for hours in offsets):
        raise ValueError(value)
    return sorted(set(offsets), reverse=True)


def validate_reminder_offsets(value):
    try:
        parse_reminder_offsets(value)
    except ValueError:
        raise ValidationError(
            "Give up to four whole numbers of hours between 1 and 336, separated by commas."
        ) from None


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Clinic roles come from Membership; patient access from Patient.user."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Operator access to the Django admin; not a clinic role."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class Clinic(models.Model):
    """A tenant: everything clinical belongs to exactly one clinic."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    require_staff_2fa = models.BooleanField("require two-factor login for staff", default=False)
    staff_idle_minutes = models.PositiveSmallIntegerField(
        "staff idle timeout (minutes)",
        default=30,
        # The same range as the check constraint below, so that a bad value is an error
        # on this field rather than one about the whole clinic.
        validators=[
            MinValueValidator(IDLE_MINUTES_MIN, IDLE_MINUTES_MESSAGE),
            MaxValueValidator(IDLE_MINUTES_MAX, IDLE_MINUTES_MESSAGE),
        ],
        help_text="Staff sessions end after this many minutes without activity (5 to 720).",
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        "slot step (minutes)",
        default=15,
        choices=[(5, "5"), (10, "10"), (15, "15"), (20, "20"), (30, "30"), (60, "60")],
        help_text="Online booking offers start times on this grid.",
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="Patients may cancel or reschedule online up to this many hours before.",
    )
    reminder_offsets = models.CharField(
        "reminder offsets (hours before)",
        max_length=40,
        default="48,2",
        validators=[validate_reminder_offsets],
        help_text="Comma-separated hours before each appointment, e.g. 48,2.",
    )
    sms_reminders = models.BooleanField(
        "send reminders by SMS too", default=False, help_text="To patients with a phone number."
    )
    mrn_prefix = models.CharField("medical record number prefix", max_length=8, default="MRN")
    next_mrn = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    staff_idle_minutes__gte=IDLE_MINUTES_MIN,
                    staff_idle_minutes__lte=IDLE_MINUTES_MAX,
                ),
                name="clinic_idle_minutes_in_range",
                violation_error_message=IDLE_MINUTES_MESSAGE,
            )
        ]

    def __str__(self):
        return self.name

    @property
    def reminder_offset_hours(self):
        return parse_reminder_offsets(self.reminder_offsets)

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class Location(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=200)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166 country code")
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"],
                name="location_name_unique_per_clinic",
                violation_error_message="This clinic already has a location with that name.",
            )
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    CLINICIAN = "clinician", "Clinician (prescriber)"
    FRONT_DESK = "front_desk", "Front desk"


class Membership(models.Model):
    """A user's staff role in one clinic."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    title = models.CharField(max_length=100, blank=True, help_text="e.g. MD, NP, RN")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic"],
                name="membership_unique_per_clinic",
                violation_error_message="This person is already on the clinic's staff.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    @property
    def is_clinician(self):
        return self.role == Role.CLINICIAN


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    """A personal access token. Only its SHA-256 is stored; the token is shown once."""

    PREFIX = "ldn_"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    lookup_prefix = models.CharField(max_length=12)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.lookup_prefix}…)"

    @classmethod
    def generate(cls) -> tuple[str, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return raw, _hash_token(raw)

    @classmethod
    def find(cls, raw: str):
        if not raw.startswith(cls.PREFIX):
            return None
        return (
            cls.objects.active()
            .select_related("user", "clinic")
            .filter(token_hash=_hash_token(raw), user__is_active=True)
            .first()
        )

    @property
    def is_active(self):
        if self.revoked_at:
            return False
        return not (self.expires_at and self.expires_at <= timezone.now())
