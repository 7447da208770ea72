"""The in-clinic sessions of a plan's adjunct therapies (laser ×4, microneedling ×3, LED ×12):
one row per session, proposed with a time, then booked as an appointment by the front desk.
Rows are never deleted: a replaced proposal is withdrawn."""

from django.db import models
from simple_history.models import HistoricalRecords


class SessionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    BOOKED = "booked", "Booked"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    WITHDRAWN = "withdrawn", "Withdrawn"
    UNSCHEDULABLE = "unschedulable", "Cannot be scheduled"


# Sessions that still count in their series (one per adjunct and sequence).
LIVE_STATUSES = (
    SessionStatus.PROPOSED,
    SessionStatus.BOOKED,
    SessionStatus.COMPLETED,
    SessionStatus.UNSCHEDULABLE,
)
# Proposals the series may replace; booked and completed sessions stay.
OPEN_STATUSES = (SessionStatus.PROPOSED, SessionStatus.UNSCHEDULABLE)


class PlanSessionQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class PlanSession(models.Model):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="plan_sessions"
    )
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="sessions")
    plan_version = models.ForeignKey(
        "plans.PlanVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The plan version whose adjuncts this session was proposed from.",
    )
    adjunct_code = models.SlugField(max_length=60)
    adjunct_name = models.CharField(max_length=120)
    service = models.ForeignKey(
        "scheduling.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sequence = models.PositiveSmallIntegerField()
    target_date = models.DateField()
    earliest_date = models.DateField()
    latest_date = models.DateField()
    proposed_start = models.DateTimeField(null=True, blank=True)
    proposed_practitioner = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_session",
    )
    status = models.CharField(
        max_length=14, choices=SessionStatus.choices, default=SessionStatus.PROPOSED
    )
    flagged = models.BooleanField(
        default=False, help_text="The front desk should look at this session (see the note)."
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanSessionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "adjunct_code", "sequence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "adjunct_code", "sequence"],
                condition=models.Q(status__in=["proposed", "booked", "completed", "unschedulable"]),
                name="one_live_session_per_plan_adjunct_sequence",
                violation_error_message="This session of the series already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(latest_date__gte=models.F("earliest_date")),
                name="plan_session_window_in_order",
                violation_error_message="The window must not end before it starts.",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status"], name="plan_session_clinic_status")]

    def __str__(self):
        return f"{self.adjunct_name} {self.sequence}"

    def delete(self, *args, **kwargs):
        raise ValueError("Plan sessions are kept; withdraw or cancel them.")

    @property
    def start(self):
        """The booked time, else the proposed one (aware, UTC) or None."""
        if self.appointment_id is not None and self.status in (
            SessionStatus.BOOKED,
            SessionStatus.COMPLETED,
        ):
            return self.appointment.start
        return self.proposed_start
