"""Shared set-up for the plans tests: a protocol, a clear (or blocking) safety screen, a
draft plan. Import the fixtures you use into the test module."""

import datetime

import pytest

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.log import Actor
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.plans import actions
from ldnclinic.plans.params import default_params
from ldnclinic.protocols.library import get_protocol_version

START = datetime.date(2026, 3, 2)  # a Monday
NOW = datetime.datetime(2026, 3, 9, 15, 0, tzinfo=datetime.UTC)  # 10:00 in New York
# The intake answers with nothing that blocks LDN (no opioid).
CLEAR = {
    **COMPLETE,
    "current_medications": "vitamin D",
    "opioid_use": "no",
    "opioid_name": "",
    "opioid_last_dose_days": "",
    "opioid_long_acting": "",
}


@pytest.fixture
def actor(users):
    return Actor(user=users["clinician"], ip=None, via="test")


@pytest.fixture
def lead(users):
    return Membership.objects.get(user=users["clinician"])


@pytest.fixture
def psoriasis(clinic):
    return get_protocol_version(clinic, "psoriasis-ldn")


@pytest.fixture
def dermatitis(clinic):
    return get_protocol_version(clinic, "atopic-dermatitis-ldn")


def liquid_params(protocol_version, *, scheme="low-and-slow", start=START, **changes):
    params = default_params(protocol_version.data, start_date=start, scheme_code=scheme)
    params["formulation"] = {"type": "liquid", "concentration_mg_per_ml": "1", "preserved": False}
    params.update(changes)
    return params


def screen_clear(patient, actor):
    intake_actions.do_edit_intake(actor, patient, CLEAR)


def screen_blocked(patient, actor):
    """An intake naming a current opioid: a contraindication without an override."""
    intake_actions.do_edit_intake(actor, patient, COMPLETE)


def make_plan(actor, patient, protocol_version, lead=None, **changes):
    return actions.do_create_plan(
        actor,
        patient,
        protocol_version=protocol_version,
        condition=None,
        params=liquid_params(protocol_version, **changes),
        clinician=lead,
    )


@pytest.fixture
def draft(actor, patient_a, psoriasis, lead):
    return make_plan(actor, patient_a, psoriasis, lead)


@pytest.fixture
def active(actor, patient_a, draft):
    screen_clear(patient_a, actor)
    return actions.do_activate_plan(actor, draft)
