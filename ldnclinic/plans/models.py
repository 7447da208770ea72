"""Treatment plans: one patient, one condition, one protocol version, personalised. Every
change to what the patient takes (the first draft, an edit, each adjustment) is a new
`PlanVersion`; the plan row holds only its state."""

from django.db import models
from simple_history.models import HistoricalRecords


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


# A plan the patient is on: at most one per patient and condition.
LIVE_STATUSES = (PlanStatus.ACTIVE, PlanStatus.PAUSED)


class Plan(models.Model):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="plans")
    condition_slug = models.SlugField(max_length=80)
    condition_name = models.CharField(max_length=120)
    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="plans"
    )
    status = models.CharField(max_length=12, choices=PlanStatus, default=PlanStatus.DRAFT)
    stop_reason = models.TextField(blank=True)
    clinician = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
        help_text="The clinician responsible for the plan.",
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "condition_slug"],
                condition=models.Q(status__in=["active", "paused"]),
                name="one_live_plan_per_patient_condition",
                violation_error_message=(
                    "This patient already has an active plan for this condition."
                ),
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self):
        return f"{self.condition_name} plan for {self.patient}"

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()


class VersionKind(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Draft edited"
    ADJUSTED = "adjusted", "Adjusted"
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    STOPPED = "stopped", "Stopped"


class PlanVersion(models.Model):
    """What the plan says from `effective_from` on. `params` holds the personalised scheme,
    start date, duration, formulation and adjuncts; `adjustments` the adjustments made so
    far, in order; `steps` the dose calendar computed from both (kept so history reads
    exactly as it was shown). Frozen once saved."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=VersionKind, default=VersionKind.CREATED)
    params = models.JSONField()
    adjustments = models.JSONField(default=list, blank=True)
    steps = models.JSONField(default=list, blank=True)
    effective_from = models.DateField()
    reason = models.TextField(blank=True)
    source = models.CharField(
        max_length=20,
        blank=True,
        help_text="What prompted the change: visit, side_effect, patient_request, other.",
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="plan_version_number_unique",
                violation_error_message="This plan version exists.",
            ),
        ]

    def __str__(self):
        return f"{self.plan} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A plan version cannot change; make a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Plan versions are kept.")


class Symptom(models.TextChoices):
    VIVID_DREAMS = "vivid_dreams", "Vivid dreams"
    INSOMNIA = "insomnia", "Insomnia"
    HEADACHE = "headache", "Headache"
    NAUSEA = "nausea", "Nausea"
    OTHER = "other", "Other"


class Severity(models.IntegerChoices):
    MILD = 1, "Mild"
    MODERATE = 2, "Moderate"
    SEVERE = 3, "Severe"


class ReportStatus(models.TextChoices):
    NEW = "new", "New"
    REVIEWED = "reviewed", "Reviewed"


class SideEffectReport(models.Model):
    """A side effect the patient (or staff on their behalf) reported on a live plan. The
    clinician reviews it, often by adjusting the plan; the version that did so is kept.
    Never deleted."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="side_effect_reports"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="side_effect_reports")
    symptom = models.CharField(max_length=20, choices=Symptom)
    severity = models.PositiveSmallIntegerField(choices=Severity)
    started_on = models.DateField()
    note = models.TextField(max_length=1000, blank=True)
    reported_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ReportStatus, default=ReportStatus.NEW)
    reviewed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    resolved_by_version = models.ForeignKey(
        PlanVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolved_reports",
        help_text="The plan version that answered this report, if any.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=3),
                name="side_effect_severity_1_to_3",
                violation_error_message="Severity is mild, moderate or severe.",
            ),
        ]
        indexes = [models.Index(fields=["plan", "status"])]

    def __str__(self):
        return f"{self.get_symptom_display()} ({self.get_severity_display().lower()})"

    @property
    def summary(self) -> str:
        """ "Insomnia (moderate) since 2026-11-20" """
        return f"{self} since {self.started_on:%Y-%m-%d}"

    def delete(self, *args, **kwargs):
        raise ValueError("Side effect reports are kept.")
