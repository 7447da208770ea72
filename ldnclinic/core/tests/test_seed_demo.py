import io

import pytest
from django.core.management import CommandError, call_command

from ldnclinic.accounts.models import Clinic, Membership, Role, User
from ldnclinic.core.management.commands.seed_demo import DEMO_PASSWORD, demo_logins
from ldnclinic.patients.models import Patient


def test_it_builds_the_demo_clinics_and_logins(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    demo = Clinic.objects.get(name="Demo Skin & Wellness Clinic")
    assert demo.time_zone == "America/New_York"
    assert Clinic.objects.filter(name="Other Clinic").exists()
    for email in demo_logins():
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    assert Membership.objects.get(user__email="admin@demo.ldnclinic.test").role == Role.ADMIN
    assert Patient.objects.get(user__email="patient@demo.ldnclinic.test").clinic == demo
    assert Patient.objects.filter(clinic=demo).count() >= 30


def test_it_is_idempotent(db):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (User.objects.count(), Patient.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (User.objects.count(), Patient.objects.count(), Membership.objects.count()) == counts


def test_it_refuses_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not Clinic.objects.exists()
