"""The public site: no login, readable without JavaScript, served from the cache
(page_cache.public_page) until what it shows changes."""

import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from ldnclinic.evidence import library
from ldnclinic.evidence.models import Area
from ldnclinic.pharmacology.views import explainer_from_query
from ldnclinic.protocols.seed import adjunct_templates
from ldnclinic.screening.engine import default_ruleset
from ldnclinic.website import seo
from ldnclinic.website.content import THERAPIES, page_text
from ldnclinic.website.hours import display_rows
from ldnclinic.website.models import Branding
from ldnclinic.website.page_cache import public_page

INTERNAL_REFERENCE = re.compile(r"\s*\(issue \d+[^)]*\)")
EXPLAINER_DOSE_MG = "1.5"
EXPLAINER_TIME = "22:00"
SEVERITY_WORDS = {
    "contraindicated": "Not treated",
    "review": "Clinician checks first",
    "caution": "Adjusted with care",
}


def branding_for(clinic) -> Branding | None:
    if clinic is None:
        return None
    return Branding.objects.filter(clinic=clinic).defer("logo_png").first()


def _context(request, clinic, *, title, description, path, json_ld=None, **extra):
    branding = branding_for(clinic)
    context = {
        "clinic": clinic,
        "branding": branding,
        "page_title": title,
        "page_description": description,
        "canonical_url": seo.absolute(path),
        "json_ld": json_ld,
        "booking_url": _booking_url(clinic),
        "logo_absolute_url": seo.absolute(reverse("site_logo")),
        **extra,
    }
    return _without_csrf(request, context)


def _without_csrf(request, context):
    """An anonymous visitor's page is the same for everyone and is cached: no CSRF token
    in it (base.html would otherwise put one on <body> and set the cookie). Signed-in
    users keep theirs: their sign-out form needs it, and their pages are not cached."""
    if not request.user.is_authenticated:
        context["csrf_token"] = ""
        # base.html's title and top bar then name the clinic, not just the product.
        context["current_clinic"] = context.get("clinic")
    return context


def _booking_url(clinic):
    if clinic is None:
        return reverse("booking-clinics")
    return reverse("booking-services", args=[clinic.slug])


def _no_clinic(request):
    context = {
        "clinic": None,
        "page_title": "Not set up yet",
        "page_description": "This site has no clinic set up yet.",
        "canonical_url": seo.absolute(request.path),
    }
    return render(request, "website/no_clinic.html", _without_csrf(request, context))


def _not_found(request, clinic, what):
    context = _context(
        request,
        clinic,
        title="Page not found",
        description="There is no such page on this site.",
        path=request.path,
        what=what,
        conditions=_grouped_conditions(clinic),
        robots_noindex=True,
    )
    return render(request, "website/not_found.html", context, status=404)


@require_safe
@public_page
def public_home(request, clinic):
    if clinic is None:
        return _no_clinic(request)
    text = page_text(clinic, "home")
    locations = list(clinic.locations.filter(is_active=True).order_by("name"))
    branding = branding_for(clinic)
    data = seo.clinic_data(clinic, locations, branding)
    context = _context(
        request,
        clinic,
        title=clinic.name,
        description=text.description,
        path="/",
        json_ld=seo.json_ld(data),
        text=text,
        locations=locations,
        hours=display_rows(branding.opening_hours) if branding else [],
        self_check_url=reverse("self_check"),
    )
    return render(request, "website/home.html", context)


def _page_ld(clinic, text, path, about=None):
    return seo.json_ld(
        seo.web_page_data(
            name=text.title,
            description=text.description,
            path=path,
            reviewed=text.reviewed,
            about=about,
            clinic=clinic,
        )
    )


@require_safe
@public_page
def public_ldn(request, clinic):
    if clinic is None:
        return _no_clinic(request)
    text = page_text(clinic, "ldn")
    # Without JavaScript the explainer's form comes back here with dose_mg and time.
    explainer, status = explainer_from_query(
        request.GET,
        page_action=reverse("public_ldn"),
        dose_mg=EXPLAINER_DOSE_MG,
        dosing_time=EXPLAINER_TIME,
    )
    context = _context(
        request,
        clinic,
        title=text.title,
        description=text.description,
        path=reverse("public_ldn"),
        json_ld=_page_ld(clinic, text, reverse("public_ldn"), about="Low dose naltrexone"),
        text=text,
        explainer=explainer,
    )
    return render(request, "website/ldn.html", context, status=status)


@require_safe
@public_page
def public_safety(request, clinic):
    if clinic is None:
        return _no_clinic(request)
    text = page_text(clinic, "safety")
    path = reverse("public_safety")
    context = _context(
        request,
        clinic,
        title=text.title,
        description=text.description,
        path=path,
        json_ld=_page_ld(clinic, text, path, about="Low dose naltrexone"),
        text=text,
    )
    return render(request, "website/safety.html", context)


def _grouped_conditions(clinic):
    conditions = library.conditions_for(clinic)
    skin = [c for c in conditions if c.area == Area.DERMATOLOGY]
    other = [c for c in conditions if c.area != Area.DERMATOLOGY]
    return [("Skin conditions", skin), ("Other conditions", other)]


@require_safe
@public_page
def public_conditions(request, clinic):
    if clinic is None:
        return _no_clinic(request)
    context = _context(
        request,
        clinic,
        title="Conditions and the evidence for LDN",
        description=(
            "For each condition, what the studies of low dose naltrexone show, how certain "
            "that is, and the study list with grades and citations."
        ),
        path=reverse("public_conditions"),
        groups=_grouped_conditions(clinic),
    )
    return render(request, "website/conditions.html", context)


