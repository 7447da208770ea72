"""Booking from the patient portal: no details form, own appointments only."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling.actions import do_book_appointment
from ldnclinic.scheduling.models import Appointment, AppointmentStatus, BookingSource, Service
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
STAFF = Actor(user=None, ip="10.0.0.1", via="test")
PORTAL = "/portal/book/"
SLOTS = "/portal/book/clinic-x/consult/"
CONFIRM = "/portal/book/clinic-x/consult/confirm/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


@pytest.fixture
def booked_a(service, patient_a):
    appointment, _ = do_book_appointment(STAFF, patient=patient_a, service=service, start=MONDAY_9)
    return appointment


def test_the_portal_page_links_to_booking(client_for, patient_a):
    html = client_for("patient").get("/portal/").content.decode()
    assert 'href="/portal/book/"' in html and "Book an appointment" in html


def test_a_patient_sees_their_upcoming_appointments_and_the_services(
    client_for, booked_a, service, clinic
):
    Service.objects.create(
        clinic=clinic, name="New patient visit", slug="new", duration_minutes=45,
        new_patients_only=True,
    )  # fmt: skip
    response = client_for("patient").get(PORTAL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Monday 30 November 2026, 09:00–09:30 EST" in html
    assert f"/portal/appointments/{booked_a.pk}/move/" in html
    assert f"/portal/appointments/{booked_a.pk}/cancel/" in html
    assert 'href="/portal/book/clinic-x/consult/"' in html
    assert "New patient visit" not in html
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_LIST_VIEWED)
    assert event.payload["appointment_ids"] == [booked_a.pk]
    assert event.clinic_id == clinic.pk


def test_another_patient_sees_none_of_them(client_for, booked_a, patient_b):
    html = client_for("patient2").get(PORTAL).content.decode()
    assert "You have no upcoming appointments." in html
    assert f"/portal/appointments/{booked_a.pk}/" not in html


def test_patient_a_cannot_open_patient_bs_bookings(client_for, booked_a, patient_b):
    client = client_for("patient2")
    for suffix in ("move/", "cancel/"):
        url = f"/portal/appointments/{booked_a.pk}/{suffix}"
        assert client.get(url).status_code == 404
        assert client.post(url, {"start": "2026-11-30T15:00:00Z"}).status_code == 404
    booked_a.refresh_from_db()
    assert (booked_a.status, booked_a.start) == (AppointmentStatus.BOOKED, MONDAY_9)


def test_staff_and_other_clinics_use_the_calendar_not_the_portal(client_for, booked_a):
    for persona in ("clinician", "frontdesk", "other_staff"):
        client = client_for(persona)
        assert client.get(PORTAL).status_code == 404
        assert client.get(SLOTS).status_code == 404
        assert client.get(f"/portal/appointments/{booked_a.pk}/cancel/").status_code == 404
    response = client_for("anonymous").get(PORTAL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_patient_books_without_the_details_form(
    client_for, service, patient_a, django_capture_on_commit_callbacks
):
    client = client_for("patient")
    html = client.get(SLOTS).content.decode()
    first = re.findall(r'class="slot" href="([^"]+)"', html)[0].replace("&amp;", "&")
    assert first.startswith(CONFIRM + "?start=")
    confirm = client.get(f"{CONFIRM}?start=2026-11-30T14:00:00Z").content.decode()
    assert "Monday 30 November 2026, 09:00–09:30" in confirm
    assert 'name="email"' not in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{CONFIRM}?start=2026-11-30T14:00:00Z", {"condition": "acne", "reason": ""}
        )
    assert response.status_code == 302 and response["Location"] == PORTAL
    appointment = Appointment.objects.get()
    assert appointment.patient == patient_a
    assert appointment.source == BookingSource.PORTAL
    assert appointment.reason == "Condition of interest: Acne."
    assert mail.outbox[0].to == ["patient@x.test"]
    assert "Your appointment is booked." in client.get(PORTAL).content.decode()


def test_portal_booking_bad_inputs(client_for, service, patient_a, users, clinic):
    client = client_for("patient")
    assert client.get(CONFIRM).status_code == 400
    past = client.post(f"{CONFIRM}?start=2026-11-24T14:00:00Z", {})
    assert "That time is in the past." in past.content.decode()
    from ldnclinic.accounts.models import Membership

    admin = Membership.objects.get(user=users["admin"])
    wrong = client.post(f"{CONFIRM}?start=2026-11-30T14:00:00Z&practitioner={admin.pk}", {})
    assert "does not perform this service" in wrong.content.decode()
    other = make_patient(clinic, given_name="Other")
    do_book_appointment(STAFF, patient=other, service=service, start=MONDAY_9)
    taken = client.post(f"{CONFIRM}?start=2026-11-30T14:00:00Z", {})
    assert taken.status_code == 409
    assert "formaction=" in taken.content.decode()
    assert Appointment.objects.filter(patient=patient_a).count() == 0


def test_new_patient_services_are_refused_in_the_portal(client_for, service, patient_a):
    Service.objects.filter(pk=service.pk).update(new_patients_only=True)
    client = client_for("patient")
    html = client.get(SLOTS).content.decode()
    assert "is for new patients" in html
    assert 'class="slot"' not in html
    response = client.post(f"{CONFIRM}?start=2026-11-30T14:00:00Z", {})
    assert "new patients only" in response.content.decode()
    assert not Appointment.objects.exists()


def test_another_clinics_services_are_not_bookable_from_this_portal(
    client_for, service, patient_a, other_clinic
):
    Service.objects.create(clinic=other_clinic, name="Laser", slug="laser", duration_minutes=60)
    client = client_for("patient")
    assert client.get("/portal/book/clinic-y/laser/").status_code == 404
    assert client.get("/portal/book/clinic-x/laser/").status_code == 404


def test_moving_and_cancelling_from_the_portal(client_for, booked_a):
    client = client_for("patient")
    url = f"/portal/appointments/{booked_a.pk}/"
    assert "30 November – 6 December 2026" in client.get(f"{url}move/").content.decode()
    response = client.post(f"{url}move/", {"start": "2026-11-30T15:00:00Z"})
    assert response.status_code == 302 and response["Location"] == PORTAL
    booked_a.refresh_from_db()
    assert booked_a.start == MONDAY_9 + dt.timedelta(hours=1)
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_RESCHEDULED)
    assert event.actor.email == "patient@x.test"
    with time_machine.travel(MONDAY_9 - dt.timedelta(hours=3), tick=False):
        client = client_for("patient")  # days later: a new session
        assert "late" in client.get(f"{url}cancel/").content.decode()
        assert client.post(f"{url}cancel/").status_code == 302
    booked_a.refresh_from_db()
    assert booked_a.status == AppointmentStatus.CANCELLED and booked_a.cancelled_late
