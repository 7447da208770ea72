import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from ldnclinic.accounts.access import current_membership, request_memberships
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import record_security_event

# Paths a half-logged-in user (password accepted, second factor pending) may reach. Not
# the rest of /account/2fa/: turning two-factor off there needs only the password.
# The API answers for itself: its session auth refuses an unverified session.
_TWO_FACTOR_OPEN = (
    "/login/",
    "/logout/",
    "/account/2fa/setup/",
    "/static/",
    "/healthz",
    "/api/",
)


def two_factor_verify_url(next_url):
    """The code page, then on to `next_url` (query string and all)."""
    query = QueryDict(mutable=True)
    query["next"] = next_url
    return f"{reverse('two_factor_verify')}?{query.urlencode(safe='/')}"


def idle_limit_seconds(request):
    minutes = [m.clinic.staff_idle_minutes for m in request_memberships(request)]
    if minutes:
        return 60 * min(minutes)
    if request.user.memberships.exists():
        return 60 * settings.STAFF_IDLE_MINUTES
    return 60 * settings.PATIENT_IDLE_MINUTES


class IdleTimeoutMiddleware:
    """Ends a session after a period without requests (per clinic for staff).

    Runs before MessageMiddleware, so it cannot add a message: it leaves a flag in the
    new anonymous session and the login page turns that into the notice."""

    SESSION_KEY = "last_seen"
    NOTICE_KEY = "signed_out_idle"
    # Writing the session on every request costs a query; once a minute is enough. The
    # last activity is then up to this much later than `last_seen`, so the limit is
    # measured with that slack: a session never ends before its idle minutes are up.
    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.SESSION_KEY)
            limit = idle_limit_seconds(request) + self.REFRESH_SECONDS
            if last_seen is not None and now - last_seen >= limit:
                record_security_event(request, Event.SESSION_EXPIRED)
                logout(request)
                request.session[self.NOTICE_KEY] = True
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
            if last_seen is None or now - last_seen >= self.REFRESH_SECONDS:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)


def needs_second_factor(request):
    """True when this session has not completed the second factor it owes."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    if any(m.clinic.require_staff_2fa for m in request_memberships(request)):
        return True
    return user_has_device(user, confirmed=True)


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if needs_second_factor(request) and not request.path.startswith(_TWO_FACTOR_OPEN):
            if user_has_device(request.user, confirmed=True):
                return redirect(two_factor_verify_url(request.get_full_path()))
            return redirect("two_factor_setup")
        current_membership(request)
        return self.get_response(request)
