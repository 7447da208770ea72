"""Time off and extra hours per practitioner: list, add, remove."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.accounts.models import Location, Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.models import Appointment, TimeOff
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)  # Monday 1 June, 08:00 in New York
TODAY = dt.date(2026, 6, 1)
NEXT_MONDAY = dt.date(2026, 6, 8)
NEXT_SATURDAY = dt.date(2026, 6, 13)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def main(clinic):
    return clinic.locations.get(name="Main")


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=0, buffer_after_minutes=0)


def url(member):
    return reverse("scheduling_time_off", args=[member.pk])


def remove_url(entry):
    return reverse("scheduling_time_off_remove", args=[entry.pk])


def events():
    return list(AuditEvent.objects.filter(code=Event.TIME_OFF_SAVED).order_by("id"))


def local_slots(service, day):
    tz = service.clinic.tz
    return [s.start.astimezone(tz).strftime("%H:%M") for s in find_service_slots(service, day, day)]


def test_a_whole_day_off_removes_that_days_slots(client_for, clinician, service, users):
    assert local_slots(service, NEXT_MONDAY)
    response = client_for("admin").post(
        url(clinician), {"date": NEXT_MONDAY.isoformat(), "note": "Conference"}
    )
    assert response.status_code == 302
    assert response.url == url(clinician)
    entry = TimeOff.objects.get()
    assert (entry.practitioner, entry.date, entry.start, entry.extra_hours, entry.note) == (
        clinician,
        NEXT_MONDAY,
        None,
        False,
        "Conference",
    )
    assert local_slots(service, NEXT_MONDAY) == []
    [event] = events()
    assert event.actor == users["admin"]
    assert event.payload == {
        "change": "added",
        "practitioner": "clinician@x.test",
        "date": "2026-06-08",
        "start": None,
        "end": None,
        "extra_hours": False,
        "location": None,
        "note": "Conference",
    }
    assert entry.history.get().history_user == users["admin"]


def test_part_of_a_day_off(client_for, clinician, service):
    client_for("admin").post(
        url(clinician), {"date": NEXT_MONDAY.isoformat(), "start": "09:00", "end": "11:00"}
    )
    assert local_slots(service, NEXT_MONDAY) == ["11:00", "11:15", "11:30"]


def test_extra_hours_on_a_saturday_offer_slots(client_for, clinician, service, main):
    assert local_slots(service, NEXT_SATURDAY) == []
    response = client_for("admin").post(
        url(clinician),
        {
            "date": NEXT_SATURDAY.isoformat(),
            "extra_hours": "on",
            "start": "10:00",
            "end": "11:00",
            "location": main.pk,
        },
    )
    assert response.status_code == 302
    assert local_slots(service, NEXT_SATURDAY) == ["10:00", "10:15", "10:30"]
    assert events()[0].payload["location"] == "Main"


def test_time_off_ignores_a_location(client_for, clinician, main):
    client_for("admin").post(url(clinician), {"date": NEXT_MONDAY.isoformat(), "location": main.pk})
    assert TimeOff.objects.get().location is None


def test_it_warns_about_appointments_that_day(client_for, clinic, clinician, service, patient_a):
    start = dt.datetime(2026, 6, 8, 13, tzinfo=dt.UTC)
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
    response = client_for("admin").post(
        url(clinician), {"date": NEXT_MONDAY.isoformat()}, follow=True
    )
    page = response.content.decode()
    assert "Time off on Monday 8 June 2026 added." in page
    assert "1 appointment with Clinician that day stay booked" in page
    assert Appointment.objects.get().status == "booked"


def test_the_list_shows_upcoming_first_and_past_apart(client_for, clinician):
    for day, note in [(NEXT_SATURDAY, "later"), (NEXT_MONDAY, "sooner"), (TODAY, "today")]:
        TimeOff.objects.create(practitioner=clinician, date=day, note=note)
    TimeOff.objects.create(practitioner=clinician, date=dt.date(2026, 5, 1), note="gone by")
    response = client_for("admin").get(url(clinician))
    assert [e.note for e in response.context["upcoming"]] == ["today", "sooner", "later"]
    assert [e.note for e in response.context["past"]] == ["gone by"]
    page = response.content.decode()
    assert page.index("today") < page.index("sooner") < page.index("later") < page.index("gone by")
    assert page.count("scheduling_time_off_remove") == 0  # URLs, not names, in the page
    assert page.count("/remove/") == 3  # no remove button on the past entry


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({}, "date", "This field is required."),
        ({"date": "2026-02-30"}, "date", None),
        ({"date": "2026-05-31"}, "date", "Choose today or a later date."),
        (
            {"date": "2026-06-08", "start": "09:00"},
            "__all__",
            "Give both a start and an end, or neither for a whole day.",
        ),
        (
            {"date": "2026-06-08", "start": "11:00", "end": "10:00"},
            "end",
            "The end must be after the start.",
        ),
        (
            {"date": "2026-06-08", "extra_hours": "on", "start": "10:00", "end": "11:00"},
            "__all__",
            "Extra hours need a start, an end and a location.",
        ),
        (
            {"date": "2026-06-08", "extra_hours": "on", "location": "main"},
            "__all__",
            "Extra hours need a start, an end and a location.",
        ),
        ({"date": "2026-06-08", "start": "noon", "end": "13:00"}, "start", None),
        ({"date": "2026-06-08", "note": "n" * 201}, "note", None),
        ({"date": "2026-06-08", "location": "999999"}, "location", None),
    ],
)
def test_bad_input_is_shown_on_the_form(client_for, clinician, main, data, field, message):
    data = {k: (main.pk if v == "main" else v) for k, v in data.items()}
    response = client_for("admin").post(url(clinician), data)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    if message:
        assert errors == [message]
    assert errors[0] in response.content.decode().replace("&#x27;", "'")
    assert not TimeOff.objects.exists()
    assert events() == []


def test_another_clinics_location_is_refused(client_for, clinician, other_clinic):
    london = Location.objects.create(clinic=other_clinic, name="London")
    data = {
        "date": "2026-06-13",
        "extra_hours": "on",
        "start": "10:00",
        "end": "11:00",
        "location": london.pk,
    }
    response = client_for("admin").post(url(clinician), data)
    assert response.context["form"].errors["location"]
    assert not TimeOff.objects.exists()


def test_removing_a_future_entry_is_audited(client_for, clinician, service, users):
    entry = TimeOff.objects.create(practitioner=clinician, date=NEXT_MONDAY, note="Course")
    assert local_slots(service, NEXT_MONDAY) == []
    response = client_for("admin").post(remove_url(entry))
    assert response.status_code == 302
    assert response.url == url(clinician)
    assert not TimeOff.objects.exists()
    assert local_slots(service, NEXT_MONDAY)
    [event] = events()
    assert event.payload["change"] == "removed"
    assert event.payload["note"] == "Course"
    assert event.subject_id == str(entry.pk)
    removed = TimeOff.history.get(history_type="-")
    assert removed.history_user == users["admin"]


def test_a_past_entry_stays(client_for, clinician):
    entry = TimeOff.objects.create(practitioner=clinician, date=dt.date(2026, 5, 29))
    response = client_for("admin").post(remove_url(entry), follow=True)
    assert "Past time off stays on record" in response.content.decode()
    assert TimeOff.objects.filter(pk=entry.pk).exists()
    assert events() == []


def test_removing_needs_a_post(client_for, clinician):
    entry = TimeOff.objects.create(practitioner=clinician, date=NEXT_MONDAY)
    assert client_for("admin").get(remove_url(entry)).status_code == 405
    assert TimeOff.objects.exists()


def test_another_clinics_entries_are_404(client_for, clinician, users):
    entry = TimeOff.objects.create(practitioner=clinician, date=NEXT_MONDAY)
    client = client_for("other_staff")
    assert client.get(url(clinician)).status_code == 404
    assert client.post(url(clinician), {"date": "2026-06-09"}).status_code == 404
    assert client.post(remove_url(entry)).status_code == 404
    assert list(TimeOff.objects.all()) == [entry]
    theirs = Membership.objects.get(user=users["other_staff"])
    assert client_for("admin").get(url(theirs)).status_code == 404


@pytest.mark.parametrize(
    "persona, status",
    [("clinician", 403), ("frontdesk", 403), ("patient", 404), ("anonymous", 302)],
)
def test_only_admins_may_change_time_off(client_for, clinician, persona, status):
    entry = TimeOff.objects.create(practitioner=clinician, date=NEXT_MONDAY)
    client = client_for(persona)
    assert client.get(url(clinician)).status_code == status
    assert client.post(url(clinician), {"date": "2026-06-09"}).status_code == status
    assert client.post(remove_url(entry)).status_code == status
    assert list(TimeOff.objects.all()) == [entry]
    assert events() == []
