"""Helpers for the account tests; the personas and clinics are in ldnclinic/conftest.py."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import PASSWORD

BACKUP_CODES = ("backup0001", "backup0002")


def sign_in(client, email, password=PASSWORD, **extra):
    """POST the login form the way a browser does."""
    return client.post(reverse("login"), {"email": email, "password": password}, **extra)


def events(code, **filters):
    return list(AuditEvent.objects.filter(code=int(code), **filters).order_by("id"))


def code_for(device, step_offset=0):
    """The TOTP code the user's phone shows now (or `step_offset` steps from now)."""
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + step_offset)
    return f"{token:0{device.digits}d}"


def without_csrf(html):
    """A page's HTML with its per-render CSRF values blanked, for comparing two pages."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


@pytest.fixture
def totp_device():
    """totp_device(user) -> a confirmed authenticator plus two backup codes."""

    def make(user):
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        backup = StaticDevice.objects.create(user=user, name="Backup codes")
        for code in BACKUP_CODES:
            backup.token_set.create(token=code)
        return device

    return make


@pytest.fixture
def verified_client_for(users):
    """verified_client_for("admin", device) -> a Client past both factors."""

    def make(persona, device):
        client = Client()
        client.force_login(users[persona], backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return make


@pytest.fixture
def bearer(users, clinic):
    """bearer("clinician") -> (a Client that sends a new token of that persona, the token)."""

    def make(persona, *, read_only=False, expires_at=None, token_clinic=clinic):
        token, raw = do_create_api_token(
            Actor.system(via="test"),
            users[persona],
            name="test",
            clinic=token_clinic,
            read_only=read_only,
            expires_at=expires_at,
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), token

    return make
