import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnclinic.settings")
application = get_wsgi_application()


def _refuse_unsafe_production():
    # gunicorn does not run Django's system checks; run ours so production never
    # starts with DEBUG, the default secret key or an empty ALLOWED_HOSTS.
    from django.core.exceptions import ImproperlyConfigured

    from ldnclinic.core.checks import check_production_settings

    errors = check_production_settings(None)
    if errors:
        raise ImproperlyConfigured("; ".join(error.msg for error in errors))


_refuse_unsafe_production()
