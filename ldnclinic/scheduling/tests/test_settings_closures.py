"""Clinic closures: list, add, remove."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.models import Appointment, ClinicClosure
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)  # Monday 1 June, 08:00 in New York
NEXT_MONDAY = dt.date(2026, 6, 8)
URL = reverse("scheduling_closures")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def remove_url(closure):
    return reverse("scheduling_closure_remove", args=[closure.pk])


def events():
    return list(AuditEvent.objects.filter(code=Event.CLOSURE_SAVED).order_by("id"))


def test_a_closure_removes_every_slot_that_day(client_for, clinic, clinician, users):
    service = consult_service(clinic, clinician, min_notice_hours=0)
    assert find_service_slots(service, NEXT_MONDAY, NEXT_MONDAY)
    response = client_for("admin").post(URL, {"date": "2026-06-08", "reason": "Staff training"})
    assert response.status_code == 302
    assert response.url == URL
    closure = ClinicClosure.objects.get()
    assert (closure.clinic, closure.date, closure.reason) == (clinic, NEXT_MONDAY, "Staff training")
    assert find_service_slots(service, NEXT_MONDAY, NEXT_MONDAY) == []
    [event] = events()
    assert event.actor == users["admin"]
    assert event.payload == {"change": "added", "date": "2026-06-08", "reason": "Staff training"}
    assert closure.history.get().history_user == users["admin"]


def test_it_warns_about_appointments_that_day(client_for, clinic, clinician, patient_a):
    service = consult_service(clinic, clinician)
    for hour in (13, 15):
        start = dt.datetime(2026, 6, 8, hour, tzinfo=dt.UTC)
        Appointment.objects.create(
            clinic=clinic,
            patient=patient_a,
            service=service,
            practitioner=clinician,
            start=start,
            end=start + dt.timedelta(minutes=30),
            blocked_start=start,
            blocked_end=start + dt.timedelta(minutes=30),
        )
    response = client_for("admin").post(URL, {"date": "2026-06-08"}, follow=True)
    page = response.content.decode()
    assert "The clinic is closed on Monday 8 June 2026." in page
    assert "2 appointments that day stay booked" in page


def test_the_list_shows_upcoming_first_and_past_apart(client_for, clinic):
    for day, reason in [(15, "later"), (8, "sooner"), (1, "today")]:
        ClinicClosure.objects.create(clinic=clinic, date=dt.date(2026, 6, day), reason=reason)
    ClinicClosure.objects.create(clinic=clinic, date=dt.date(2026, 1, 1), reason="New Year")
    response = client_for("admin").get(URL)
    assert [c.reason for c in response.context["upcoming"]] == ["today", "sooner", "later"]
    assert [c.reason for c in response.context["past"]] == ["New Year"]
    assert response.content.decode().count("/remove/") == 3


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "This field is required."),
        ({"date": "next week"}, "Enter a valid date."),
        ({"date": "2026-05-31"}, "Choose today or a later date."),
        ({"date": "2026-06-08", "reason": "r" * 201}, None),
    ],
)
def test_bad_input_is_shown_on_the_form(client_for, clinic, data, message):
    response = client_for("admin").post(URL, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    field = "reason" if "reason" in data else "date"
    if message:
        assert errors[field] == [message]
    assert errors[field][0] in response.content.decode().replace("&#x27;", "'")
    assert not ClinicClosure.objects.exists()
    assert events() == []


def test_the_same_day_twice_is_a_field_error(client_for, clinic):
    ClinicClosure.objects.create(clinic=clinic, date=NEXT_MONDAY)
    response = client_for("admin").post(URL, {"date": "2026-06-08"})
    assert response.context["form"].errors["date"] == ["The clinic is already closed that day."]
    assert ClinicClosure.objects.count() == 1


def test_another_clinic_may_close_the_same_day(client_for, clinic, other_clinic):
    ClinicClosure.objects.create(clinic=clinic, date=NEXT_MONDAY)
    assert client_for("other_staff").post(URL, {"date": "2026-06-08"}).status_code == 302
    assert ClinicClosure.objects.filter(clinic=other_clinic).count() == 1


def test_removing_a_future_closure_is_audited(client_for, clinic, users):
    closure = ClinicClosure.objects.create(clinic=clinic, date=NEXT_MONDAY, reason="Training")
    response = client_for("admin").post(remove_url(closure))
    assert response.status_code == 302
    assert not ClinicClosure.objects.exists()
    [event] = events()
    assert event.payload == {"change": "removed", "date": "2026-06-08", "reason": "Training"}
    assert event.subject_id == str(closure.pk)
    assert ClinicClosure.history.get(history_type="-").history_user == users["admin"]


def test_a_past_closure_stays(client_for, clinic):
    closure = ClinicClosure.objects.create(clinic=clinic, date=dt.date(2026, 5, 25))
    response = client_for("admin").post(remove_url(closure), follow=True)
    assert "Past closures stay on record" in response.content.decode()
    assert ClinicClosure.objects.filter(pk=closure.pk).exists()
    assert events() == []


def test_another_clinics_closure_is_404(client_for, clinic):
    closure = ClinicClosure.objects.create(clinic=clinic, date=NEXT_MONDAY, reason="Ours")
    client = client_for("other_staff")
    assert client.post(remove_url(closure)).status_code == 404
    assert "Ours" not in client.get(URL).content.decode()
    assert ClinicClosure.objects.filter(pk=closure.pk).exists()


@pytest.mark.parametrize(
    "persona, status",
    [("clinician", 403), ("frontdesk", 403), ("patient", 404), ("anonymous", 302)],
)
def test_only_admins_may_change_closures(client_for, clinic, persona, status):
    closure = ClinicClosure.objects.create(clinic=clinic, date=NEXT_MONDAY)
    client = client_for(persona)
    assert client.get(URL).status_code == status
    assert client.post(URL, {"date": "2026-06-09"}).status_code == status
    assert client.post(remove_url(closure)).status_code == status
    assert list(ClinicClosure.objects.all()) == [closure]
    assert events() == []
