"""Helpers for the audit tests; the personas and clinics are in ldnclinic/conftest.py."""

import pytest
import time_machine

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record


@pytest.fixture
def event_at():
    """event_at(when, clinic=..., ...) -> an AuditEvent recorded at that moment."""

    def make(when, *, clinic=None, code=Event.PATIENT_VIEWED, user=None, patient=None, **payload):
        with time_machine.travel(when, tick=False):
            return record(
                code,
                Actor(user, "192.0.2.1", "web"),
                clinic=clinic,
                patient=patient,
                subject=patient,
                **payload,
            )

    return make
