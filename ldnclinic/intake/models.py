"""Questionnaires as versioned data, and the answers patients give to one version."""

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from ldnclinic.intake.definition import DefinitionError, validate_definition

PUBLISHED_IS_FROZEN = "A published questionnaire version cannot change; publish a new version."


class IntakeRecordsAreKept(Exception):
    pass


class Questionnaire(models.Model):
    """A questionnaire a clinic uses; `clinic` null is the global one every clinic gets
    unless it has its own with the same slug."""

    clinic = models.ForeignKey(
        "accounts.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaires",
    )
    slug = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "slug"],
                name="questionnaire_slug_unique_per_clinic",
                violation_error_message="This clinic already has a questionnaire with this slug.",
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(clinic__isnull=True),
                name="questionnaire_slug_unique_global",
                violation_error_message="A global questionnaire with this slug exists.",
            ),
        ]

    def __str__(self):
        return self.title


class QuestionnaireVersion(models.Model):
    """One version of a questionnaire's items. Once published it never changes: answers
    point at it, and a new version never rewrites what they answered."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"],
                name="questionnaire_version_number_unique",
                violation_error_message="This version number exists.",
            ),
        ]

    def __str__(self):
        return f"{self.questionnaire} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = QuestionnaireVersion.objects.filter(pk=self.pk).first()
            if stored is not None and stored.published_at is not None:
                frozen = ("questionnaire_id", "number", "definition", "published_at")
                if any(getattr(stored, f) != getattr(self, f) for f in frozen):
                    raise ValidationError(PUBLISHED_IS_FROZEN)
        self.clean()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise IntakeRecordsAreKept("Questionnaire versions are kept.")

    def clean(self):
        try:
            validate_definition(self.definition)
        except DefinitionError as error:
            raise ValidationError({"definition": error.errors}) from None


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class IntakeResponse(models.Model):
    """A patient's answers to one questionnaire version, keyed by item id."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="intake_responses"
    )
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses"
    )
    status = models.CharField(max_length=10, choices=IntakeStatus, default=IntakeStatus.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["patient", "-updated_at"], name="intake_latest")]

    def __str__(self):
        return f"{self.version} for patient {self.patient_id}"

    def delete(self, *args, **kwargs):
        raise IntakeRecordsAreKept("Intake responses are kept, never deleted.")

    @property
    def is_submitted(self):
        return self.status == IntakeStatus.SUBMITTED
