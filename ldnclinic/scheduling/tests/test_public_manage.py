"""The manage link from the confirmation email: view, move, cancel, and dead links."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling.actions import do_book_appointment
from ldnclinic.scheduling.links import manage_token
from ldnclinic.scheduling.models import Appointment, AppointmentStatus, Service
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
STAFF = Actor(user=None, ip="10.0.0.1", via="test")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    clinic.phone = "+1 555 0100"
    clinic.save()
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


@pytest.fixture
def appointment(service, clinic):
    patient = make_patient(clinic, email="nora@example.test")
    booked, _ = do_book_appointment(STAFF, patient=patient, service=service, start=MONDAY_9)
    return booked


def manage_url(appointment):
    return f"/booking/{manage_token(appointment)}/"


def test_the_link_shows_the_appointment_and_audits_the_read(appointment):
    response = Client(REMOTE_ADDR="203.0.113.7").get(manage_url(appointment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Monday 30 November 2026, 09:00–09:30 EST (New York time)" in html
    assert "Choose another time" in html and "Cancel the appointment" in html
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_VIEWED)
    assert (event.actor, event.via, event.source_ip) == (None, "link", "203.0.113.7")
    assert event.patient == appointment.patient
    assert event.payload == {"page": "manage"}


def test_a_signed_in_user_opening_the_link_is_still_audited_as_the_link(appointment, client_for):
    client_for("clinician").get(manage_url(appointment))
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_VIEWED)
    assert event.actor is None and event.via == "link"


@pytest.mark.parametrize("token", ["garbled", "eyJhIjoxfQ:1xW:bad-signature", "a" * 300])
def test_a_garbled_link_is_a_friendly_404(appointment, client, token):
    for suffix in ("", "move/", "cancel/", "booked/", "calendar.ics"):
        response = client.get(f"/booking/{token}/{suffix}")
        assert response.status_code == 404
        assert "copied whole" in response.content.decode()
    assert client.post(f"/booking/{token}/cancel/").status_code == 404
    assert not AuditEvent.objects.filter(code=Event.APPOINTMENT_VIEWED).exists()


def test_a_replaced_link_is_410(appointment, client, django_capture_on_commit_callbacks):
    old = manage_url(appointment)
    new_start = "2026-11-30T15:00:00Z"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{old}move/", {"start": new_start, "practitioner": "any"})
    assert response.status_code == 302
    for suffix in ("", "move/", "cancel/"):
        gone = client.get(f"{old}{suffix}")
        assert gone.status_code == 410
        assert "This link was replaced" in gone.content.decode()
    assert client.post(f"{old}cancel/").status_code == 410
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_link_after_the_start_has_expired(appointment, client):
    url = manage_url(appointment)
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=1), tick=False):
        response = client.get(url)
    assert response.status_code == 410
    assert "already started" in response.content.decode()


def test_a_link_older_than_its_lifetime_has_expired(service, clinic, client):
    patient = make_patient(clinic, email="far@example.test")
    far_ahead = dt.datetime(2028, 3, 6, 14, 0, tzinfo=dt.UTC)
    service.horizon_days = 730
    service.save()
    appointment, _ = do_book_appointment(STAFF, patient=patient, service=service, start=far_ahead)
    url = manage_url(appointment)
    with time_machine.travel(NOW + dt.timedelta(days=401), tick=False):
        response = client.get(url)
    assert response.status_code == 410
    assert "This link has expired." in response.content.decode()


def test_moving_through_the_link(appointment, client, django_capture_on_commit_callbacks):
    url = manage_url(appointment)
    page = client.get(f"{url}move/").content.decode()
    assert "30 November – 6 December 2026" in page
    # The appointment's own time stays offered: it may be kept by choosing it again.
    first = re.findall(r'class="slot" href="([^"]+)"', page)[0].replace("&amp;", "&")
    assert "start=2026-11-30T14%3A00%3A00Z" in first
    confirm = client.get(f"{url}move/?start=2026-12-01T15:00:00Z").content.decode()
    assert "Move to Tuesday 1 December 2026, 10:00–10:30 EST" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{url}move/", {"start": "2026-12-01T15:00:00Z", "practitioner": "any"}
        )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
    assert response["Location"] == manage_url(appointment)
    moved = client.get(response["Location"]).content.decode()
    assert "Your appointment has moved" in moved and "Tuesday 1 December 2026" in moved
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_RESCHEDULED)
    assert (event.actor, event.via) == (None, "link")
    (message,) = mail.outbox[-1:]
    assert message.subject.startswith("Moved: Consultation")
    assert manage_url(appointment) in message.body


def test_moving_to_a_taken_time_is_refused(appointment, service, clinic, client):
    other = make_patient(clinic, given_name="Other")
    do_book_appointment(
        STAFF, patient=other, service=service, start=MONDAY_9 + dt.timedelta(hours=1)
    )
    url = manage_url(appointment)
    response = client.post(f"{url}move/", {"start": "2026-11-30T15:00:00Z"})
    assert response.status_code == 409
    assert "just been taken" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == MONDAY_9


def test_moving_to_a_time_not_offered_is_refused(appointment, client):
    url = manage_url(appointment)
    response = client.post(f"{url}move/", {"start": "2026-11-30T20:00:00Z"})
    assert response.status_code == 400
    assert "not offered" in response.content.decode()
    assert client.post(f"{url}move/", {"start": ""}).status_code == 400


def test_inside_the_window_moving_means_calling_but_cancelling_is_late(
    appointment, client, django_capture_on_commit_callbacks
):
    url = manage_url(appointment)
    with time_machine.travel(MONDAY_9 - dt.timedelta(hours=20), tick=False):
        page = client.get(url).content.decode()
        assert "call +1 555 0100" in page
        assert "recorded as a late cancellation" in page
        assert "Choose another time" not in page
        refused = client.post(f"{url}move/", {"start": "2026-11-30T15:00:00Z"})
        assert refused.status_code == 400
        assert "call +1 555 0100" in refused.content.decode()
        cancel_page = client.get(f"{url}cancel/").content.decode()
        assert "late cancellation" in cancel_page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{url}cancel/")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancelled_late is True
    assert mail.outbox[-1].subject.startswith("Cancelled:")


def test_cancelling_in_good_time_is_not_late(appointment, client):
    url = manage_url(appointment)
    response = client.post(f"{url}cancel/")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancelled_late is False
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_CANCELLED)
    assert (event.actor, event.via, event.payload["late"]) == (None, "link", False)
    page = client.get(response["Location"]).content.decode()
    assert "This appointment is cancelled" in page
    assert "/book/clinic-x/" in page
    # Cancelling twice through the new link is refused, not an error.
    again = client.post(f"{response['Location']}cancel/")
    assert again.status_code == 400
    assert "can no longer be changed online" in again.content.decode()


def test_a_service_not_offered_online_can_be_cancelled_but_not_moved(appointment, client):
    Service.objects.filter(pk=appointment.service_id).update(online_bookable=False)
    url = manage_url(appointment)
    page = client.get(url).content.decode()
    assert "To move this appointment, please contact +1 555 0100." in page
    assert "Choose another time" not in page
    refused = client.post(f"{url}move/", {"start": "2026-11-30T15:00:00Z"})
    assert refused.status_code == 400
    assert client.post(f"{url}cancel/").status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_the_calendar_file_downloads(appointment, client):
    response = client.get(f"{manage_url(appointment)}calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VEVENT" in response.content
    assert b"DTSTART:20261130T140000Z" in response.content


def test_the_confirmation_page(appointment, client):
    response = client.get(f"{manage_url(appointment)}booked/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are booked" in html and "Add to my calendar" in html
    assert Appointment.objects.count() == 1
