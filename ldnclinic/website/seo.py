"""What search engines and link previews read: canonical URLs and schema.org JSON-LD."""

from django.conf import settings
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from ldnclinic.website.hours import schema_hours


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _address(location) -> dict:
    return {
        "@type": "PostalAddress",
        "streetAddress": ", ".join(
            p for p in (location.address_line1, location.address_line2) if p
        ),
        "addressLocality": location.city,
        "addressRegion": location.region,
        "postalCode": location.postal_code,
        "addressCountry": location.country,
    }


def clinic_data(clinic, locations, branding) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": clinic.name,
        "url": absolute("/"),
    }
    phone = clinic.phone or next((loc.phone for loc in locations if loc.phone), "")
    if phone:
        data["telephone"] = phone
    if clinic.email:
        data["email"] = clinic.email
    if locations:
        data["address"] = [_address(loc) for loc in locations]
    hours = schema_hours(branding.opening_hours) if branding else []
    if hours:
        data["openingHours"] = hours
    return data


def web_page_data(*, name, description, path, reviewed, about=None, clinic=None) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": name,
        "description": description,
        "url": absolute(path),
        "lastReviewed": reviewed.isoformat(),
        "medicalAudience": {"@type": "MedicalAudience", "audienceType": "Patient"},
    }
    if about:
        data["about"] = {"@type": "MedicalCondition", "name": about}
    if clinic is not None:
        data["publisher"] = {"@type": "MedicalClinic", "name": clinic.name}
    return data


def json_ld(data: dict) -> str:
    """A <script type="application/ld+json"> block; json_script escapes <, > and & so the
    data cannot close the tag."""
    tag = json_script(data).replace(
        '<script type="application/json">', '<script type="application/ld+json">', 1
    )
    return mark_safe(tag)  # noqa: S308 (json_script escaped the data)
