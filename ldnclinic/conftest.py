"""Shared fixtures: two clinics and the named personas every access test uses."""

import datetime

import pytest
from django.test import Client

from ldnclinic.accounts.models import Clinic, Location, Membership, Role, User
from ldnclinic.audit.log import Actor
from ldnclinic.core import sms
from ldnclinic.patients.actions import do_create_patient

PASSWORD = "correct horse battery staple"
PERSONAS = ("admin", "clinician", "frontdesk", "patient", "patient2", "other_staff", "anonymous")


@pytest.fixture(autouse=True)
def _fast_hashing(settings, tmp_path):
    # Argon2 is the real hasher (asserted in test_passwords); tests use a fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "ldnclinic.core.sms.LocmemBackend"
    sms.outbox.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Each test writes its clinical photos into its own directory.
    settings.PHOTO_ROOT = tmp_path / "photos"


@pytest.fixture
def clinic(db):
    clinic = Clinic.objects.create(
        name="Clinic X", slug="clinic-x", time_zone="America/New_York", mrn_prefix="X"
    )
    Location.objects.create(clinic=clinic, name="Main", city="Brooklyn")
    return clinic


@pytest.fixture
def other_clinic(db):
    return Clinic.objects.create(
        name="Clinic Y", slug="clinic-y", time_zone="Europe/London", mrn_prefix="Y"
    )


def make_user(email, clinic=None, role=None):
    user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0].title())
    if clinic is not None:
        Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


def make_patient(clinic, user=None, **values):
    defaults = {
        "given_name": "Pat",
        "family_name": "Example",
        "date_of_birth": datetime.date(1980, 5, 17),
    }
    defaults.update(values)
    patient = do_create_patient(Actor.system(via="test"), clinic, **defaults)
    if user is not None:
        patient.user = user
        patient.save(update_fields=["user"])
    return patient


@pytest.fixture
def users(clinic, other_clinic):
    return {
        "admin": make_user("admin@x.test", clinic, Role.ADMIN),
        "clinician": make_user("clinician@x.test", clinic, Role.CLINICIAN),
        "frontdesk": make_user("frontdesk@x.test", clinic, Role.FRONT_DESK),
        "patient": make_user("patient@x.test"),
        "patient2": make_user("patient2@x.test"),
        "other_staff": make_user("admin@y.test", other_clinic, Role.ADMIN),
    }


@pytest.fixture
def patient_a(clinic, users):
    return make_patient(
        clinic,
        users["patient"],
        given_name="Alice",
        family_name="Adams",
        email="patient@x.test",
    )


@pytest.fixture
def patient_b(clinic, users):
    return make_patient(
        clinic,
        users["patient2"],
        given_name="Bob",
        family_name="Brown",
        email="patient2@x.test",
    )


@pytest.fixture
def patient_y(other_clinic):
    return make_patient(other_clinic, given_name="Yara", family_name="Young")


@pytest.fixture
def client_for(users):
    """client_for("clinician") -> a Client signed in as that persona."""

    def make(persona):
        client = Client()
        if persona != "anonymous":
            client.force_login(users[persona], backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
