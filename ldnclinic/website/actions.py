"""Changing what the public site shows: page drafts, publishing, branding. Each action
checks, saves, audits and bumps the public cache version once the transaction commits."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ldnclinic.accounts.models import Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import record
from ldnclinic.core import public_cache
from ldnclinic.website import branding as checks
from ldnclinic.website.content import PAGE_KEYS
from ldnclinic.website.hours import parse_hours
from ldnclinic.website.markup import MAX_LENGTH, render_markdown
from ldnclinic.website.models import Branding, SitePage, SitePageVersion

TAGLINE_MAX = 200
ALT_MAX = 200


def _require_admin(actor, clinic):
    user = actor.user
    if (
        user is None
        or not user.memberships.filter(clinic=clinic, role=Role.ADMIN, is_active=True).exists()
    ):
        raise PermissionDenied("Only a clinic admin may change the public site.")


def _check_markdown(markdown: str) -> str:
    if not isinstance(markdown, str):
        raise ValidationError({"markdown": "Give the page text."})
    markdown = markdown.replace("\r\n", "\n")
    if len(markdown) > MAX_LENGTH:
        raise ValidationError({"markdown": f"Keep the text under {MAX_LENGTH} characters."})
    return markdown


def _page(clinic, key) -> SitePage:
    if key not in PAGE_KEYS:
        raise ValidationError({"key": "There is no such page."})
    page, _ = SitePage.objects.select_for_update().get_or_create(clinic=clinic, key=key)
    return page


@transaction.atomic
def do_save_page_draft(actor, clinic, key: str, markdown: str) -> SitePage:
    _require_admin(actor, clinic)
    markdown = _check_markdown(markdown)
    page = _page(clinic, key)
    page.draft_markdown = markdown
    page.draft_updated_at = timezone.now()
    page.draft_updated_by = actor.user
    page.save()
    record(Event.SITE_PAGE_SAVED, actor, clinic=clinic, subject=page, key=key, length=len(markdown))
    transaction.on_commit(public_cache.bump)
    return page


@transaction.atomic
def do_publish_page(actor, clinic, key: str, markdown: str | None = None) -> SitePageVersion:
    """Publish `markdown` (or the saved draft) as the page's next version."""
    _require_admin(actor, clinic)
    page = _page(clinic, key)
    if markdown is not None:
        page.draft_markdown = _check_markdown(markdown)
        page.draft_updated_at = timezone.now()
        page.draft_updated_by = actor.user
    if not page.draft_markdown.strip():
        raise ValidationError({"markdown": "An empty page cannot be published."})
    number = (page.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = SitePageVersion.objects.create(
        page=page,
        number=number,
        markdown=page.draft_markdown,
        html=render_markdown(page.draft_markdown),
        published_by=actor.user,
        published_at=timezone.now(),
    )
    page.published = version
    page.save()
    record(Event.SITE_PAGE_PUBLISHED, actor, clinic=clinic, subject=page, key=key, version=number)
    transaction.on_commit(public_cache.bump)
    return version


def _clean_branding(values: dict) -> dict:
    errors, clean = {}, {}
    for name in ("primary_colour", "accent_colour"):
        try:
            clean[name] = checks.check_colour(values.get(name, ""))
        except ValueError as error:
            errors[name] = str(error)
    for name, limit in (("tagline", TAGLINE_MAX), ("logo_alt", ALT_MAX)):
        text = (values.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = f"Keep it under {limit} characters."
        clean[name] = text
    try:
        clean["opening_hours"] = parse_hours(values.get("opening_hours") or "")
    except ValueError as error:
        errors["opening_hours"] = str(error)
    logo = values.get("logo")
    if logo is not None:
        try:
            clean["logo"] = checks.reencode_logo(logo)
        except ValueError as error:
            errors["logo"] = str(error)
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def do_save_branding(actor, clinic, *, logo: bytes | None = None, remove_logo=False, **values):
    """Save the clinic's branding. `logo` is the uploaded file's bytes (checked and
    re-encoded here); `opening_hours` is the text of website.hours rows."""
    _require_admin(actor, clinic)
    clean = _clean_branding({**values, "logo": logo})
    branding, _ = Branding.objects.select_for_update().get_or_create(clinic=clinic)
    before = {
        "tagline": branding.tagline,
        "primary_colour": branding.primary_colour,
        "accent_colour": branding.accent_colour,
        "opening_hours": branding.opening_hours,
        "has_logo": bool(branding.logo_width),
    }
    for name in ("tagline", "primary_colour", "accent_colour", "opening_hours", "logo_alt"):
        setattr(branding, name, clean[name])
    if "logo" in clean:
        branding.logo_png, branding.logo_width, branding.logo_height = clean["logo"]
    elif remove_logo:
        branding.logo_png = branding.logo_width = branding.logo_height = None
    branding.updated_by = actor.user
    branding.save()
    after = {name: getattr(branding, name) for name in before if name != "has_logo"}
    after["has_logo"] = bool(branding.logo_width)
    record(Event.BRANDING_SAVED, actor, clinic=clinic, subject=branding, before=before, after=after)
    transaction.on_commit(public_cache.bump)
    return branding
