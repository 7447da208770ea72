"""The clinic admin's editor for the public site: page texts with preview and publish,
and the branding. Admins of the current clinic only (others: 403, non-staff: 404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from ldnclinic.accounts.access import require_staff, staff_required
from ldnclinic.accounts.models import Role
from ldnclinic.audit.log import Actor
from ldnclinic.core.forms import add_action_errors
from ldnclinic.website import actions
from ldnclinic.website.branding import LOGO_MAX_BYTES
from ldnclinic.website.content import PAGE_KEYS, THERAPIES, default_page
from ldnclinic.website.forms import ACTIONS, BrandingForm, PageForm
from ldnclinic.website.hours import format_hours
from ldnclinic.website.markup import render_markdown
from ldnclinic.website.models import Branding, SitePage
from ldnclinic.website.public import public_clinic
from ldnclinic.website.views import _booking_url, branding_for

ADMIN_ONLY = (Role.ADMIN,)


@staff_required(roles=ADMIN_ONLY)
def site_pages(request):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    pages = {p.key: p for p in SitePage.objects.filter(clinic=clinic).select_related("published")}
    rows = [(key, default_page(key), pages.get(key)) for key in PAGE_KEYS]
    context = {
        "clinic": clinic,
        "rows": rows,
        "is_public_clinic": public_clinic() == clinic,
    }
    return render(request, "website/admin/pages.html", context)


@staff_required(roles=ADMIN_ONLY)
def site_page_edit(request, key):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    if key not in PAGE_KEYS:
        raise Http404("No such page")
    default = default_page(key)
    page = SitePage.objects.filter(clinic=clinic, key=key).first()
    # The editor opens on the saved draft, else on the platform's text.
    initial = page.draft_markdown if page and page.draft_markdown else default.markdown
    form = PageForm(request.POST or None, initial={"markdown": initial})
    action = request.POST.get("action", "save")
    if request.method == "POST" and action in ACTIONS and form.is_valid():
        markdown = form.cleaned_data["markdown"]
        if action == "preview":
            return _preview(request, clinic, key, default, markdown)
        actor = Actor.from_request(request)
        try:
            if action == "publish":
                version = actions.do_publish_page(actor, clinic, key, markdown)
                messages.success(request, f"Published as version {version.number}.")
            else:
                actions.do_save_page_draft(actor, clinic, key, markdown)
                messages.success(
                    request, "Draft saved. The public page is unchanged until you publish."
                )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("site_page_edit", key=key)
    versions = list(page.versions.select_related("published_by")) if page else []
    context = {
        "clinic": clinic,
        "key": key,
        "default": default,
        "page": page,
        "form": form,
        "versions": versions,
    }
    status = 400 if form.errors else 200
    return render(request, "website/admin/page_edit.html", context, status=status)


def _preview(request, clinic, key, default, markdown):
    """The draft rendered (sanitised) in the public layout, without saving anything."""
    therapy = THERAPIES.get(key.removeprefix("therapy-"))
    context = {
        "clinic": clinic,
        "branding": branding_for(clinic),
        "page_title": f"Preview: {default.title}",
        "page_description": default.description,
        "canonical_url": "",
        "robots_noindex": True,
        "booking_url": _booking_url(clinic),
        "preview_html": render_markdown(markdown),
        "default": default,
        "key": key,
        "markdown": markdown,
        "therapy": therapy,
    }
    return render(request, "website/admin/preview.html", context)


@staff_required(roles=ADMIN_ONLY)
def site_branding(request):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    branding = Branding.objects.filter(clinic=clinic).first() or Branding(clinic=clinic)
    initial = {
        "tagline": branding.tagline,
        "primary_colour": branding.primary_colour,
        "accent_colour": branding.accent_colour,
        "opening_hours": format_hours(branding.opening_hours),
        "logo_alt": branding.logo_alt,
    }
    form = BrandingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        upload = values.pop("logo")
        logo = None
        if upload:
            # Read one byte past the limit: enough to refuse, never the whole of a huge file.
            logo = upload.read(LOGO_MAX_BYTES + 1)
        try:
            actions.do_save_branding(Actor.from_request(request), clinic, logo=logo, **values)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Branding saved.")
            return redirect("site_branding")
    context = {"clinic": clinic, "branding": branding, "form": form}
    return render(
        request, "website/admin/branding.html", context, status=400 if form.errors else 200
    )
