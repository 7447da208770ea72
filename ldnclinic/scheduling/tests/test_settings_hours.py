"""The weekly working-hours editor: several intervals a day, per location, saved as a whole."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.accounts.models import Location, Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.models import WorkingHours
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)  # Monday 08:00 in New York
NEXT_MONDAY = dt.date(2026, 6, 8)
MONDAY, TUESDAY, SATURDAY = 0, 1, 5


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def main(clinic):
    return clinic.locations.get(name="Main")


@pytest.fixture
def uptown(clinic):
    return Location.objects.create(clinic=clinic, name="Uptown")


def url(member):
    return reverse("scheduling_hours_edit", args=[member.pk])


def week(*rows, initial=0):
    """Formset data for rows of (weekday, location, start, end[, "remove"])."""
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(initial),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "70",
    }
    for index, row in enumerate(rows):
        weekday, location, start, end = row[:4]
        data[f"form-{index}-weekday"] = "" if weekday is None else str(weekday)
        data[f"form-{index}-location"] = getattr(location, "pk", location or "")
        data[f"form-{index}-start"] = start
        data[f"form-{index}-end"] = end
        if "remove" in row[4:]:
            data[f"form-{index}-DELETE"] = "on"
    return data


def stored(member):
    return [
        (h.weekday, h.location.name, f"{h.start:%H:%M}", f"{h.end:%H:%M}")
        for h in WorkingHours.objects.filter(practitioner=member).order_by(
            "weekday", "start", "location__name"
        )
    ]


def events():
    return list(AuditEvent.objects.filter(code=Event.WORKING_HOURS_CHANGED).order_by("id"))


def test_it_saves_several_intervals_a_day_at_two_locations(
    client_for, clinician, main, uptown, users
):
    response = client_for("admin").post(
        url(clinician),
        week(
            (MONDAY, main, "09:00", "12:00"),
            (MONDAY, uptown, "13:00", "17:00"),
            (TUESDAY, main, "08:30", "12:00"),
            (None, main, "", ""),  # a blank row is ignored
        ),
    )
    assert response.status_code == 302
    assert response.url == reverse("scheduling_hours")
    assert stored(clinician) == [
        (MONDAY, "Main", "09:00", "12:00"),
        (MONDAY, "Uptown", "13:00", "17:00"),
        (TUESDAY, "Main", "08:30", "12:00"),
    ]
    [event] = events()
    assert event.actor == users["admin"]
    assert event.subject_id == str(clinician.pk)
    assert event.payload == {
        "practitioner": "clinician@x.test",
        "removed": [],
        "added": [
            "Monday 09:00–12:00 (Main)",
            "Monday 13:00–17:00 (Uptown)",
            "Tuesday 08:30–12:00 (Main)",
        ],
    }
    assert {h.history_user for h in WorkingHours.history.all()} == {users["admin"]}


def test_it_replaces_the_week_and_keeps_unchanged_rows(client_for, clinician, main, users):
    kept = WorkingHours.objects.create(
        practitioner=clinician, location=main, weekday=MONDAY, start=dt.time(9), end=dt.time(12)
    )
    WorkingHours.objects.create(
        practitioner=clinician, location=main, weekday=TUESDAY, start=dt.time(9), end=dt.time(12)
    )
    WorkingHours.objects.create(
        practitioner=clinician, location=main, weekday=SATURDAY, start=dt.time(9), end=dt.time(12)
    )
    response = client_for("admin").post(
        url(clinician),
        week(
            (MONDAY, main, "09:00", "12:00"),
            (TUESDAY, main, "10:00", "12:00"),  # changed
            (SATURDAY, main, "09:00", "12:00", "remove"),  # ticked "Remove"
            (None, "", "", ""),
            initial=3,
        ),
    )
    assert response.status_code == 302
    assert stored(clinician) == [
        (MONDAY, "Main", "09:00", "12:00"),
        (TUESDAY, "Main", "10:00", "12:00"),
    ]
    assert WorkingHours.objects.filter(pk=kept.pk).exists()
    [event] = events()
    assert event.payload["removed"] == ["Tuesday 09:00–12:00 (Main)", "Saturday 09:00–12:00 (Main)"]
    assert event.payload["added"] == ["Tuesday 10:00–12:00 (Main)"]
    deleted = WorkingHours.history.filter(history_type="-")
    assert deleted.count() == 2
    assert {h.history_user for h in deleted} == {users["admin"]}


def test_a_cleared_row_is_removed(client_for, clinician, main):
    WorkingHours.objects.create(
        practitioner=clinician, location=main, weekday=MONDAY, start=dt.time(9), end=dt.time(12)
    )
    response = client_for("admin").post(url(clinician), week((None, main, "", ""), initial=1))
    assert response.status_code == 302
    assert stored(clinician) == []


def test_saving_the_same_week_records_nothing(client_for, clinician, main):
    WorkingHours.objects.create(
        practitioner=clinician, location=main, weekday=MONDAY, start=dt.time(9), end=dt.time(12)
    )
    response = client_for("admin").post(
        url(clinician), week((MONDAY, main, "09:00", "12:00"), initial=1)
    )
    assert response.status_code == 302
    assert events() == []
    assert WorkingHours.history.count() == 1


def test_the_page_shows_the_week_and_blank_rows(client_for, clinician, main):
    WorkingHours.objects.create(
        practitioner=clinician, location=main, weekday=TUESDAY, start=dt.time(9), end=dt.time(12)
    )
    response = client_for("admin").get(url(clinician))
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 3
    assert formset.forms[0].initial == {
        "weekday": TUESDAY,
        "location": main.pk,
        "start": dt.time(9),
        "end": dt.time(12),
    }
    page = response.content.decode()
    assert 'value="09:00"' in page and "Working hours of Clinician" in page


def test_the_list_summarises_each_week(client_for, clinician, main):
    for start, end in ((9, 12), (13, 17)):
        WorkingHours.objects.create(
            practitioner=clinician,
            location=main,
            weekday=MONDAY,
            start=dt.time(start),
            end=dt.time(end),
        )
    page = client_for("admin").get(reverse("scheduling_hours")).content.decode()
    assert "09:00–12:00 Main, 13:00–17:00 Main" in page
    assert "no hours yet" in page  # the admin has none


def test_an_end_before_the_start_is_a_field_error(client_for, clinician, main):
    response = client_for("admin").post(url(clinician), week((MONDAY, main, "12:00", "09:00")))
    assert response.status_code == 200
    form = response.context["formset"].forms[0]
    assert form.errors["end"] == ["The end must be after the start."]
    page = response.content.decode()
    assert "The end must be after the start." in page
    assert "Please correct the rows marked below." in page
    assert stored(clinician) == []


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [(MONDAY, "main", "09:00", "12:00"), (MONDAY, "main", "11:00", "13:00")],
            "Monday: 09:00–12:00 overlaps 11:00–13:00 at Main.",
        ),
        (
            [(TUESDAY, "main", "09:00", "17:00"), (TUESDAY, "main", "12:00", "13:00")],
            "Tuesday: 09:00–17:00 overlaps 12:00–13:00 at Main.",
        ),
        (
            [(SATURDAY, "main", "09:00", "12:00"), (SATURDAY, "main", "09:00", "12:00")],
            "Saturday: 09:00–12:00 overlaps 09:00–12:00 at Main.",
        ),
        (
            [(MONDAY, "main", "09:00", "12:00"), (MONDAY, "uptown", "11:30", "14:00")],
            "Monday: 09:00–12:00 at Main overlaps 11:30–14:00 at Uptown.",
        ),
    ],
)
def test_overlapping_intervals_are_refused_naming_the_day(
    client_for, clinician, main, uptown, rows, message
):
    places = {"main": main, "uptown": uptown}
    data = week(*[(day, places[where], start, end) for day, where, start, end in rows])
    response = client_for("admin").post(url(clinician), data)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors() == [message]
    assert message in response.content.decode()
    assert stored(clinician) == []
    assert events() == []


def test_intervals_that_touch_do_not_overlap(client_for, clinician, main):
    response = client_for("admin").post(
        url(clinician),
        week((MONDAY, main, "09:00", "12:00"), (MONDAY, main, "12:00", "15:00")),
    )
    assert response.status_code == 302
    assert len(stored(clinician)) == 2


@pytest.mark.parametrize(
    "row, field",
    [
        ((MONDAY, "main", "09:00", ""), "end"),
        ((MONDAY, "main", "", "12:00"), "start"),
        ((None, "main", "09:00", "12:00"), "weekday"),
        ((MONDAY, "", "09:00", "12:00"), "location"),
        ((7, "main", "09:00", "12:00"), "weekday"),
        ((MONDAY, "main", "9 o'clock", "12:00"), "start"),
        ((MONDAY, "main", "09:00", "25:00"), "end"),
        ((MONDAY, 999999, "09:00", "12:00"), "location"),
    ],
)
def test_a_bad_row_is_a_field_error(client_for, clinician, main, row, field):
    weekday, location, start, end = row
    location = main if location == "main" else location
    response = client_for("admin").post(url(clinician), week((weekday, location, start, end)))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors[field]
    assert stored(clinician) == []


def test_another_clinics_location_is_refused(client_for, clinician, other_clinic):
    london = Location.objects.create(clinic=other_clinic, name="London")
    response = client_for("admin").post(url(clinician), week((MONDAY, london, "09:00", "12:00")))
    assert response.context["formset"].forms[0].errors["location"]
    assert stored(clinician) == []
    assert "London" not in client_for("admin").get(url(clinician)).content.decode()


def test_too_many_rows_is_an_error_not_a_crash(client_for, clinician, main):
    data = week(*[(MONDAY, main, "", "")] * 3)
    data["form-TOTAL_FORMS"] = "5000"
    response = client_for("admin").post(url(clinician), data)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert stored(clinician) == []


def test_a_broken_management_form_is_an_error_not_a_crash(client_for, clinician):
    response = client_for("admin").post(url(clinician), {"form-TOTAL_FORMS": "x"})
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()


def test_add_a_row_keeps_what_was_typed_and_saves_nothing(client_for, clinician, main):
    data = week((MONDAY, main, "09:00", "12:00"), (TUESDAY, main, "10:00", ""))
    response = client_for("admin").post(url(clinician), {**data, "add_row": "1"})
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 3
    page = response.content.decode()
    assert 'value="10:00"' in page
    assert "<html" in page
    # The half-typed Tuesday row is not an error yet.
    assert "Fill this in" not in page and "Please correct" not in page
    assert stored(clinician) == []


def test_add_a_row_with_a_broken_management_form_starts_afresh(client_for, clinician):
    response = client_for("admin").post(url(clinician), {"form-TOTAL_FORMS": "x", "add_row": "1"})
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 1
    assert stored(clinician) == []


def test_add_a_row_through_htmx_answers_only_the_rows(client_for, clinician, main):
    data = week((MONDAY, main, "09:00", "12:00"))
    response = client_for("admin").post(
        url(clinician), {**data, "add_row": "1"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="hours-rows">')
    assert "<html" not in page
    assert 'name="form-TOTAL_FORMS" value="2"' in page


def test_editing_hours_changes_the_slots_offered(client_for, clinic, clinician, main):
    service = consult_service(clinic, clinician, min_notice_hours=0, buffer_after_minutes=0)
    before = find_service_slots(service, NEXT_MONDAY, NEXT_MONDAY + dt.timedelta(days=1))
    assert before[0].start == dt.datetime(2026, 6, 8, 13, tzinfo=dt.UTC)  # 09:00 in New York
    assert {s.start.date() for s in before} == {NEXT_MONDAY, NEXT_MONDAY + dt.timedelta(days=1)}

    response = client_for("admin").post(url(clinician), week((MONDAY, main, "14:00", "15:00")))
    assert response.status_code == 302

    after = find_service_slots(service, NEXT_MONDAY, NEXT_MONDAY + dt.timedelta(days=1))
    local = [s.start.astimezone(clinic.tz).strftime("%a %H:%M") for s in after]
    assert local == ["Mon 14:00", "Mon 14:15", "Mon 14:30"]


def test_an_admin_of_another_clinic_gets_404(client_for, clinician, main):
    client = client_for("other_staff")
    assert client.get(url(clinician)).status_code == 404
    response = client.post(url(clinician), week((MONDAY, main, "09:00", "12:00")))
    assert response.status_code == 404
    assert stored(clinician) == []


def test_the_front_desk_has_no_working_hours_page(client_for, users):
    frontdesk = Membership.objects.get(user=users["frontdesk"])
    assert client_for("admin").get(url(frontdesk)).status_code == 404


def test_another_clinics_practitioner_is_404(client_for, users):
    theirs = Membership.objects.get(user=users["other_staff"])
    assert client_for("admin").get(url(theirs)).status_code == 404


@pytest.mark.parametrize(
    "persona, status",
    [("clinician", 403), ("frontdesk", 403), ("patient", 404), ("anonymous", 302)],
)
def test_only_admins_may_edit_hours(client_for, clinician, main, persona, status):
    client = client_for(persona)
    assert client.get(reverse("scheduling_hours")).status_code == status
    assert client.get(url(clinician)).status_code == status
    response = client.post(url(clinician), week((MONDAY, main, "09:00", "12:00")))
    assert response.status_code == status
    assert stored(clinician) == []
