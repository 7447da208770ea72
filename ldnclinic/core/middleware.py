from django.conf import settings

# No inline script anywhere: htmx is vendored and configured through a <meta> tag.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Adds the Content Security Policy and keeps dynamic responses out of caches.

    Static files are answered by WhiteNoise before this middleware runs, so everything
    that reaches here is rendered per request and may carry patient data: no-store.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=()")
        return response
