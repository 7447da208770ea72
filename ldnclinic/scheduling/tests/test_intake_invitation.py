"""The booking confirmation invites the patient to the intake while none is submitted."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from ldnclinic.accounts.models import User
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient, make_user
from ldnclinic.intake.actions import current_version
from ldnclinic.intake.models import IntakeResponse, IntakeStatus
from ldnclinic.scheduling.actions import do_book_appointment
from ldnclinic.scheduling.public import PatientDetails, do_portal_booking, do_public_booking
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
STAFF = Actor(user=None, ip="10.0.0.1", via="test")
WEB = Actor(user=None, ip="203.0.113.9", via="web")
SECTION = "Before your visit: fill in your health questions and sign the consents"
INTAKE_URL = "http://127.0.0.1:8000/portal/intake/"
CONSENTS_URL = "http://127.0.0.1:8000/portal/consents/"
CLINICAL_WORDS = ("psoriasis", "condition", "naltrexone", "opioid", "reason", "diagnos")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def booked_online(book, service):
    appointment, _ = book(
        do_public_booking,
        WEB,
        service=service,
        start=MONDAY_9,
        details=PatientDetails(
            "Nora", "Quinn", "nora@example.test", "+1 555 0101", dt.date(1985, 3, 4)
        ),
        condition="psoriasis",
    )
    return appointment


def set_password_link(text):
    return re.search(r"http://127\.0\.0\.1:8000(/\S*password-reset/\S+/)", text).group(1)


def submit_intake(patient):
    IntakeResponse.objects.create(
        patient=patient,
        version=current_version(patient.clinic),
        status=IntakeStatus.SUBMITTED,
        submitted_at=NOW,
    )


def test_an_online_booking_invites_a_new_patient_to_the_intake(booked_online):
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert SECTION in message.body and SECTION in html
    assert INTAKE_URL in message.body and f'href="{INTAKE_URL}"' in html
    assert CONSENTS_URL in message.body and f'href="{CONSENTS_URL}"' in html
    link = set_password_link(message.body)
    assert f'href="http://127.0.0.1:8000{link}"' in html
    booked_online.patient.refresh_from_db()
    user = booked_online.patient.user
    assert user.email == "nora@example.test" and not user.has_usable_password()


def test_the_invitation_says_nothing_clinical(booked_online):
    (message,) = mail.outbox
    for part in (message.subject, message.body, message.alternatives[0][0]):
        lowered = part.lower()
        for word in CLINICAL_WORDS:
            assert word not in lowered, word
        assert "Nora" not in part and "Quinn" not in part


def test_the_portal_login_is_audited(booked_online):
    event = AuditEvent.objects.get(code=Event.PATIENT_PORTAL_INVITED)
    assert event.patient == booked_online.patient
    assert event.payload == {"email": "nora@example.test", "new_login": True}
    assert event.via == "booking"


def test_the_links_set_a_password_and_land_on_the_intake(booked_online):
    (message,) = mail.outbox
    client = Client()
    form = client.get(set_password_link(message.body), follow=True)
    assert form.status_code == 200 and b"Choose a new password" in form.content
    saved = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long new password 42", "new_password2": "a long new password 42"},
        follow=True,
    )
    assert b"Password saved" in saved.content
    intake = client.get("/portal/intake/")
    assert intake.status_code == 302 and intake.url.startswith("/login/")
    assert "next=/portal/intake/" in intake.url
    page = client.post(
        intake.url,
        {"email": "nora@example.test", "password": "a long new password 42"},
        follow=True,
    )
    patient = booked_online.patient
    assert page.redirect_chain[-1][0] == f"/portal/intake/{patient.pk}/"
    assert page.status_code == 200
    assert client.get("/portal/consents/").status_code == 200


def test_a_patient_with_a_login_gets_the_direct_link(book, service, patient_a):
    book(do_portal_booking, WEB, patient=patient_a, service=service, start=MONDAY_9)
    (message,) = mail.outbox
    assert SECTION in message.body and INTAKE_URL in message.body
    assert "password-reset/" not in message.body
    assert not AuditEvent.objects.filter(code=Event.PATIENT_PORTAL_INVITED).exists()


def test_a_staff_booking_of_a_patient_with_a_submitted_intake_has_no_invitation(
    book, service, patient_a
):
    submit_intake(patient_a)
    book(do_book_appointment, STAFF, patient=patient_a, service=service, start=MONDAY_9)
    (message,) = mail.outbox
    assert SECTION not in message.body and SECTION not in message.alternatives[0][0]
    assert "/portal/intake/" not in message.body


def test_a_draft_intake_still_gets_the_invitation(book, service, patient_a):
    IntakeResponse.objects.create(patient=patient_a, version=current_version(patient_a.clinic))
    book(do_book_appointment, STAFF, patient=patient_a, service=service, start=MONDAY_9)
    (message,) = mail.outbox
    assert SECTION in message.body


def test_a_staff_booking_makes_no_login(book, service, clinic):
    patient = make_patient(clinic, email="walkin@example.test")
    book(do_book_appointment, STAFF, patient=patient, service=service, start=MONDAY_9)
    (message,) = mail.outbox
    assert SECTION not in message.body
    patient.refresh_from_db()
    assert patient.user is None and not User.objects.filter(email="walkin@example.test")


def test_an_existing_login_elsewhere_is_linked_without_a_password_link(book, service):
    make_user("nora@example.test")
    appointment, _ = book(
        do_public_booking,
        WEB,
        service=service,
        start=MONDAY_9,
        details=PatientDetails(
            "Nora", "Quinn", "nora@example.test", "+1 555 0101", dt.date(1985, 3, 4)
        ),
    )
    (message,) = mail.outbox
    assert INTAKE_URL in message.body and "password-reset/" not in message.body
    appointment.patient.refresh_from_db()
    assert appointment.patient.user.email == "nora@example.test"


def test_a_login_held_by_another_patient_here_is_not_taken(book, service, clinic, patient_a):
    make_patient(clinic, given_name="Other", family_name="Person", email="shared@example.test")
    shared = make_user("shared@example.test")
    patient_a.user = shared
    patient_a.save(update_fields=["user"])
    target = make_patient(clinic, given_name="Sam", family_name="Shared")
    target.email = "shared@example.test"
    target.save(update_fields=["email"])
    appointment, _ = book(
        do_book_appointment,
        WEB,
        patient=target,
        service=service,
        start=MONDAY_9,
        source="online",
    )
    (message,) = mail.outbox
    assert SECTION not in message.body
    target.refresh_from_db()
    assert target.user is None
