"""The calendar's day and week boards: what they show, where, for whom, and at what cost."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldnclinic.accounts.models import Location, Membership, Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient, make_user
from ldnclinic.scheduling.actions import do_cancel_appointment
from ldnclinic.scheduling.models import ClinicClosure, TimeOff, WorkingHours
from ldnclinic.scheduling.tests.calendar_support import (
    HX,
    block_classes,
    book,
    hour_row,
    local,
)
from ldnclinic.scheduling.tests.conftest import consult_service

URL = reverse("calendar")
MONDAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)  # 07:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician)


@pytest.fixture
def second(clinic, service):
    """A second practitioner who also gives the consultation, Monday to Friday 09-12."""
    membership = Membership.objects.get(
        user=make_user("nurse@x.test", clinic, Role.CLINICIAN), clinic=clinic
    )
    membership.user.full_name = "Nia Nurse"
    membership.user.save()
    service.practitioners.add(membership)
    for weekday in range(5):
        WorkingHours.objects.create(
            practitioner=membership,
            location=clinic.locations.first(),
            weekday=weekday,
            start=dt.time(9),
            end=dt.time(12),
        )
    return membership


def board(response):
    return response.context["board"]


def test_the_day_view_shows_today_in_the_clinics_time_zone(client_for, service, patient_a):
    appointment = book(patient_a, service, local(MONDAY, 9), reason="Flare")
    response = client_for("frontdesk").get(URL)
    assert response.status_code == 200
    assert board(response).filters.date == MONDAY
    html = response.content.decode()
    assert "Monday, 30 November 2026" in html
    classes = block_classes(html, appointment)
    assert f"cal-at-{hour_row(html, '09:00')}" in classes
    assert "cal-len-6" in classes  # 30 minutes: six 5-minute rows
    assert "cal-is-booked" in classes
    assert ">09:00–09:30</span>" in html
    assert "Consultation" in html
    assert f'href="{reverse("patient_detail", args=[patient_a.pk])}">Alice Adams</a>' in html
    assert patient_a.mrn in html


def test_just_after_midnight_utc_it_is_still_the_evening_before_in_new_york(client_for, service):
    with time_machine.travel(dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC), tick=False):
        response = client_for("frontdesk").get(URL)
    assert board(response).filters.date == MONDAY


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 3, 6), dt.date(2026, 3, 9), dt.date(2026, 10, 30), dt.date(2026, 11, 2)],
    ids=["before-spring", "after-spring", "before-fall", "after-fall"],
)
def test_nine_oclock_is_on_the_nine_oclock_row_on_both_sides_of_a_dst_change(
    client_for, service, patient_a, day
):
    appointment = book(patient_a, service, local(day, 9))
    html = client_for("clinician").get(URL, {"date": day.isoformat()}).content.decode()
    assert f"cal-at-{hour_row(html, '09:00')}" in block_classes(html, appointment)


def test_the_week_across_spring_forward_keeps_nine_oclock_in_place(
    client_for, clinic, clinician, service, patient_a, patient_b
):
    # Sunday hours, so that one week holds both sides of the change (Sunday 8 March).
    WorkingHours.objects.create(
        practitioner=clinician,
        location=clinic.locations.first(),
        weekday=6,
        start=dt.time(9),
        end=dt.time(12),
    )
    friday = book(patient_a, service, local(dt.date(2026, 3, 6), 9))
    sunday = book(patient_b, service, local(dt.date(2026, 3, 8), 9))
    assert friday.start.hour - sunday.start.hour == 1  # 14:00 UTC, then 13:00 UTC
    response = client_for("clinician").get(URL, {"view": "week", "date": "2026-03-04"})
    html = response.content.decode()
    nine = f"cal-at-{hour_row(html, '09:00')}"
    assert nine in block_classes(html, friday)
    assert nine in block_classes(html, sunday)
    assert [c.day.isoformat() for c in board(response).columns] == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
        "2026-03-06",
        "2026-03-08",  # Saturday has no hours and no appointments: left out
    ]


def test_the_day_view_has_a_column_per_practitioner(
    client_for, service, second, clinician, patient_a, patient_b
):
    mine = book(patient_a, service, local(MONDAY, 9), practitioner=clinician)
    theirs = book(patient_b, service, local(MONDAY, 9), practitioner=second)
    response = client_for("frontdesk").get(URL)
    columns = board(response).columns
    assert [c.practitioner for c in columns] == [clinician, second]
    assert [b["appointment"] for b in columns[0].blocks] == [mine]
    assert [b["appointment"] for b in columns[1].blocks] == [theirs]


def test_it_filters_by_practitioner(client_for, service, second, clinician, patient_a, patient_b):
    book(patient_a, service, local(MONDAY, 9), practitioner=clinician)
    book(patient_b, service, local(MONDAY, 10), practitioner=second)
    response = client_for("frontdesk").get(URL, {"practitioner": second.pk})
    html = response.content.decode()
    assert [c.practitioner for c in board(response).columns] == [second]
    assert "Bob Brown" in html
    assert "Alice Adams" not in html


def test_it_filters_by_location(
    client_for, clinic, clinician, service, second, patient_a, patient_b
):
    uptown = Location.objects.create(clinic=clinic, name="Uptown")
    WorkingHours.objects.filter(practitioner=second).update(location=uptown)
    book(patient_a, service, local(MONDAY, 9), practitioner=clinician)
    book(patient_b, service, local(MONDAY, 10), practitioner=second)
    TimeOff.objects.create(practitioner=clinician, date=MONDAY, start=dt.time(11), end=dt.time(12))
    response = client_for("frontdesk").get(URL, {"location": uptown.pk})
    assert [c.practitioner for c in board(response).columns] == [second]
    html = response.content.decode()
    assert "Bob Brown" in html
    assert "Alice Adams" not in html
    html = client_for("frontdesk").get(URL).content.decode()
    assert "Bob Brown" in html and "Alice Adams" in html


def test_cancelled_appointments_are_struck_or_hidden(client_for, service, patient_a, patient_b):
    gone = book(patient_a, service, local(MONDAY, 9))
    do_cancel_appointment(Actor.system(via="test"), gone, reason="Ill")
    kept = book(patient_b, service, local(MONDAY, 9))  # the freed time, rebooked
    html = client_for("frontdesk").get(URL).content.decode()
    assert "cal-is-cancelled" in block_classes(html, gone)
    # The two share the 09:00 rows side by side.
    assert {"cal-lane-1", "cal-lane-2"} == {
        next(c for c in block_classes(html, a) if c.startswith("cal-lane-")) for a in (gone, kept)
    }
    html = client_for("frontdesk").get(URL, {"hide_cancelled": "1"}).content.decode()
    assert "Alice Adams" not in html
    assert "cal-lane-1 cal-lspan-1" in " ".join(block_classes(html, kept))


def test_the_week_view_shows_seven_days_from_monday(client_for, service, patient_a):
    thursday = book(patient_a, service, local(dt.date(2026, 12, 3), 11))
    response = client_for("frontdesk").get(URL, {"view": "week", "date": "2026-12-02"})
    html = response.content.decode()
    assert [c.day for c in board(response).columns] == [
        MONDAY + dt.timedelta(days=n) for n in range(5)
    ]
    assert "30 Nov – 6 Dec 2026" in html
    assert f"cal-at-{hour_row(html, '11:00')}" in block_classes(html, thursday)


def test_prev_next_and_today_links_keep_the_filters(client_for, service, clinician):
    response = client_for("frontdesk").get(
        URL, {"view": "week", "date": "2026-12-02", "practitioner": clinician.pk}
    )
    context = response.context
    assert context["prev_url"] == f"{URL}?view=week&date=2026-11-25&practitioner={clinician.pk}"
    assert context["next_url"] == f"{URL}?view=week&date=2026-12-09&practitioner={clinician.pk}"
    assert context["today_url"] == f"{URL}?view=week&practitioner={clinician.pk}"
    html = response.content.decode()
    assert 'hx-push-url="true"' in html
    assert f'href="{context["next_url"].replace("&", "&amp;")}"' in html


def test_htmx_gets_only_the_board(client_for, service):
    client = client_for("frontdesk")
    partial = client.get(URL, {"date": "2026-12-01"}, **HX).content.decode()
    assert partial.lstrip().startswith('<div id="calendar-view"')
    assert "<html" not in partial
    assert "Tuesday, 1 December 2026" in partial
    page = client.get(URL, {"date": "2026-12-01"}).content.decode()
    assert "<html" in page and 'id="calendar-view"' in page and 'id="calendar-panel"' in page


def test_bad_filters_fall_back_to_the_defaults(client_for, service, patient_a):
    book(patient_a, service, local(MONDAY, 9))
    response = client_for("frontdesk").get(
        URL, {"date": "2026-13-45", "practitioner": "999", "view": "month", "location": "x"}
    )
    assert response.status_code == 200
    filters = board(response).filters
    assert (filters.view, filters.date, filters.practitioner, filters.location) == (
        "day",
        MONDAY,
        None,
        None,
    )
    html = response.content.decode()
    assert "Some filters were not understood" in html
    assert "Alice Adams" in html


def test_working_hours_time_off_and_closures_are_shaded(
    client_for, clinic, clinician, service, second
):
    TimeOff.objects.create(
        practitioner=second, date=MONDAY, start=dt.time(10), end=dt.time(11), note="Training"
    )
    response = client_for("frontdesk").get(URL)
    mine, theirs = board(response).columns
    assert [c["time"] for c in mine.cells][:2] == ["09:00", "09:15"]
    assert len(mine.cells) == 12  # 09:00-12:00 in quarter hours
    assert len(theirs.cells) == 8  # less the hour of training
    assert [b["note"] for b in theirs.off_blocks] == ["Training"]
    html = response.content.decode()
    assert "calendar/book/?date=2026-11-30&amp;time=09:15&amp;practitioner=" in html

    ClinicClosure.objects.create(clinic=clinic, date=MONDAY, reason="Thanksgiving week")
    response = client_for("frontdesk").get(URL)
    assert all(not c.cells and c.closed == "Thanksgiving week" for c in board(response).columns)
    assert "Closed: Thanksgiving week" in response.content.decode()


def test_a_whole_day_off_is_noted(client_for, service, clinician):
    TimeOff.objects.create(practitioner=clinician, date=MONDAY, note="Conference")
    response = client_for("frontdesk").get(URL)
    (column,) = board(response).columns
    assert column.notes == ["Off all day: Conference"]
    assert column.cells == []


def test_identity_checks_and_telehealth_are_marked(client_for, clinic, clinician, patient_a):
    video = consult_service(clinic, clinician, slug="video", telehealth_allowed=True)
    appointment = book(patient_a, video, local(MONDAY, 10), telehealth=True)
    type(appointment).objects.filter(pk=appointment.pk).update(
        identity_review="Email matched; date of birth differs."
    )
    html = client_for("frontdesk").get(URL).content.decode()
    assert ">Video</span>" in html
    assert '>ID<span class="cal-tag-more"> check</span></span>' in html


def test_each_view_of_the_board_is_audited_once(client_for, service, patient_a, patient_b):
    shown = [
        book(patient_a, service, local(MONDAY, 9)),
        book(patient_b, service, local(MONDAY, 10)),
    ]
    client_for("frontdesk").get(URL)
    (event,) = AuditEvent.objects.filter(code=Event.APPOINTMENT_LIST_VIEWED)
    assert event.payload["appointment_ids"] == [a.pk for a in shown]
    assert event.actor.email == "frontdesk@x.test"
    client_for("frontdesk").get(URL, **HX)
    assert AuditEvent.objects.filter(code=Event.APPOINTMENT_LIST_VIEWED).count() == 2


def _count_queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_appointments(
    client_for, clinic, service, second, django_assert_max_num_queries
):
    client = client_for("frontdesk")
    week = {"view": "week", "date": MONDAY.isoformat()}
    client.get(URL)  # the first request of a session also writes the session
    empty = _count_queries(client, week)
    patients = [make_patient(clinic, given_name=f"P{n}", family_name="Many") for n in range(30)]
    hours = [9, 10, 11]
    for n, patient in enumerate(patients):
        day = MONDAY + dt.timedelta(days=n % 5)
        book(patient, service, local(day, hours[(n // 5) % 3]), practitioner=None)
    assert _count_queries(client, week) == empty
    with django_assert_max_num_queries(14):
        response = client.get(URL, week)
    assert len(board(response).appointments) == 30


def test_patients_and_visitors_cannot_see_it(client_for, patient_a):
    assert client_for("patient").get(URL).status_code == 404
    response = client_for("anonymous").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_clinics_staff_see_their_own_calendar_only(client_for, service, patient_a):
    book(patient_a, service, local(MONDAY, 9))
    response = client_for("other_staff").get(URL)
    assert response.status_code == 200
    assert board(response).appointments == []
    assert "Alice Adams" not in response.content.decode()


def test_the_main_navigation_links_to_it(client_for):
    html = client_for("frontdesk").get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">Calendar</a>' in html
