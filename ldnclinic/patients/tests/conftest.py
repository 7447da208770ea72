"""Helpers for the patient tests; the personas and clinics are in ldnclinic/conftest.py."""

import pytest
from django.test import Client

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.models import Patient

VALID = {"given_name": "Nora", "family_name": "New", "date_of_birth": "1990-02-03"}


@pytest.fixture
def bearer(users, clinic):
    """bearer("clinician") -> a Client that sends that persona's new API token."""

    def make(persona, *, read_only=False, token_clinic=clinic):
        _, raw = do_create_api_token(
            Actor.system(), users[persona], name="test", clinic=token_clinic, read_only=read_only
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


@pytest.fixture
def counts():
    """counts() -> (patients, audit events): compare before and after a refused change."""

    def take():
        return Patient.objects.count(), AuditEvent.objects.count()

    return take
