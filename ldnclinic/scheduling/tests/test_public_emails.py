"""Confirmation, rescheduled and cancelled emails: .ics, manage link, nothing clinical."""

import datetime as dt

import icalendar
import pytest
import time_machine
from django.core import mail
from django.db import transaction

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling.actions import (
    do_book_appointment,
    do_cancel_appointment,
    do_reschedule_appointment,
)
from ldnclinic.scheduling.links import LinkExpired, appointment_for_token
from ldnclinic.scheduling.notify import send_appointment_email
from ldnclinic.scheduling.public import PatientDetails, do_public_booking
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
STAFF = Actor(user=None, ip="10.0.0.1", via="test")
REASON = "Weeping plaques on both elbows since March"
CLINICAL_WORDS = ("psoriasis", "condition", "weeping", "elbows", "naltrexone", "reason")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    clinic.phone = "+1 555 0100"
    clinic.email = "desk@clinic-x.test"
    clinic.save()
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


@pytest.fixture
def booked(service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment, _ = do_public_booking(
            STAFF,
            service=service,
            start=MONDAY_9,
            details=PatientDetails(
                "Nora", "Quinn", "nora@example.test", "+1 555 0101", dt.date(1985, 3, 4)
            ),
            condition="psoriasis",
            reason=REASON,
        )
    return appointment


def texts(message):
    html = message.alternatives[0][0]
    return [message.subject, message.body, html]


def calendar_of(message):
    ((name, content, mimetype),) = message.attachments
    assert name == "appointment.ics"
    return icalendar.Calendar.from_ical(content), mimetype


def manage_url_in(text):
    return next(word for word in text.split() if "/booking/" in word)


def test_the_confirmation_has_the_ics_and_the_manage_link(booked):
    (message,) = mail.outbox
    assert message.to == ["nora@example.test"]
    assert message.reply_to == ["desk@clinic-x.test"]
    assert message.subject == "Booked: Consultation on Mon 30 Nov 09:00 EST — Clinic X"
    assert "Monday 30 November 2026, 09:00–09:30 EST (New York time)" in message.body
    assert "+1 555 0100" in message.body and "desk@clinic-x.test" in message.body
    html = message.alternatives[0]
    assert html[1] == "text/html"
    link = manage_url_in(message.body)
    assert link.startswith("http://127.0.0.1:8000/booking/")
    assert f'href="{link}"' in html[0]
    assert appointment_for_token(link.rstrip("/").rsplit("/", 1)[1]) == booked
    calendar, mimetype = calendar_of(message)
    assert mimetype.startswith("text/calendar; method=PUBLISH")
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == MONDAY_9
    assert str(event["status"]) == "CONFIRMED"
    assert link in str(event["description"]).replace("\n", "")


def test_no_clinical_detail_in_any_part(booked):
    (message,) = mail.outbox
    calendar, _ = calendar_of(message)
    parts = [*texts(message), calendar.to_ical().decode()]
    for part in parts:
        lowered = part.lower()
        for word in CLINICAL_WORDS:
            assert word not in lowered, (word, part[:200])
        assert "Nora" not in part and "Quinn" not in part


def test_the_email_is_audited_without_the_address(booked):
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_EMAIL_SENT)
    assert event.payload == {"kind": "confirmation"}
    assert event.patient == booked.patient
    assert event.subject_id == str(booked.pk)
    assert "nora@example.test" not in str(event.payload)


def test_a_rescheduled_email_carries_a_new_link_and_the_old_one_dies(
    booked, django_capture_on_commit_callbacks
):
    old_link = manage_url_in(mail.outbox[0].body)
    with django_capture_on_commit_callbacks(execute=True):
        do_reschedule_appointment(STAFF, booked, start=MONDAY_9 + dt.timedelta(hours=1))
    message = mail.outbox[1]
    assert message.subject == "Moved: Consultation now on Mon 30 Nov 10:00 EST — Clinic X"
    assert "from Mon 30 Nov 09:00 EST" in message.body
    new_link = manage_url_in(message.body)
    assert new_link != old_link
    assert appointment_for_token(new_link.rstrip("/").rsplit("/", 1)[1]) == booked
    with pytest.raises(LinkExpired, match="replaced"):
        appointment_for_token(old_link.rstrip("/").rsplit("/", 1)[1])
    (event,) = calendar_of(message)[0].walk("VEVENT")
    assert event.decoded("dtstart") == MONDAY_9 + dt.timedelta(hours=1)
    assert event["uid"] == calendar_of(mail.outbox[0])[0].walk("VEVENT")[0]["uid"]


def test_a_cancelled_email_cancels_the_calendar_event(booked, django_capture_on_commit_callbacks):
    old_link = manage_url_in(mail.outbox[0].body)
    with django_capture_on_commit_callbacks(execute=True):
        do_cancel_appointment(STAFF, booked)
    message = mail.outbox[1]
    assert message.subject.startswith("Cancelled: Consultation on Mon 30 Nov 09:00 EST")
    assert "/booking/" not in message.body
    assert "http://127.0.0.1:8000/book/clinic-x/" in message.body
    calendar, mimetype = calendar_of(message)
    assert mimetype.startswith("text/calendar; method=CANCEL")
    assert str(calendar["method"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["status"]) == "CANCELLED"
    with pytest.raises(LinkExpired):
        appointment_for_token(old_link.rstrip("/").rsplit("/", 1)[1])
    kinds = [
        e.payload["kind"] for e in AuditEvent.objects.filter(code=Event.APPOINTMENT_EMAIL_SENT)
    ]
    assert sorted(kinds) == ["cancelled", "confirmation"]


def test_staff_bookings_email_too_and_patients_without_email_get_none(
    service, clinic, django_capture_on_commit_callbacks
):
    with_email = make_patient(clinic, email="pat@example.test")
    without = make_patient(clinic, given_name="Nomail")
    with django_capture_on_commit_callbacks(execute=True):
        do_book_appointment(STAFF, patient=with_email, service=service, start=MONDAY_9)
        do_book_appointment(
            STAFF, patient=without, service=service, start=MONDAY_9 + dt.timedelta(hours=1)
        )
    assert [m.to for m in mail.outbox] == [["pat@example.test"]]


def test_nothing_is_sent_when_the_booking_rolls_back(
    service, clinic, django_capture_on_commit_callbacks
):
    patient = make_patient(clinic, email="pat@example.test")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        do_book_appointment(STAFF, patient=patient, service=service, start=MONDAY_9)
        raise RuntimeError("later step failed")
    assert callbacks == []
    assert mail.outbox == []


def test_the_helper_takes_other_templates(booked):
    mail.outbox.clear()
    sent = send_appointment_email(
        booked,
        "confirmation",
        subject="Again: {service} on {short_when}",
        extra_context={"window_hours": 48},
        attach_ics=False,
    )
    assert sent
    (message,) = mail.outbox
    assert message.subject == "Again: Consultation on Mon 30 Nov 09:00 EST"
    assert "48 hours before" in message.body
    assert message.attachments == []
