"""Stored safety screens and the clinician's review of their findings.

Both are records of what was known and decided at a moment: written once, never changed,
never deleted. A new answer gives a new Screening; its findings need new reviews.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

REASON_MIN_LENGTH = 10


class ScreeningIsFinal(Exception):
    pass


class FinalQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ScreeningIsFinal("Screenings and their reviews cannot be changed.")

    def delete(self):
        raise ScreeningIsFinal("Screenings and their reviews are never deleted.")


class ScreeningStatus(models.TextChoices):
    CONTRAINDICATED = "contraindicated", "Contraindicated"
    REVIEW = "review", "Needs review"
    CAUTION = "caution", "Caution"
    CLEAR = "clear", "Clear"


class Screening(models.Model):
    """One run of the rule engine over a patient's answers, with the rule-set version."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="screenings"
    )
    intake_response = models.ForeignKey(
        "intake.IntakeResponse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screenings",
    )
    ruleset_version = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=ScreeningStatus)
    # The engine's findings as dicts: rule, title, severity, applies_to, reason,
    # patient_message, matched, grade, source, convention.
    findings = models.JSONField(default=list)
    unmatched_medications = models.JSONField(default=list)
    unanswered = models.JSONField(default=list)
    procedures = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FinalQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="screening_latest")]

    def __str__(self):
        return f"Screening {self.pk} of patient {self.patient_id}: {self.status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ScreeningIsFinal("A stored screening cannot be changed; run a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ScreeningIsFinal("Screenings are never deleted.")

    def finding(self, rule_id):
        return next((f for f in self.findings if f["rule"] == rule_id), None)


class ReviewKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "Acknowledged"
    OVERRIDE = "override", "Overridden"


class FindingReview(models.Model):
    """A clinician's acknowledgement of a caution or written override of a
    contraindication, for one finding of one screening."""

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="reviews")
    rule = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=ReviewKind)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = FinalQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "rule"],
                name="finding_review_once_per_screening",
                violation_error_message="This finding has already been reviewed.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="override") | ~models.Q(reason=""),
                name="finding_override_has_reason",
                violation_error_message="An override needs a written reason.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.rule} on screening {self.screening_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ScreeningIsFinal("A review cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ScreeningIsFinal("Reviews are never deleted.")


class RuleSeverity(models.TextChoices):
    # The engine's severities (engine.SEVERITIES), worst first.
    CONTRAINDICATED = "contraindicated", "Contraindicated"
    REVIEW = "review", "Review"
    CAUTION = "caution", "Caution"
    INFO = "info", "Info"


class ClinicRuleSetting(models.Model):
    """A clinic's change to one practice-convention screening rule: off, or at another
    severity. Rules taken from a label or a source are never changed per clinic; the
    rule set a clinic screens with is derived in screening.clinic_rules."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="screening_rule_settings"
    )
    rule = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    severity = models.CharField(max_length=20, choices=RuleSeverity, null=True, blank=True)
    note = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "rule"],
                name="clinic_rule_setting_once",
                violation_error_message="This clinic already has a setting for this rule.",
            ),
        ]

    def __str__(self):
        state = "on" if self.enabled else "off"
        return f"{self.rule} at clinic {self.clinic_id}: {state}, {self.severity or 'default'}"
