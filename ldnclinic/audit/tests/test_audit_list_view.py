import datetime

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient

URL = reverse("audit_list")
UTC = datetime.UTC
# The trail lies in January 2024, apart from the rows that setting up the world wrote.
JANUARY = {"date_from": "2024-01-01", "date_to": "2024-01-31"}
# Clinic X is in New York: 23:30 there on 15 January is 04:30 UTC on the 16th.
LATE_ON_THE_15TH = datetime.datetime(2024, 1, 16, 4, 30, tzinfo=UTC)
EARLY_ON_THE_16TH = datetime.datetime(2024, 1, 16, 5, 30, tzinfo=UTC)
LATE_ON_THE_14TH = datetime.datetime(2024, 1, 15, 4, 30, tzinfo=UTC)
AUDIT_QUERIES = 9


def shown(response):
    return list(response.context["page"].object_list)


def get(client, **filters):
    return client.get(URL, {**JANUARY, **filters})


@pytest.fixture
def trail(event_at, clinic, other_clinic, users, patient_a, patient_b, patient_y):
    """Events for clinic X on three local days, and two for clinic Y."""
    return {
        "a_14th": event_at(LATE_ON_THE_14TH, user=users["clinician"], patient=patient_a),
        "b_15th": event_at(LATE_ON_THE_15TH, user=users["frontdesk"], patient=patient_b),
        "edit_16th": event_at(
            EARLY_ON_THE_16TH,
            user=users["clinician"],
            patient=patient_a,
            code=Event.PATIENT_UPDATED,
        ),
        "logout_y": event_at(
            LATE_ON_THE_15TH, clinic=other_clinic, user=users["other_staff"], code=Event.LOGOUT
        ),
        "y_patient": event_at(LATE_ON_THE_15TH, user=users["other_staff"], patient=patient_y),
    }


def test_it_shows_the_clinics_events_newest_first(client_for, trail):
    response = get(client_for("admin"))
    assert response.status_code == 200
    assert shown(response) == [trail["edit_16th"], trail["b_15th"], trail["a_14th"]]
    body = response.content.decode()
    assert "2024-01-15 23:30:00" in body  # in the clinic's time zone
    assert "Times in America/New_York." in body
    assert "Bob Brown" in body and "X-000002" in body


def test_it_never_shows_another_clinics_events(client_for, trail, clinic):
    response = client_for("admin").get(URL)
    assert shown(response)
    assert {e.clinic_id for e in shown(response)} == {clinic.pk}
    body = response.content.decode()
    assert "admin@y.test" not in body and "Yara" not in body


def test_another_clinics_admin_sees_only_theirs(client_for, trail):
    response = get(client_for("other_staff"))
    assert shown(response) == [trail["y_patient"], trail["logout_y"]]


def test_the_page_shows_the_trail_as_it_was_when_asked(client_for, trail):
    # Not the row that this very view writes, which would push the oldest row off the page.
    response = client_for("admin").get(URL)
    events = shown(response)
    assert len(events) == response.context["page"].paginator.count
    assert Event.AUDIT_VIEWED not in [e.code for e in events]
    assert trail["a_14th"] in events


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"patient": "X-000001"}, ["edit_16th", "a_14th"]),
        ({"patient": "x-000002"}, ["b_15th"]),
        ({"patient": "Bob"}, ["b_15th"]),
        ({"patient": "alice adams"}, ["edit_16th", "a_14th"]),
        ({"patient": "Yara"}, []),
        ({"patient": "Y-000001"}, []),
        ({"actor": "frontdesk@x.test"}, ["b_15th"]),
        ({"actor": "CLINICIAN@"}, ["edit_16th", "a_14th"]),
        ({"actor": "admin@y.test"}, []),
        ({"event": "102"}, ["edit_16th"]),
        ({"event": "903"}, []),
        ({"event": "100", "actor": "clinician"}, ["a_14th"]),
        ({"date_from": "2024-01-15", "date_to": "2024-01-15"}, ["b_15th"]),
        ({"date_from": "2024-01-16"}, ["edit_16th"]),
        ({"date_to": "2024-01-14"}, ["a_14th"]),
        ({"date_from": "2024-01-14", "date_to": "2024-01-15"}, ["b_15th", "a_14th"]),
    ],
)
def test_it_filters(client_for, trail, filters, expected):
    response = get(client_for("admin"), **filters)
    assert shown(response) == [trail[name] for name in expected]


def test_a_date_range_that_ends_before_it_starts_is_an_error(client_for, trail):
    response = client_for("admin").get(URL, {"date_from": "2024-01-16", "date_to": "2024-01-15"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert shown(response) == []


@pytest.mark.parametrize("filters", [{"event": "999"}, {"date_from": "15/01/2024"}])
def test_bad_filters_show_nothing(client_for, trail, filters):
    response = client_for("admin").get(URL, filters)
    assert response.context["form"].errors
    assert shown(response) == []


def test_viewing_the_trail_is_audited(client_for, trail, users, clinic):
    client_for("admin").get(URL, {"event": "102"}, REMOTE_ADDR="203.0.113.9")
    event = AuditEvent.objects.get(code=Event.AUDIT_VIEWED)
    assert (event.actor, event.clinic_id, event.source_ip) == (
        users["admin"],
        clinic.pk,
        "203.0.113.9",
    )
    assert event.payload["filters"]["event"] == "102"


@pytest.mark.parametrize(
    "persona, status", [("clinician", 403), ("frontdesk", 403), ("patient", 404)]
)
def test_only_admins_see_the_trail(client_for, trail, persona, status):
    assert client_for(persona).get(URL).status_code == status


def test_it_pages_by_50_and_keeps_the_filters(client_for, clinic, event_at):
    for minute in range(55):
        event_at(datetime.datetime(2024, 1, 5, 12, minute, tzinfo=UTC), clinic=clinic)
    client = client_for("admin")
    assert len(shown(get(client))) == 50
    second = get(client, event="100", page="2")
    assert len(shown(second)) == 5
    body = second.content.decode()
    assert "Page 2 of 2" in body
    assert "event=100" in body and "page=1" in body


@pytest.mark.parametrize("how_many", [5, 50])
def test_its_query_count_does_not_grow_with_the_page(
    client_for, clinic, users, event_at, how_many, django_assert_num_queries
):
    for i in range(how_many):
        patient = make_patient(clinic, given_name=f"P{i}")
        event_at(
            datetime.datetime(2024, 1, 9, 12, i, tzinfo=UTC),
            user=users["clinician"],
            patient=patient,
        )
    client = client_for("admin")
    with time_machine.travel(datetime.datetime(2024, 3, 10, 15, 0, tzinfo=UTC), tick=False):
        client.get(URL)
        with django_assert_num_queries(AUDIT_QUERIES):
            response = get(client, event="100")
    assert len(shown(response)) == how_many
    assert "P0 Example" in response.content.decode()
