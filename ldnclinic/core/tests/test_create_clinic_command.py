import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from ldnclinic.accounts.models import Clinic, Membership, Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent

ARGS = [
    "--name",
    "Harbour Skin Clinic",
    "--slug",
    "harbour",
    "--time-zone",
    "Europe/London",
    "--admin-email",
    "Owner@Harbour.example",
    "--admin-name",
    "Ana Ruiz",
]


def test_it_creates_the_clinic_and_invites_its_admin(db, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_clinic", *ARGS, stdout=out)
    clinic = Clinic.objects.get(slug="harbour")
    assert clinic.time_zone == "Europe/London"
    membership = Membership.objects.get(clinic=clinic)
    assert membership.role == Role.ADMIN
    assert membership.user.email == "owner@harbour.example"
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert "/password-reset/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(code=Event.CLINIC_CREATED, clinic=clinic).exists()
    assert AuditEvent.objects.filter(code=Event.STAFF_ADDED, clinic=clinic).exists()
    assert "invited owner@harbour.example" in out.getvalue()


def test_it_refuses_an_unknown_time_zone(db):
    args = [*ARGS]
    args[args.index("Europe/London")] = "Mars/Olympus"
    with pytest.raises(CommandError, match="time_zone"):
        call_command("create_clinic", *args, stdout=io.StringIO())
    assert not Clinic.objects.exists()


def test_it_refuses_a_slug_that_is_taken(db):
    call_command("create_clinic", *ARGS, stdout=io.StringIO())
    with pytest.raises(CommandError, match="slug"):
        call_command("create_clinic", *ARGS, stdout=io.StringIO())
    assert Clinic.objects.count() == 1
