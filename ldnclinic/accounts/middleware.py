import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from ldnclinic.accounts.access import current_membership, staff_memberships
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record

# Paths a half-logged-in user (password accepted, second factor pending) may reach.
_TWO_FACTOR_OPEN = ("/login", "/logout", "/account/2fa/", "/static/", "/healthz", "/api/")


def idle_limit_seconds(user):
    minutes = [m.clinic.staff_idle_minutes for m in staff_memberships(user)]
    if minutes:
        return 60 * min(minutes)
    if user.memberships.exists():
        return 60 * settings.STAFF_IDLE_MINUTES
    return 60 * settings.PATIENT_IDLE_MINUTES


class IdleTimeoutMiddleware:
    """Ends a session after a period without requests (per clinic for staff)."""

    SESSION_KEY = "last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.SESSION_KEY)
            if last_seen is not None and now - last_seen > idle_limit_seconds(user):
                record(Event.SESSION_EXPIRED, Actor.from_request(request))
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('login')}?next={request.path}")
            # Writing the session on every request costs a query; once a minute is enough.
            if last_seen is None or now - last_seen >= 60:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)


def needs_second_factor(request):
    """True when this session has not completed the second factor it owes."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    from django_otp import user_has_device

    if user_has_device(user, confirmed=True):
        return True
    return any(m.clinic.require_staff_2fa for m in staff_memberships(user))


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if needs_second_factor(request) and not request.path.startswith(_TWO_FACTOR_OPEN):
            from django_otp import user_has_device

            if user_has_device(request.user, confirmed=True):
                return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
            return redirect("two_factor_setup")
        current_membership(request)
        return self.get_response(request)
