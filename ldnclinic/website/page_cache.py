"""Public pages served from the cache until what they show changes.

The key holds the path, the query, the public clinic (as configured: the setting's slug,
so that a hit costs two cache reads and no other query) and public_cache.version(); every
action that changes what the site shows bumps that version, so nothing is ever deleted by
hand. A page rendered with no clinic at all is not stored: creating the first clinic
bumps nothing. Only anonymous GETs are cached (signed-in users see a "go to your workspace" link
and get fresh pages), and a response is stored only if it is the same for every visitor:
no cookie set, no CSRF token used, no flash message shown.

Only pages a visitor can reach by following links are stored: 200 responses to requests with
no query string. Anything else (a made-up query or slug) is rendered afresh, so a client
cannot fill the shared cache, which also holds the rate-limit counters, with variants."""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse

from ldnclinic.core import public_cache
from ldnclinic.website.public import public_clinic

TIMEOUT = 60 * 60 * 24
CACHEABLE_STATUS = (200,)
PREFIX = "public-page:"


def _key(request) -> str:
    parts = [
        request.path,
        request.META.get("QUERY_STRING", ""),
        getattr(settings, "PUBLIC_CLINIC_SLUG", ""),
        str(public_cache.version()),
        "hx" if request.headers.get("HX-Request") else "",
    ]
    return PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _shareable(request, response, clinic) -> bool:
    return (
        clinic is not None
        and response.status_code in CACHEABLE_STATUS
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _has_messages(request) -> bool:
    return len(get_messages(request)) > 0


def public_page(view):
    """View decorator; the view is called as view(request, clinic, **kwargs)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or request.META.get("QUERY_STRING")
            or request.user.is_authenticated
            or _has_messages(request)
        ):
            return view(request, public_clinic(), *args, **kwargs)
        key = _key(request)
        hit = cache.get(key)
        if hit is not None:
            status, content_type, content = hit
            response = HttpResponse(content, status=status, content_type=content_type)
            response["X-Public-Cache"] = "hit"
            return response
        clinic = public_clinic()
        response = view(request, clinic, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        if _shareable(request, response, clinic):
            cache.set(
                key, (response.status_code, response["Content-Type"], response.content), TIMEOUT
            )
            response["X-Public-Cache"] = "miss"
        return response

    return wrapper
