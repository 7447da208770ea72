"""Fixtures for the prescription tests (helpers in factories.py)."""

import pytest

from ldnclinic.audit.log import Actor
from ldnclinic.prescriptions.tests.factories import clear_screen, make_pharmacy, make_plan


@pytest.fixture
def actor(users):
    return Actor(user=users["clinician"], ip="127.0.0.1", via="test")


@pytest.fixture
def pharmacy(clinic):
    return make_pharmacy(clinic)


@pytest.fixture
def plan(patient_a):
    return make_plan(patient_a)


@pytest.fixture
def screened(patient_a, users):
    return clear_screen(patient_a, users["clinician"])
