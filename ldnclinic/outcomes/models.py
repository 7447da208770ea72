"""Scored outcome assessments: one instrument scored once for one patient, by a clinician at a
visit or by the patient from a request sent on the protocol's schedule. The total, band and
components are computed by the instrument library (outcomes/instruments) when the assessment is
recorded and stored with the instrument version used. Assessments are versioned and never
deleted; a wrong one is marked entered in error."""

import datetime

from django.db import models
from simple_history.models import HistoricalRecords


class AssessmentSource(models.TextChoices):
    CLINICIAN = "clinician", "Clinician at a visit"
    PATIENT = "patient", "Patient-reported"


class AssessmentStatus(models.TextChoices):
    FINAL = "final", "Final"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class Assessment(models.Model):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    plan = models.ForeignKey(
        "plans.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    instrument = models.CharField(max_length=40, help_text="Instrument code, e.g. PASI.")
    instrument_version = models.CharField(max_length=200, blank=True)
    items = models.JSONField(help_text="The item scores as entered (the calculator's input).")
    total = models.DecimalField(max_digits=8, decimal_places=2)
    band = models.CharField(max_length=60, blank=True)
    components = models.JSONField(default=dict, blank=True)
    assessed_at = models.DateTimeField()
    source = models.CharField(max_length=20, choices=AssessmentSource.choices)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request = models.OneToOneField(
        "outcomes.AssessmentRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment",
    )
    note = models.TextField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.FINAL
    )
    error_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "assessed_at"])]

    def __str__(self):
        return f"{self.instrument} {self.total_display} ({self.assessed_at:%Y-%m-%d})"

    @property
    def total_display(self) -> str:
        """The total without trailing zeros: "22.4", "7"."""
        text = f"{self.total:.2f}".rstrip("0").rstrip(".")
        return text or "0"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for the patient"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class AssessmentRequest(models.Model):
    """A patient-reported instrument sent to the patient (portal task plus an email link)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessment_requests"
    )
    plan = models.ForeignKey(
        "plans.Plan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_requests",
    )
    instrument = models.CharField(max_length=40)
    due_date = models.DateField()
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "plan", "instrument", "due_date"],
                name="assessment_request_unique_per_due_date",
            )
        ]

    def __str__(self):
        return f"{self.instrument} due {self.due_date:%Y-%m-%d}"

    @property
    def last_day(self):
        """The last day (clinic time) the request can be answered: it expires at the end of
        that day."""
        return (
            self.expires_at.astimezone(self.clinic.tz) - datetime.timedelta(microseconds=1)
        ).date()
