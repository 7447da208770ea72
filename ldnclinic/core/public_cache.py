"""One version number for everything the public site shows. Public pages are cached under a
key that includes it; any change to what they show (a published page, branding, an evidence
entry) calls bump() inside its action, so the next request renders afresh."""

from django.core.cache import cache

KEY = "public-site-version"


def version() -> int:
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, 1, timeout=None)
        value = cache.get(KEY, 1)
    return value


def bump() -> None:
    try:
        cache.incr(KEY)
    except ValueError:
        cache.set(KEY, 2, timeout=None)
