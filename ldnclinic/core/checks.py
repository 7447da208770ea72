"""System checks that refuse to run production with development settings."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def check_production_settings(app_configs, **kwargs):
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []
    if settings.DEBUG:
        errors.append(Error("DEBUG is on in production.", hint="Unset DEBUG.", id="ldnclinic.E001"))
    if settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        errors.append(
            Error(
                "SECRET_KEY is the development default or shorter than 50 characters.",
                hint="Set SECRET_KEY to a long random value.",
                id="ldnclinic.E002",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS is empty in production.",
                hint="Set ALLOWED_HOSTS to the clinic's host names, comma-separated.",
                id="ldnclinic.E003",
            )
        )
    return errors
