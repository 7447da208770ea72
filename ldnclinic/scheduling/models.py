import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ldnclinic.accounts.models import Clinic, Location, Membership
from ldnclinic.patients.models import Patient


class Resource(models.Model):
    """A room or a device that a service needs; `capacity` units can be used at once."""

    class Kind(models.TextChoices):
        ROOM = "room", "Room"
        DEVICE = "device", "Device"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="resources")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"],
                name="resource_name_unique_per_clinic",
                violation_error_message="This clinic already has a resource with that name.",
            )
        ]

    def __str__(self):
        return self.name


class Service(models.Model):
    """An appointment type the clinic offers."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(120)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(120)]
    )
    price_display = models.CharField(
        max_length=40, blank=True, help_text='Shown to patients, e.g. "$180" or "from $90".'
    )
    practitioners = models.ManyToManyField(
        Membership,
        related_name="services",
        blank=True,
        help_text="Staff who perform this service.",
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        help_text="Where it takes place; blank for any of the practitioner's locations.",
    )
    resource = models.ForeignKey(
        Resource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        help_text="The room or device it needs, if any.",
    )
    online_bookable = models.BooleanField(default=True)
    new_patients_only = models.BooleanField(default=False)
    min_notice_hours = models.PositiveSmallIntegerField(
        default=12, validators=[MaxValueValidator(24 * 30)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        "booking horizon (days)",
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    daily_cap = models.PositiveSmallIntegerField(
        "cap per practitioner per day",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    telehealth_allowed = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(m2m_fields=[practitioners])

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "slug"],
                name="service_slug_unique_per_clinic",
                violation_error_message="This clinic already has a service with that slug.",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def duration(self):
        return dt.timedelta(minutes=self.duration_minutes)

    def clean(self):
        if self.resource_id and self.resource.clinic_id != self.clinic_id:
            raise ValidationError({"resource": "Choose one of this clinic's resources."})
        if self.location_id and self.location.clinic_id != self.clinic_id:
            raise ValidationError({"location": "Choose one of this clinic's locations."})


class WorkingHours(models.Model):
    """One weekly interval a practitioner works at a location, in the clinic's time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    practitioner = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="working_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="working_hours_end_after_start",
                violation_error_message="The end must be after the start.",
            )
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class TimeOff(models.Model):
    """A date exception: time off (whole day when no times) or extra hours."""

    practitioner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="time_off")
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    extra_hours = models.BooleanField(
        default=False, help_text="Ticked: extra working hours. Unticked: time off."
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For extra hours: where.",
    )
    note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "start"]
        verbose_name = "time off or extra hours"

    def clean(self):
        if (self.start is None) != (self.end is None):
            raise ValidationError("Give both a start and an end, or neither for a whole day.")
        if self.start is not None and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})
        if self.extra_hours and (self.start is None or self.location_id is None):
            raise ValidationError("Extra hours need a start, an end and a location.")


class ClinicClosure(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "date"],
                name="closure_unique_per_clinic_day",
                violation_error_message="The clinic is already closed that day.",
            )
        ]


class AppointmentStatus(models.TextChoices):
    """FHIR Appointment.status values that ldnclinic uses."""

    PROPOSED = "proposed", "Proposed"
    PENDING = "pending", "Pending"
    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Arrived"
    FULFILLED = "fulfilled", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NOSHOW = "noshow", "No-show"


# Statuses that hold the practitioner's (and resource's) time.
HOLDING_STATUSES = (
    AppointmentStatus.PENDING,
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.FULFILLED,
)


class BookingSource(models.TextChoices):
    STAFF = "staff", "Staff"
    ONLINE = "online", "Online (public page)"
    PORTAL = "portal", "Patient portal"
    API = "api", "API"
    WAITLIST = "waitlist", "Waitlist offer"


def new_nonce():
    return secrets.token_urlsafe(12)


class AppointmentQuerySet(models.QuerySet):
    def for_user(self, user):
        """Appointments `user` may see: their clinics' as staff, their own as a patient."""
        from ldnclinic.patients.models import Patient

        return self.filter(patient__in=Patient.objects.for_user(user))

    def holding(self):
        return self.filter(status__in=HOLDING_STATUSES)

    def overlapping(self, start, end):
        return self.filter(blocked_start__lt=end, blocked_end__gt=start)


class Appointment(models.Model):
    """A booked time. `blocked_start`..`blocked_end` include the service's buffers; on
    PostgreSQL exclusion constraints (migration 0002) refuse two holding appointments
    whose blocked ranges overlap for one practitioner, or for one unit of a resource."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="appointments"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    resource_unit = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Which unit of the resource (0-based)."
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_start = models.DateTimeField(db_index=True)
    blocked_end = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    telehealth = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        help_text="The client's Idempotency-Key: a retry returns this appointment.",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_late = models.BooleanField(default=False)
    source = models.CharField(
        max_length=10, choices=BookingSource.choices, default=BookingSource.STAFF
    )
    identity_review = models.CharField(
        max_length=300,
        blank=True,
        help_text="Set when an online booking only partly matched an existing patient: "
        "what matched and what did not. The front desk clears it after checking.",
    )
    manage_nonce = models.CharField(
        max_length=24,
        default=new_nonce,
        help_text="Part of the signed manage link; changed on reschedule and cancel, "
        "so an old link stops working.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppointmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["practitioner", "blocked_start"], name="appt_practitioner_time"),
            models.Index(fields=["resource", "blocked_start"], name="appt_resource_time"),
            models.Index(fields=["clinic", "start"], name="appt_clinic_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "idempotency_key"],
                name="appointment_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start"))
                & models.Q(blocked_start__lte=models.F("start"))
                & models.Q(blocked_end__gte=models.F("end")),
                name="appointment_times_in_order",
                violation_error_message="The appointment must end after it starts.",
            ),
        ]

    def __str__(self):
        return f"{self.service} {self.start:%Y-%m-%d %H:%M}"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class Reminder(models.Model):
    """One reminder for one appointment at one offset on one channel. The unique
    constraint is what makes `send_reminders` send each at most once: a run claims the
    row (status `sending`) before it sends and marks it `sent` after."""

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="reminders")
    offset_hours = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=5, choices=ReminderChannel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["claimed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "offset_hours", "channel"],
                name="reminder_once_per_offset_and_channel",
            )
        ]


class WaitlistEntry(models.Model):
    """A patient asking for an earlier slot for a service."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="waitlist")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="waitlist")
    practitioner = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank: any practitioner who performs the service.",
    )
    current_appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The booking the patient would like to bring forward, if any.",
    )
    earliest_date = models.DateField()
    latest_date = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    booked_appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latest_date__gte=models.F("earliest_date")),
                name="waitlist_dates_in_order",
                violation_error_message="The last date must not be before the first.",
            )
        ]


class WaitlistOffer(models.Model):
    """A freed slot offered to a waitlisted patient by email; the first to confirm gets it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        GONE = "gone", "Taken by someone else"
        DECLINED = "declined", "Declined"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    start = models.DateTimeField()
    practitioner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    nonce = models.CharField(max_length=24, default=new_nonce)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class CalendarFeed(models.Model):
    """A private iCal feed of one practitioner's appointments. The URL holds a secret
    token; only its SHA-256 is stored, and revoking kills the URL."""

    practitioner = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
