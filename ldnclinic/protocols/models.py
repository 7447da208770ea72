"""Treatment protocols as versioned data. A protocol is the clinic's recipe for one
condition (LDN titration schemes, adjunct therapy series, follow-up visits, outcome
instruments, evidence); each change is a new version, and plans keep the version they used."""

from django.db import models
from simple_history.models import HistoricalRecords

VERSIONS_ARE_FROZEN = "A protocol version cannot change; save a new version."


class Protocol(models.Model):
    """`clinic` null is a global protocol every clinic sees unless it has its own with the
    same code (a clinic edits a global protocol by saving its own first version)."""

    clinic = models.ForeignKey(
        "accounts.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="protocols",
    )
    code = models.SlugField(max_length=80)
    condition_slug = models.SlugField(max_length=80)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["condition_slug", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "code"],
                name="protocol_code_unique_per_clinic",
                violation_error_message="This clinic already has a protocol with this code.",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(clinic__isnull=True),
                name="protocol_code_unique_global",
                violation_error_message="A global protocol with this code exists.",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()


class ProtocolVersion(models.Model):
    """One frozen version of a protocol's data (validated by `protocols.schema`)."""

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["protocol", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "number"],
                name="protocol_version_number_unique",
                violation_error_message="This version number exists.",
            ),
        ]

    def __str__(self):
        return f"{self.protocol} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(VERSIONS_ARE_FROZEN)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(VERSIONS_ARE_FROZEN)

    @property
    def name(self):
        return self.data.get("name", self.protocol.code)
