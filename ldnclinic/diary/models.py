"""The patient diary: one entry per patient per day (the patient's local date in the clinic's
time zone) with the dose taken, side effects, itch, sleep and a note. A second save the same
day edits the entry; entries are versioned (simple_history) and never deleted."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

SIDE_EFFECTS = (
    ("vivid_dreams", "Vivid dreams"),
    ("insomnia", "Trouble sleeping"),
    ("headache", "Headache"),
    ("nausea", "Nausea"),
    ("other", "Other"),
)
SIDE_EFFECT_FIELDS = tuple(name for name, _ in SIDE_EFFECTS)
SEVERITY_WORDS = {0: "none", 1: "mild", 2: "moderate", 3: "severe"}
# field -> (low, high, nullable)
RANGES = {
    **dict.fromkeys(SIDE_EFFECT_FIELDS, (0, 3, False)),
    "itch_nrs": (0, 10, True),
    "sleep_quality": (0, 10, True),
}
NOTE_MAX = 1000
OTHER_TEXT_MAX = 200


def _side_effect():
    return models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(3)]
    )


def _nrs():
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )


class DiaryEntry(models.Model):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="diary_entries"
    )
    plan = models.ForeignKey(
        "plans.Plan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="diary_entries",
    )
    date = models.DateField(help_text="The patient's day, in the clinic's time zone.")
    dose_taken = models.BooleanField(null=True, blank=True, help_text="Null: not said.")
    taken_at = models.TimeField(null=True, blank=True)
    dose_mg = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The plan's dose for this date when the entry was saved.",
    )
    vivid_dreams = _side_effect()
    insomnia = _side_effect()
    headache = _side_effect()
    nausea = _side_effect()
    other = _side_effect()
    other_text = models.CharField(max_length=OTHER_TEXT_MAX, blank=True)
    itch_nrs = _nrs()
    sleep_quality = _nrs()
    note = models.TextField(max_length=NOTE_MAX, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="diary_one_entry_per_day"),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__lte": 3}),
                    name=f"diary_{name}_0_to_3",
                )
                for name in SIDE_EFFECT_FIELDS
            ],
            models.CheckConstraint(
                condition=models.Q(itch_nrs__isnull=True) | models.Q(itch_nrs__lte=10),
                name="diary_itch_0_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(sleep_quality__isnull=True) | models.Q(sleep_quality__lte=10),
                name="diary_sleep_0_to_10",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "date"])]

    def __str__(self):
        return f"Diary {self.date.isoformat()}"

    @property
    def side_effects(self) -> list[dict]:
        """The side effects with a score above none: [{"field", "label", "score", "word"}]."""
        out = []
        for name, label in SIDE_EFFECTS:
            score = getattr(self, name)
            if score:
                if name == "other" and self.other_text:
                    label = f"Other: {self.other_text}"
                out.append(
                    {"field": name, "label": label, "score": score, "word": SEVERITY_WORDS[score]}
                )
        return out


class SignalStatus(models.TextChoices):
    OPEN = "open", "Open"
    REVIEWED = "reviewed", "Reviewed"


class SignalSeverity(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class Signal(models.Model):
    """A side-effect signal the diary raised for the clinician (rules in
    data/signal_rules.json). At most one open signal per patient and rule: a new finding
    while it is open updates its dates. Versioned, never deleted."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="diary_signals"
    )
    plan = models.ForeignKey(
        "plans.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="signals"
    )
    rule = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=SignalSeverity.choices)
    first_date = models.DateField()
    last_date = models.DateField()
    dates = models.JSONField(default=list, help_text="The diary dates behind the signal.")
    status = models.CharField(
        max_length=10, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    reviewed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    resolved_by_version = models.ForeignKey(
        "plans.PlanVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-last_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "rule"],
                condition=models.Q(status="open"),
                name="diary_one_open_signal_per_rule",
            )
        ]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self):
        return f"Signal {self.rule} {self.last_date.isoformat()}"
