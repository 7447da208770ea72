"""Which clinic the public site speaks for."""

from django.conf import settings

from ldnclinic.accounts.models import Clinic


def public_clinic() -> Clinic | None:
    """The clinic named by settings.PUBLIC_CLINIC_SLUG (env LDN_PUBLIC_CLINIC), else the
    first clinic created; None before any clinic exists. A slug that matches nothing falls
    back too, so a typo in the setting shows a clinic rather than an error."""
    slug = getattr(settings, "PUBLIC_CLINIC_SLUG", "")
    if slug:
        clinic = Clinic.objects.filter(slug=slug).first()
        if clinic is not None:
            return clinic
    return Clinic.objects.order_by("pk").first()
