"""Booking from the calendar: find the patient, pick a service and a free time, book."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.forms_calendar import slot_value
from ldnclinic.scheduling.models import Appointment, BookingSource
from ldnclinic.scheduling.tests.calendar_support import HX, book, local
from ldnclinic.scheduling.tests.conftest import consult_service

URL = reverse("calendar_book")
TUESDAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC)  # Monday 08:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician)


def booking(patient, service, start, practitioner, **extra):
    return {
        "patient": patient.pk,
        "service": service.pk,
        "slot": slot_value(practitioner.pk, start),
        "reason": "Psoriasis, starting LDN",
        **extra,
    }


def test_it_books_a_patient_into_a_free_slot(client_for, service, patient_a, clinician):
    start = local(TUESDAY, 10)
    response = client_for("frontdesk").post(URL, booking(patient_a, service, start, clinician))
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("calendar_appointment", args=[appointment.pk]) + "?changed=1"
    )
    assert (appointment.patient, appointment.service, appointment.start) == (
        patient_a,
        service,
        start,
    )
    assert appointment.practitioner == clinician
    assert appointment.source == BookingSource.STAFF
    assert appointment.reason == "Psoriasis, starting LDN"
    (event,) = AuditEvent.objects.filter(code=Event.APPOINTMENT_BOOKED)
    assert event.actor.email == "frontdesk@x.test"


def test_the_form_lists_free_times_for_the_chosen_service_and_day(client_for, service):
    response = client_for("frontdesk").get(URL, {"service": service.pk, "date": "2026-12-01"})
    assert response.status_code == 200
    (group,) = response.context["groups"]
    assert group["practitioner"] == "Clinician"
    assert [s["label"] for s in group["slots"]][:2] == ["09:00", "09:15"]
    html = response.content.decode()
    assert 'name="slot"' in html


def test_without_a_service_it_asks_for_one(client_for, service):
    html = client_for("frontdesk").get(URL, {"date": "2026-12-01"}).content.decode()
    assert "Choose a service to see its free times." in html


def test_a_clicked_empty_cell_comes_preselected(client_for, service, clinician):
    response = client_for("frontdesk").get(
        URL,
        {
            "service": service.pk,
            "date": "2026-12-01",
            "time": "10:15",
            "practitioner": clinician.pk,
        },
    )
    checked = [s for g in response.context["groups"] for s in g["slots"] if s["checked"]]
    assert [s["label"] for s in checked] == ["10:15"]
    assert checked[0]["value"] == slot_value(clinician.pk, local(TUESDAY, 10, 15))


def test_the_patient_search_finds_the_clinics_patients_and_is_audited(
    client_for, service, patient_a, patient_b, patient_y
):
    response = client_for("frontdesk").get(URL, {"q": "Adams"}, **HX)
    assert response.context["matches"] == [patient_a]
    assert "Alice Adams" in response.content.decode()
    (event,) = AuditEvent.objects.filter(code=Event.PATIENT_LIST_VIEWED)
    assert event.payload["patient_ids"] == [patient_a.pk]
    # Another clinic's patient is never offered.
    assert client_for("frontdesk").get(URL, {"q": "Young"}).context["matches"] == []


def test_htmx_gets_the_form_alone(client_for, service):
    fragment = client_for("frontdesk").get(URL, **HX).content.decode()
    assert fragment.lstrip().startswith('<section class="cal-detail" id="book-panel"')
    assert "<html" not in fragment
    page = client_for("frontdesk").get(URL).content.decode()
    assert "<html" in page and "<h1" in page


def test_a_taken_slot_shows_the_next_free_ones(
    client_for, service, patient_a, patient_b, clinician
):
    start = local(TUESDAY, 10)
    book(patient_b, service, start)
    response = client_for("frontdesk").post(URL, booking(patient_a, service, start, clinician))
    assert response.status_code == 200
    html = response.content.decode()
    assert "That time has just been taken." in html
    assert "The next free times" in html
    labels = [s["label"] for g in response.context["groups"] for s in g["slots"]]
    assert labels[0] == "10:45"
    assert Appointment.objects.filter(patient=patient_a).count() == 0


def test_a_time_that_is_not_offered_is_refused(client_for, service, patient_a, clinician):
    data = booking(patient_a, service, local(TUESDAY, 14), clinician)  # after hours
    response = client_for("frontdesk").post(URL, data)
    assert "That time is not offered" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_time_in_the_past_is_refused(client_for, service, patient_a, clinician):
    data = booking(patient_a, service, local(dt.date(2026, 11, 27), 9), clinician)
    response = client_for("frontdesk").post(URL, data)
    assert "That time is in the past." in response.content.decode()
    assert not Appointment.objects.exists()


def test_missing_choices_are_named(client_for, service):
    response = client_for("frontdesk").post(URL, {"reason": "x"})
    html = response.content.decode()
    for message in ("Choose a patient.", "Choose a service.", "Choose one of the free times."):
        assert message in html
    assert not Appointment.objects.exists()


def test_another_clinics_patient_cannot_be_booked(
    client_for, service, patient_y, clinician, patient_a
):
    data = booking(patient_y, service, local(TUESDAY, 10), clinician)
    response = client_for("frontdesk").post(URL, data)
    assert response.status_code == 200
    assert "Choose a patient." in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_practitioner_who_does_not_give_the_service_is_refused(
    client_for, service, patient_a, users
):
    front_desk = Membership.objects.get(user=users["frontdesk"])
    data = booking(patient_a, service, local(TUESDAY, 10), front_desk)
    response = client_for("frontdesk").post(URL, data)
    assert "That practitioner does not perform this service." in response.content.decode()
    assert not Appointment.objects.exists()


def test_video_only_where_the_service_allows_it(client_for, service, patient_a, clinician):
    data = booking(patient_a, service, local(TUESDAY, 10), clinician, telehealth="on")
    response = client_for("frontdesk").post(URL, data)
    assert "This service is not offered by video." in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_video_appointment_is_booked_as_such(client_for, clinic, clinician, patient_a):
    video = consult_service(clinic, clinician, slug="video", telehealth_allowed=True)
    data = booking(patient_a, video, local(TUESDAY, 10), clinician, telehealth="on")
    assert client_for("clinician").post(URL, data).status_code == 302
    assert Appointment.objects.get().telehealth


@pytest.mark.parametrize("persona, status", [("patient", 404), ("patient2", 404)])
def test_patients_cannot_book_here(client_for, service, patient_a, clinician, persona, status):
    data = booking(patient_a, service, local(TUESDAY, 10), clinician)
    assert client_for(persona).post(URL, data).status_code == status
    assert client_for(persona).get(URL).status_code == status
    assert not Appointment.objects.exists()


def test_another_clinics_staff_cannot_book_our_patients(client_for, service, patient_a, clinician):
    data = booking(patient_a, service, local(TUESDAY, 10), clinician)
    response = client_for("other_staff").post(URL, data)
    # Their own clinic has no such service: nothing to book, and nothing is booked.
    assert response.status_code == 200
    assert "Choose a service." in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_read_only_role_gets_403(client_for, users, service, patient_a, clinician):
    Membership.objects.filter(user=users["frontdesk"]).update(role="auditor")
    client = client_for("frontdesk")
    assert client.get(URL).status_code == 403
    data = booking(patient_a, service, local(TUESDAY, 10), clinician)
    assert client.post(URL, data).status_code == 403
    assert not Appointment.objects.exists()
