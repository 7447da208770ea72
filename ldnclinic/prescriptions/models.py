"""Compounding prescriptions written from a treatment plan, the clinic's compounding
defaults (beyond-use days, storage texts) and its pharmacy directory.

A prescription is a record of what a prescriber signed: once signed it never changes,
except to become superseded (the plan changed) or void (withdrawn, with a reason).
Nothing here is ever deleted.
"""

from django.db import models
from simple_history.models import HistoricalRecords

PREPARATIONS = ("liquid_non_preserved", "liquid_preserved", "capsule")


class PrescriptionIsFinal(Exception):
    """A signed prescription cannot change; prescriptions are never deleted."""


def _default_bud(preparation):
    # Imported late: the engine is pure Python and must not be needed to import models.
    from ldnclinic.plans.formulation import DEFAULT_BUD_DAYS

    return DEFAULT_BUD_DAYS[preparation]


def default_bud_liquid_non_preserved():
    return _default_bud("liquid_non_preserved")


def default_bud_liquid_preserved():
    return _default_bud("liquid_preserved")


def default_bud_capsule():
    return _default_bud("capsule")


BUD_HELP = "Days. A default to check against the current USP <795> chapter."


class CompoundingSettings(models.Model):
    """One row per clinic, made on first use with the reference defaults."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="compounding_settings"
    )
    bud_liquid_non_preserved = models.PositiveSmallIntegerField(
        "non-preserved aqueous liquid",
        default=default_bud_liquid_non_preserved,
        help_text=BUD_HELP,
    )
    bud_liquid_preserved = models.PositiveSmallIntegerField(
        "preserved aqueous liquid", default=default_bud_liquid_preserved, help_text=BUD_HELP
    )
    bud_capsule = models.PositiveSmallIntegerField(
        "capsules", default=default_bud_capsule, help_text=BUD_HELP
    )
    storage_liquid_non_preserved = models.TextField(
        "storage: non-preserved liquid",
        blank=True,
        help_text="Leave empty to use the reference text.",
    )
    storage_liquid_preserved = models.TextField(
        "storage: preserved liquid", blank=True, help_text="Leave empty to use the reference text."
    )
    storage_capsule = models.TextField(
        "storage: capsules", blank=True, help_text="Leave empty to use the reference text."
    )
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "compounding settings"
        verbose_name_plural = "compounding settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    bud_liquid_non_preserved__gte=1,
                    bud_liquid_preserved__gte=1,
                    bud_capsule__gte=1,
                ),
                name="compounding_bud_days_positive",
                violation_error_message="Beyond-use days must be at least 1.",
            )
        ]

    def __str__(self):
        return f"Compounding settings of {self.clinic}"

    @classmethod
    def for_clinic(cls, clinic):
        settings, _ = cls.objects.get_or_create(clinic=clinic)
        return settings

    def bud_days(self) -> dict:
        return {p: getattr(self, f"bud_{p}") for p in PREPARATIONS}

    def storage_override(self, preparation) -> str:
        return getattr(self, f"storage_{preparation}", "").strip()


class Pharmacy(models.Model):
    """A compounding pharmacy the clinic sends prescriptions to. Deactivated, never deleted."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    fax = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_active", "name", "id"]
        verbose_name_plural = "pharmacies"
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"],
                name="pharmacy_name_unique_per_clinic",
                violation_error_message="This clinic already has a pharmacy with that name.",
            )
        ]

    def __str__(self):
        return self.name

    def delete(self, *args, **kwargs):
        raise PrescriptionIsFinal("Pharmacies are deactivated, never deleted.")

    def snapshot(self) -> dict:
        return {
            "name": self.name,
            "address": self.address,
            "phone": self.phone,
            "fax": self.fax,
            "email": self.email,
        }


class PrescriptionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    SUPERSEDED = "superseded", "Superseded"
    VOID = "void", "Void"


LIVE_STATUSES = (PrescriptionStatus.DRAFT, PrescriptionStatus.SIGNED)

# From a stored status, the statuses a row may move to, and the fields that may change.
ALLOWED_MOVES = {
    PrescriptionStatus.SIGNED: {PrescriptionStatus.SUPERSEDED, PrescriptionStatus.VOID},
    PrescriptionStatus.SUPERSEDED: set(),
    PrescriptionStatus.VOID: set(),
}
CLOSING_FIELDS = {"status", "superseded_by", "closed_reason", "closed_at", "closed_by"}


class PrescriptionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PrescriptionIsFinal("Prescriptions are changed one by one, through actions.")

    def delete(self):
        raise PrescriptionIsFinal("Prescriptions are never deleted.")

    def live(self):
        return self.filter(status__in=LIVE_STATUSES)


class Prescription(models.Model):
    """A compounding prescription for one period of a plan version's dose calendar.

    Everything printed is stored on the row (dispense, sig, FHIR dosage, snapshots of the
    prescriber, patient and pharmacy), so the signed PDF and the row always agree even
    after the plan, the pharmacy or the patient's address change."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="prescriptions"
    )
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="prescriptions")
    plan_version = models.ForeignKey(
        "plans.PlanVersion", on_delete=models.PROTECT, related_name="prescriptions"
    )
    status = models.CharField(
        max_length=12, choices=PrescriptionStatus, default=PrescriptionStatus.DRAFT
    )
    formulation = models.JSONField()
    period_start = models.DateField()
    period_end = models.DateField()
    steps = models.JSONField(default=list, help_text="The dose steps within the period.")
    dispense = models.JSONField(help_text="Dispense.to_dict() of the engine.")
    sig = models.TextField()
    sig_lines = models.JSONField(default=list)
    dosage_instruction = models.JSONField(default=list, help_text="FHIR R4 Dosage entries.")
    beyond_use_days = models.PositiveSmallIntegerField()
    preparation = models.CharField(max_length=24)
    storage = models.TextField(blank=True)
    refills = models.PositiveSmallIntegerField(default=0)
    pharmacy = models.ForeignKey(
        Pharmacy, null=True, blank=True, on_delete=models.PROTECT, related_name="prescriptions"
    )
    pharmacy_snapshot = models.JSONField(default=dict)
    prescriber = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prescriptions",
    )
    prescriber_snapshot = models.JSONField(default=dict)
    patient_snapshot = models.JSONField(default=dict)
    signed_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    closed_reason = models.TextField(
        blank=True, help_text="Why the prescription was superseded or voided."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PrescriptionQuerySet.as_manager()
    # The PDF is evidence kept on the row itself; the history need not copy it.
    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        ordering = ["-created_at", "-id"]
        base_manager_name = "objects"
        indexes = [models.Index(fields=["plan", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="prescription_period_ordered",
                violation_error_message="The period must end on or after its start.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="signed") | models.Q(signed_at__isnull=False),
                name="prescription_signed_has_time",
                violation_error_message="A signed prescription has a signing time.",
            ),
        ]

    def __str__(self):
        return f"Prescription {self.pk} for {self.patient}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self._check_change()
        super().save(*args, **kwargs)

    def _check_change(self):
        stored = type(self).objects.filter(pk=self.pk).first()
        if stored is None or stored.status == PrescriptionStatus.DRAFT:
            return
        if self.status not in ALLOWED_MOVES[stored.status] | {stored.status}:
            raise PrescriptionIsFinal(
                f"A {stored.get_status_display().lower()} prescription cannot become "
                f"{self.get_status_display().lower()}."
            )
        if stored.status != PrescriptionStatus.SIGNED or self.status == stored.status:
            raise PrescriptionIsFinal("A signed prescription cannot change.")
        for field in self._meta.concrete_fields:
            if field.name in CLOSING_FIELDS:
                continue
            before, after = field.value_from_object(stored), field.value_from_object(self)
            if isinstance(before, memoryview):
                before = bytes(before)
            if isinstance(after, memoryview):
                after = bytes(after)
            if before != after:
                raise PrescriptionIsFinal(
                    f"A signed prescription cannot change ({field.name} differs)."
                )

    def delete(self, *args, **kwargs):
        raise PrescriptionIsFinal("Prescriptions are never deleted.")

    @property
    def is_live(self):
        return self.status in LIVE_STATUSES

    @property
    def has_pdf(self):
        return bool(self.pdf_sha256)

    @property
    def pdf_filename(self):
        return f"prescription-{self.pk}-{self.period_start.isoformat()}.pdf"
