"""Clinical photographs. The image is re-encoded without metadata (EXIF, GPS) and stored
outside the web root under VAR_DIR/photos/<clinic>/<patient>/; it is served only through the
access gate, each view audited. Photos are versioned and never deleted: a wrong one is marked
entered in error and its file is kept."""

from django.db import models
from simple_history.models import HistoricalRecords

from ldnclinic.photos.processing import THUMB_SIZE


class PhotoView(models.TextChoices):
    FRONT = "front", "Front"
    BACK = "back", "Back"
    LEFT = "left", "Left side"
    RIGHT = "right", "Right side"
    CLOSE_UP = "close_up", "Close-up"


class PhotoStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class ClinicalPhoto(models.Model):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="photos")
    plan = models.ForeignKey(
        "plans.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    body_site = models.CharField(
        max_length=40, help_text="A region code from photos/data/body_sites.json."
    )
    view = models.CharField(max_length=20, choices=PhotoView.choices)
    taken_at = models.DateTimeField()
    # Paths relative to VAR_DIR/photos; never under STATIC_ROOT or MEDIA_ROOT.
    file_path = models.CharField(max_length=300)
    thumb_path = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=20, choices=PhotoStatus.choices, default=PhotoStatus.ACTIVE
    )
    error_reason = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["patient", "body_site", "taken_at"])]

    def __str__(self):
        return f"{self.body_site} {self.view} {self.taken_at:%Y-%m-%d}"

    @property
    def thumb_size(self) -> tuple[int, int]:
        """The thumbnail's width and height (for the <img> attributes)."""
        scale = min(THUMB_SIZE / max(self.width, self.height, 1), 1)
        return max(round(self.width * scale), 1), max(round(self.height * scale), 1)

    @property
    def thumb_width(self) -> int:
        return self.thumb_size[0]

    @property
    def thumb_height(self) -> int:
        return self.thumb_size[1]

    @property
    def in_error(self) -> bool:
        return self.status == PhotoStatus.ENTERED_IN_ERROR
