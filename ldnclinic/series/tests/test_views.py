"""The series pages: the front desk's list, one plan's series, confirm, move; and who may."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.forms_calendar import slot_value
from ldnclinic.scheduling.models import Appointment
from ldnclinic.series.actions import do_confirm_series, do_propose_series
from ldnclinic.series.models import PlanSession, SessionStatus
from ldnclinic.series.panels import patient_sessions, plan_panel
from ldnclinic.series.tests.conftest import ACTOR, local, make_plan

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def proposed(plan):
    return do_propose_series(ACTOR, plan)


def test_the_list_shows_plans_with_proposals_and_a_confirm_button(client_for, plan, proposed):
    response = client_for("frontdesk").get(reverse("series_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Adams, Alice" in html
    assert reverse("plan_series_confirm", args=[plan.pk]) in html
    assert "Tue 15 Dec 2026 09:00" in html  # clinic time, not UTC
    assert AuditEvent.objects.filter(code=Event.PATIENT_LIST_VIEWED).exists()


def test_the_list_leaves_out_other_clinics(client_for, plan, proposed, other_clinic, patient_y):
    response = client_for("other_staff").get(reverse("series_list"))
    assert response.status_code == 200
    assert "Adams" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("frontdesk", 200), ("clinician", 200), ("patient", 404), ("anonymous", 302)],
)
def test_the_list_is_for_staff(client_for, persona, status):
    assert client_for(persona).get(reverse("series_list")).status_code == status


def test_the_plan_page_shows_the_sessions_in_clinic_time(client_for, plan, proposed):
    response = client_for("clinician").get(reverse("plan_series", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Laser (Nd:YAG)" in html
    assert "Tue 15 Dec 2026, 09:00" in html
    assert "Confirm series" in html
    assert AuditEvent.objects.filter(code=Event.PLAN_VIEWED, patient=plan.patient).exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("patient", 404), ("patient2", 404), ("other_staff", 404)]
)
def test_the_plan_page_hides_from_others(client_for, plan, persona, status):
    assert client_for(persona).get(reverse("plan_series", args=[plan.pk])).status_code == status


def test_frontdesk_confirms_the_series(client_for, plan, proposed):
    response = client_for("frontdesk").post(
        reverse("plan_series_confirm", args=[plan.pk]), {"next": "list"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("series_list")
    assert Appointment.objects.filter(patient=plan.patient).count() == 4
    assert PlanSession.objects.filter(plan=plan, status=SessionStatus.BOOKED).count() == 4


def test_a_failed_confirmation_says_why(client_for, plan):
    response = client_for("frontdesk").post(
        reverse("plan_series_confirm", args=[plan.pk]), follow=True
    )
    assert "no proposed sessions" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("patient", 403), ("patient2", 404)])
def test_patients_cannot_confirm(client_for, plan, proposed, persona, status):
    response = client_for(persona).post(reverse("plan_series_confirm", args=[plan.pk]))
    assert response.status_code == status
    assert Appointment.objects.count() == 0


def test_other_clinics_cannot_confirm(client_for, plan, proposed):
    response = client_for("other_staff").post(reverse("plan_series_confirm", args=[plan.pk]))
    assert response.status_code == 404
    assert Appointment.objects.count() == 0


def test_the_move_form_offers_the_free_times_in_the_window(client_for, proposed):
    second = proposed[1]
    url = reverse("series_session_move", args=[second.pk])
    client = client_for("frontdesk")
    response = client.get(url, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the partial, for the panel
    # Its own day first, and every working day of the window (5-19 January) to choose.
    who = second.proposed_practitioner_id
    assert slot_value(who, local(dt.date(2027, 1, 12), 10)) in html
    assert "?date=2027-01-05" in html and "?date=2027-01-19" in html
    assert "?date=2027-01-04" not in html and "?date=2027-01-09" not in html
    html = client.get(url, {"date": "2027-01-14"}, **HX).content.decode()
    assert slot_value(who, local(dt.date(2027, 1, 14), 10)) in html
    # A day outside the window shows the window's nearest day.
    html = client.get(url, {"date": "2027-03-01"}).content.decode()
    assert slot_value(who, local(dt.date(2027, 1, 19), 10)) in html


def test_moving_from_the_form_shifts_the_later_sessions(client_for, plan, proposed):
    second = proposed[1]
    new = local(dt.date(2027, 1, 15), 11)
    response = client_for("frontdesk").post(
        reverse("series_session_move", args=[second.pk]),
        {"slot": slot_value(second.proposed_practitioner_id, new)},
    )
    assert response.status_code == 302
    third = PlanSession.objects.live().get(plan=plan, sequence=3)
    assert third.target_date == dt.date(2027, 2, 12)


def test_a_bad_move_shows_the_error(client_for, proposed):
    second = proposed[1]
    response = client_for("frontdesk").post(
        reverse("series_session_move", args=[second.pk]), {"slot": "nonsense"}
    )
    assert response.status_code == 400
    assert "Choose one of the free times." in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "method", "status"),
    [
        ("patient", "get", 404),
        ("patient", "post", 404),
        ("other_staff", "get", 404),
        ("other_staff", "post", 404),
    ],
)
def test_the_move_form_is_the_clinics_staff_only(client_for, proposed, persona, method, status):
    url = reverse("series_session_move", args=[proposed[1].pk])
    response = getattr(client_for(persona), method)(url)
    assert response.status_code == status


def test_the_panel_and_the_patients_dates(rf, users, plan, proposed):
    do_confirm_series(ACTOR, plan)
    request = rf.get("/")
    request.user = users["frontdesk"]
    request.session = {}
    panel = plan_panel(request, plan)
    assert len(panel["sessions"]) == 4
    assert panel["can_confirm"] is False and panel["can_write"] is True
    rows = patient_sessions(plan)
    assert [r.status_label for r in rows] == ["Booked"] * 4
    assert rows[0].name == "Laser (Nd:YAG)"
    assert rows[0].start.utcoffset() == dt.timedelta(hours=-5)


def test_the_patient_sees_proposals_without_a_time(clinic, patient_a, laser):
    plan = make_plan(clinic, patient_a)
    do_propose_series(ACTOR, plan)
    rows = patient_sessions(plan)
    assert rows[0].start is None
    assert rows[0].target_date == dt.date(2026, 12, 15)
    assert rows[0].status_label.startswith("Proposed")


def test_the_list_takes_the_same_queries_for_more_plans(
    client_for, clinic, patient_a, patient_b, laser
):
    do_propose_series(ACTOR, make_plan(clinic, patient_a))
    client = client_for("frontdesk")
    client.get(reverse("series_list"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("series_list"))
    for _ in range(3):
        do_propose_series(ACTOR, make_plan(clinic, patient_b))
    with CaptureQueriesContext(connection) as four:
        response = client.get(reverse("series_list"))
    assert response.content.decode().count("Confirm series<span") == 4
    assert len(four) == len(one)