def therapy_links(condition):
    """The therapy pages a condition names (evidence Condition.therapies, by page slug or
    by protocol adjunct code)."""
    by_code = {t.adjunct: t for t in THERAPIES.values()}
    wanted = [s.strip() for s in (condition.therapies or "").split(",") if s.strip()]
    found = []
    for slug in wanted:
        therapy = THERAPIES.get(slug) or by_code.get(slug)
        if therapy is not None and therapy not in found:
            found.append(therapy)
    return found


@require_safe
@public_page
def public_condition(request, clinic, slug):
    if clinic is None:
        return _no_clinic(request)
    condition = library.get_condition(clinic, slug)
    if condition is None or not condition.is_published:
        return _not_found(request, clinic, "condition")
    studies = list(library.studies_for(clinic, condition))
    path = reverse("public_condition", args=[slug])
    description = f"What the studies of low dose naltrexone in {condition.name} show, graded."
    data = seo.web_page_data(
        name=f"LDN and {condition.name}: the evidence",
        description=description,
        path=path,
        reviewed=condition.updated_at.date(),
        about=condition.name,
        clinic=clinic,
    )
    context = _context(
        request,
        clinic,
        title=f"{condition.name}: the evidence for LDN",
        description=description,
        path=path,
        json_ld=seo.json_ld(data),
        condition=condition,
        studies=studies,
        therapies=therapy_links(condition),
    )
    return render(request, "website/condition.html", context)


def series_rows(therapy):
    """What a series looks like, in words, from the protocol adjunct template."""
    template = adjunct_templates().get(therapy.adjunct)
    if template is None:
        return None
    return {
        "name": template["name"],
        "kind": template["kind"],
        "sessions": template.get("sessions"),
        "first_after_weeks": (template.get("first_offset_days") or 0) // 7,
        "frequency": template.get("frequency"),
        "duration_weeks": (template.get("duration_days") or 0) // 7,
        "notes": template["notes"],
        # The data names the issue that set the convention; the public reads the rest.
        "source": INTERNAL_REFERENCE.sub("", template["source"]),
        "grade": template["grade"],
    }


def contraindications(therapy):
    """The screening rules (data) that apply to this therapy's procedures."""
    rules = [
        rule
        for rule in default_ruleset().rules
        if set(rule.applies_to) & set(therapy.screens)
        and not rule.id.startswith("screening.")
        and rule.severity in SEVERITY_WORDS
    ]
    order = list(SEVERITY_WORDS)
    rules.sort(key=lambda r: (order.index(r.severity), r.title))
    return [(rule, SEVERITY_WORDS[rule.severity]) for rule in rules]


@require_safe
@public_page
def public_therapies(request, clinic):
    if clinic is None:
        return _no_clinic(request)
    therapies = [(t, page_text(clinic, f"therapy-{t.slug}")) for t in THERAPIES.values()]
    context = _context(
        request,
        clinic,
        title="Therapies combined with LDN",
        description=(
            "Laser, microneedling with PRP, LED light and topicals: what a series looks like."
        ),
        path=reverse("public_therapies"),
        therapies=therapies,
    )
    return render(request, "website/therapies.html", context)


@require_safe
@public_page
def public_therapy(request, clinic, slug):
    if clinic is None:
        return _no_clinic(request)
    therapy = THERAPIES.get(slug)
    if therapy is None:
        return _not_found(request, clinic, "therapy")
    text = page_text(clinic, f"therapy-{slug}")
    path = reverse("public_therapy", args=[slug])
    context = _context(
        request,
        clinic,
        title=text.title,
        description=text.description,
        path=path,
        json_ld=_page_ld(clinic, text, path),
        text=text,
        therapy=therapy,
        series=series_rows(therapy),
        rules=contraindications(therapy),
    )
    return render(request, "website/therapy.html", context)


@require_safe
@public_page
def public_sitemap(request, clinic):
    paths = [reverse(name) for name in ("public_home", "public_ldn", "public_conditions")]
    paths += [reverse("public_safety"), reverse("public_therapies")]
    paths += [reverse("public_therapy", args=[slug]) for slug in THERAPIES]
    if clinic is not None:
        for _, conditions in _grouped_conditions(clinic):
            paths += [reverse("public_condition", args=[c.slug]) for c in conditions]
        paths.append(reverse("self_check"))
        paths.append(_booking_url(clinic))
    urls = [seo.absolute(p) for p in paths]
    return render(request, "website/sitemap.xml", {"urls": urls}, content_type="application/xml")


ROBOTS_DISALLOW = (
    "/home/", "/patients/", "/clinic/", "/portal/", "/api/", "/calendar/", "/account/",
    "/login/", "/logout/", "/password-reset/", "/booking/", "/plans/", "/prescriptions/",
    "/protocols/", "/signals/", "/series/", "/waitlist/", "/feeds/",
)  # fmt: skip


@require_safe
@public_page
def public_robots(request, clinic):
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    lines.append(f"Sitemap: {seo.absolute(reverse('public_sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
@public_page
def site_css(request, clinic):
    """The clinic's colours as CSS custom properties (the CSP forbids inline style)."""
    branding = branding_for(clinic)
    primary = branding.primary_colour if branding else Branding.primary_colour.field.default
    accent = branding.accent_colour if branding else Branding.accent_colour.field.default
    css = f":root {{ --brand-primary: {primary}; --brand-accent: {accent}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@require_safe
@public_page
def site_logo(request, clinic):
    branding = Branding.objects.filter(clinic=clinic).first() if clinic else None
    if branding is None or not branding.logo_png:
        raise Http404("No logo")
    return HttpResponse(bytes(branding.logo_png), content_type="image/png")
