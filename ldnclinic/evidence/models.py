"""The evidence library: conditions, the studies behind LDN for each, and a per-condition
summary with an overall certainty label. Seeded from ../shared/reference/clinical.md §4 by a
data migration (evidence/data/*.json); clinic admins add and edit entries, and every change is
versioned and attributed (simple_history records the user). Rows are retired, never deleted.

A condition with no study is an answer too: its summary says "no study found" and its
certainty is NONE.

The seeded library is global (clinic = null). A clinic's edit never changes what other
clinics see: editing a global entry makes the clinic's own copy that `replaces` it for that
clinic only, a study the clinic adds is its own, and retiring a global study makes a retired
copy. Studies always hang on the global (root) condition, or on a condition the clinic owns;
evidence/library.py resolves all of this and is the one read interface."""

from django.db import models
from simple_history.models import HistoricalRecords


class Grade(models.TextChoices):
    # ../shared/reference/clinical.md §0
    A = "A", "A: label, or systematic review / meta-analysis of RCTs"
    B = "B", "B: at least one randomised controlled trial"
    C = "C", "C: open-label trial, cohort, register or case series"
    D = "D", "D: case report or expert opinion"
    E = "E", "E: preclinical (laboratory or animal)"
    UNCONFIRMED = "-", "Unconfirmed"


class Direction(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    MIXED = "mixed", "Mixed"
    NO_RESULT = "no_result", "No result yet"


class Certainty(models.TextChoices):
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NONE = "none", "No study found"


class Area(models.TextChoices):
    DERMATOLOGY = "dermatology", "Skin"
    OTHER = "other", "Other conditions"


class Condition(models.Model):
    clinic = models.ForeignKey(
        "accounts.Clinic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the global library; set on a clinic's own copy.",
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clinic_copies",
        help_text="The global condition this clinic copy stands in for.",
    )
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    area = models.CharField(max_length=20, choices=Area.choices, default=Area.DERMATOLOGY)
    synonyms = models.CharField(max_length=300, blank=True)
    icd10 = models.CharField("ICD-10-CM", max_length=20, blank=True)
    snomed = models.CharField("SNOMED CT", max_length=20, blank=True)
    # Slug of the matching protocol condition (protocols/data/*.json), when there is one.
    protocol_condition = models.CharField(max_length=60, blank=True)
    certainty = models.CharField(max_length=20, choices=Certainty.choices)
    summary = models.TextField(help_text="Plain words; what the studies show and do not show.")
    therapies = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated therapy slugs the clinic combines for this condition.",
    )
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["area", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(clinic__isnull=True),
                name="evidence_condition_global_slug_unique",
                violation_error_message="A global condition with this slug exists.",
            ),
            models.UniqueConstraint(
                fields=["clinic", "slug"],
                name="evidence_condition_clinic_slug_unique",
                violation_error_message="The clinic has a condition with this slug.",
            ),
            models.CheckConstraint(
                condition=models.Q(replaces__isnull=True) | models.Q(clinic__isnull=False),
                name="evidence_condition_copy_has_clinic",
                violation_error_message="Only a clinic's copy replaces a global condition.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def root_id(self):
        """The condition the studies hang on: the global one a clinic copy replaces."""
        return self.replaces_id or self.id

    def therapy_list(self) -> list[str]:
        return [t.strip() for t in self.therapies.split(",") if t.strip()]


class Study(models.Model):
    clinic = models.ForeignKey(
        "accounts.Clinic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the global library; set on a clinic's own or copied study.",
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clinic_copies",
        help_text="The global study this clinic copy stands in for (or retires).",
    )
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="studies")
    first_author = models.CharField(max_length=120, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    citation = models.CharField(max_length=300, blank=True, help_text="Journal, volume, pages.")
    design = models.CharField(max_length=160)
    n = models.CharField(max_length=60, blank=True, help_text="Participants, as reported.")
    dose = models.CharField(max_length=120, blank=True)
    is_low_dose = models.BooleanField(
        default=True, help_text="False for 50 mg (standard-dose) or topical naltrexone studies."
    )
    duration = models.CharField(max_length=120, blank=True)
    outcome = models.TextField(help_text="The main outcome in plain words.")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    pmid = models.CharField("PMID", max_length=12, blank=True)
    doi = models.CharField("DOI", max_length=200, blank=True)
    registry_id = models.CharField(max_length=60, blank=True, help_text="e.g. NCT04409041")
    url = models.URLField(max_length=400, blank=True)
    grade = models.CharField(max_length=1, choices=Grade.choices)
    grade_note = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_retired = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["condition", "position", "-year", "id"]
        verbose_name_plural = "studies"
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "replaces"],
                condition=models.Q(replaces__isnull=False),
                name="evidence_study_one_copy_per_clinic",
                violation_error_message="The clinic already has its copy of this study.",
            ),
            models.CheckConstraint(
                condition=models.Q(replaces__isnull=True) | models.Q(clinic__isnull=False),
                name="evidence_study_copy_has_clinic",
                violation_error_message="Only a clinic's copy replaces a global study.",
            ),
        ]

    def __str__(self):
        return study_label(self)


def study_label(study) -> str:
    """ "Albers 2017", or the citation where the reference names no author (its year only
    when the citation does not already carry it). Works on historical rows too."""
    name = study.first_author or study.citation or "Unnamed study"
    if study.year and str(study.year) not in name:
        name = f"{name} {study.year}"
    return name
