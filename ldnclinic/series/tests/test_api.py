"""The session series API: list, confirm, move; who may; bad input answers 4xx."""

import datetime as dt
import json

import pytest

from ldnclinic.accounts.models import ApiToken
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.models import Appointment
from ldnclinic.scheduling.tests.calendar_support import book
from ldnclinic.series.actions import do_confirm_series, do_propose_series
from ldnclinic.series.models import PlanSession, SessionStatus
from ldnclinic.series.tests.conftest import ACTOR, local

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    data = json.dumps(body) if body is not None else ""
    return client.post(url, data, content_type="application/json")


def sessions_url(plan):
    return f"/api/v1/plans/{plan.pk}/sessions"


def move_url(session):
    return f"/api/v1/plan-sessions/{session.pk}/move"


@pytest.fixture
def proposed(plan):
    return do_propose_series(ACTOR, plan)


def test_it_lists_the_sessions_in_clinic_time(client_for, plan, proposed):
    response = client_for("frontdesk").get(sessions_url(plan))
    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "America/New_York"
    first = body["items"][0]
    assert first["start"] == "2026-12-15T09:00:00-05:00"
    assert first["status"] == "proposed"
    assert first["service"] == "laser-session"
    assert first["earliest_date"] == "2026-12-08"
    assert [i["sequence"] for i in body["items"]] == [1, 2, 3, 4]
    assert AuditEvent.objects.filter(code=Event.PLAN_VIEWED, patient=plan.patient).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clinician", 200), ("patient", 200), ("patient2", 404), ("other_staff", 404)],
)
def test_the_list_is_the_patients_and_their_clinics(client_for, plan, proposed, persona, status):
    assert client_for(persona).get(sessions_url(plan)).status_code == status


def test_an_unknown_plan_is_404(client_for):
    response = client_for("frontdesk").get("/api/v1/plans/999999/sessions")
    assert response.status_code == 404
    assert response.json()["error"] == "Not found."


def test_frontdesk_confirms_all_in_one_call(client_for, plan, proposed):
    response = post(client_for("frontdesk"), f"{sessions_url(plan)}/confirm")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["booked"]) == 4 and body["waiting"] == []
    assert all(item["appointment"] for item in body["booked"])
    assert Appointment.objects.filter(patient=plan.patient).count() == 4


@pytest.mark.parametrize(
    ("persona", "status"), [("patient", 403), ("patient2", 404), ("other_staff", 404)]
)
def test_only_the_clinics_staff_confirm(client_for, plan, proposed, persona, status):
    assert post(client_for(persona), f"{sessions_url(plan)}/confirm").status_code == status
    assert Appointment.objects.count() == 0


def test_a_read_only_token_cannot_confirm(client, users, plan, proposed, clinic):
    secret, token_hash = ApiToken.generate()
    ApiToken.objects.create(
        user=users["frontdesk"],
        clinic=clinic,
        name="ro",
        token_hash=token_hash,
        lookup_prefix=secret[:12],
        read_only=True,
    )
    response = client.post(f"{sessions_url(plan)}/confirm", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403
    assert Appointment.objects.count() == 0


def test_confirming_with_nothing_proposed_is_422(client_for, plan):
    response = post(client_for("frontdesk"), f"{sessions_url(plan)}/confirm")
    assert response.status_code == 422
    assert "no proposed sessions" in response.json()["error"]


def test_moving_a_booked_session_shifts_the_later_ones(client_for, plan, proposed):
    do_confirm_series(ACTOR, plan)
    second = PlanSession.objects.get(plan=plan, sequence=2, status=SessionStatus.BOOKED)
    third_before = PlanSession.objects.get(plan=plan, sequence=3).appointment.start
    response = post(
        client_for("frontdesk"), move_url(second), {"start": "2027-01-14T10:00:00-05:00"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["start"] == "2027-01-14T10:00:00-05:00"
    third = PlanSession.objects.get(plan=plan, sequence=3)
    assert third.appointment.start.date() == (third_before + dt.timedelta(days=2)).date()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"start": "2027-03-01T10:00:00-05:00"}, 422, "start"),  # outside the window
        ({"start": "2027-01-14T10:00:00"}, 422, "start"),  # no UTC offset
        ({"start": "not a time"}, 422, "start"),
        ({}, 422, "start"),
        ({"start": "2027-01-14T10:00:00-05:00", "colour": "red"}, 422, "colour"),
        ({"start": "2027-01-14T10:00:00-05:00", "practitioner": 999999}, 422, None),
    ],
)
def test_bad_moves_answer_4xx(client_for, proposed, body, status, field):
    response = post(client_for("frontdesk"), move_url(proposed[1]), body)
    assert response.status_code == status, response.content
    if field:
        assert field in response.json()["fields"] or field in response.json()["error"]


def test_moving_to_a_taken_time_is_refused(client_for, plan, proposed, laser, patient_b):
    do_confirm_series(ACTOR, plan)
    second = PlanSession.objects.get(plan=plan, sequence=2, status=SessionStatus.BOOKED)
    book(patient_b, laser, local(dt.date(2027, 1, 14), 10))
    response = post(
        client_for("frontdesk"), move_url(second), {"start": "2027-01-14T10:00:00-05:00"}
    )
    assert response.status_code == 409
    assert response.json()["next_slots"]


@pytest.mark.parametrize(
    ("persona", "status"), [("patient", 403), ("patient2", 404), ("other_staff", 404)]
)
def test_only_the_clinics_staff_move(client_for, proposed, persona, status):
    response = post(
        client_for(persona), move_url(proposed[1]), {"start": "2027-01-14T10:00:00-05:00"}
    )
    assert response.status_code == status
