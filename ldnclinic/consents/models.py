"""Consent documents, their published versions and the patients' signatures.

A published version and a signature are evidence: once written they never change and are
never deleted. The model and its queryset refuse both (as audit.models does), so a
mistake in code fails loudly instead of rewriting what a patient agreed to.
"""

import hashlib

from django.db import models
from simple_history.models import HistoricalRecords


class ConsentIsFinal(Exception):
    """A published consent version or a signature cannot be changed or deleted."""


class ConsentKind(models.TextChoices):
    LDN_OFF_LABEL = "ldn_off_label", "LDN off-label treatment"
    PHOTOGRAPHY = "photography", "Clinical photography"
    TELEHEALTH = "telehealth", "Telehealth"
    PRIVACY = "privacy", "Privacy"


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def split_paragraphs(body: str) -> list[dict]:
    """Blank-line separated blocks; a short first line of a block is its heading."""
    blocks = []
    for block in body.strip().split("\n\n"):
        lines = block.strip().splitlines()
        if len(lines) > 1 and len(lines[0]) < 60:
            blocks.append({"heading": lines[0], "text": " ".join(lines[1:])})
        else:
            blocks.append({"heading": "", "text": " ".join(lines)})
    return blocks


class ConsentDocumentQuerySet(models.QuerySet):
    def for_clinic(self, clinic):
        """Documents a clinic's patients sign: the clinic's own, else the global one."""
        return self.filter(models.Q(clinic=clinic) | models.Q(clinic__isnull=True))


class ConsentDocument(models.Model):
    """One consent a patient may be asked to sign. `clinic` empty = every clinic's, unless
    a clinic has its own document of that kind."""

    clinic = models.ForeignKey(
        "accounts.Clinic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consent_documents",
    )
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsentDocumentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind"],
                name="consent_document_one_per_clinic_kind",
                violation_error_message="This clinic already has a document of that kind.",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(clinic__isnull=True),
                name="consent_document_one_global_per_kind",
                violation_error_message="There is already a global document of that kind.",
            ),
        ]

    def __str__(self):
        return self.title

    def current_version(self):
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


class ConsentVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ConsentIsFinal("Consent versions are changed one by one, drafts only.")

    def delete(self):
        raise ConsentIsFinal("Consent versions are never deleted.")

    def published(self):
        return self.filter(published_at__isnull=False)


class ConsentVersion(models.Model):
    """The text of a document as published. Drafts may change; published ones never."""

    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    content_hash = models.CharField("SHA-256 of the text", max_length=64, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsentVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "-number"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"],
                name="consent_version_number_unique",
                violation_error_message="That version number exists already.",
            ),
        ]

    def __str__(self):
        return f"{self.document} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("published_at", flat=True)
            if stored.first() is not None:
                raise ConsentIsFinal("A published consent version cannot be changed.")
        self.content_hash = body_hash(self.body)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ConsentIsFinal("Consent versions are never deleted.")

    @property
    def is_published(self):
        return self.published_at is not None


class ConsentSignatureQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ConsentIsFinal("Signatures cannot be changed.")

    def delete(self):
        raise ConsentIsFinal("Signatures cannot be deleted.")


class ConsentSignature(models.Model):
    """A patient's signature of one version. Written once, by consents.actions.

    No HistoricalRecords: the row never changes, so a history would only copy it (and its
    PDF). The PDF is a BinaryField, not a file: the project has no MEDIA_ROOT, and inside
    the database it is covered by the same backups, transactions and access gate as the
    signature it proves; a copy is tens of kilobytes.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consent_signatures"
    )
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="signatures")
    typed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    content_hash = models.CharField("SHA-256 of the text signed", max_length=64)
    pdf = models.BinaryField(editable=False)

    objects = ConsentSignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at", "-id"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"],
                name="consent_signature_once_per_version",
                violation_error_message="This version is signed already.",
            ),
        ]

    def __str__(self):
        return f"{self.patient} signed {self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ConsentIsFinal("Signatures cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ConsentIsFinal("Signatures cannot be deleted.")

    @property
    def pdf_filename(self):
        return f"consent-{self.version.document.kind}-v{self.version.number}-{self.pk}.pdf"
