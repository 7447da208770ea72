"""What a clinic publishes on its public site: page texts (a draft and immutable published
versions) and its branding. Default texts live in website/content/*.md; a page row exists
only once the clinic edits that page."""

from django.conf import settings
from django.db import models

from ldnclinic.accounts.models import Clinic


class SitePage(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="site_pages")
    key = models.CharField(max_length=40)
    draft_markdown = models.TextField(blank=True)
    draft_updated_at = models.DateTimeField(null=True, blank=True)
    draft_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published = models.ForeignKey(
        "SitePageVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "key"], name="website_one_page_per_key"),
        ]

    def __str__(self):
        return f"{self.clinic.slug}/{self.key}"


class SitePageVersion(models.Model):
    """One published text; never changed or deleted (a new publish makes a new row)."""

    page = models.ForeignKey(SitePage, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    markdown = models.TextField()
    html = models.TextField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="website_version_number"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A published page version is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A published page version is never deleted.")


class Branding(models.Model):
    clinic = models.OneToOneField(Clinic, on_delete=models.PROTECT, related_name="branding")
    tagline = models.CharField(max_length=200, blank=True)
    primary_colour = models.CharField(max_length=7, default="#164766")
    accent_colour = models.CharField(max_length=7, default="#0b5d3b")
    # Re-encoded PNG (Pillow), served by the site_logo view; never the uploaded bytes.
    logo_png = models.BinaryField(null=True, blank=True, editable=False)
    logo_width = models.PositiveIntegerField(null=True, blank=True)
    logo_height = models.PositiveIntegerField(null=True, blank=True)
    logo_alt = models.CharField(max_length=200, blank=True)
    # Rows from website.hours.parse_hours: [{"days": [0, 1, 2, 3, 4], "opens": "09:00",
    # "closes": "17:00"}], Monday = 0; "opens": null for a closed day.
    opening_hours = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self):
        return f"Branding of {self.clinic}"
