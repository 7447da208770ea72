import datetime

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.accounts.tests.conftest import events
from ldnclinic.audit.codes import Event

START = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)
ACCOUNT = reverse("account")


def signed_in(response):
    return response.status_code == 200


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def idle(clock, minutes, seconds=0):
    clock.shift(datetime.timedelta(minutes=minutes, seconds=seconds))


def test_staff_stay_signed_in_for_thirty_idle_minutes(client_for, clock):
    client = client_for("clinician")
    assert signed_in(client.get(ACCOUNT))
    idle(clock, 29, 59)
    assert signed_in(client.get(ACCOUNT))


def test_activity_between_session_writes_counts(client_for, clock):
    # The session records activity at most once a minute; a request in between still
    # starts the thirty minutes afresh.
    client = client_for("clinician")
    client.get(ACCOUNT)
    idle(clock, 0, 50)
    client.get(ACCOUNT)
    idle(clock, 29, 59)
    assert signed_in(client.get(ACCOUNT))


def test_staff_are_signed_out_after_thirty_idle_minutes(client_for, clock, users):
    client = client_for("clinician")
    client.get(ACCOUNT)
    idle(clock, 31)
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    # Signed out for good, not just for one request.
    assert client.get(ACCOUNT).status_code == 302
    [event] = events(Event.SESSION_EXPIRED)
    assert event.actor == users["clinician"]


def test_it_says_why_on_the_login_page(client_for, clock):
    client = client_for("clinician")
    client.get(ACCOUNT)
    idle(clock, 31)
    response = client.get(ACCOUNT, follow=True)
    assert response.status_code == 200
    assert "signed out after a period of inactivity" in response.content.decode()


def test_it_sends_the_user_back_after_signing_in_again(client_for, clock):
    client = client_for("clinician")
    client.get(ACCOUNT)
    idle(clock, 31)
    response = client.get(ACCOUNT)
    assert response.url == f"{reverse('login')}?next=/account/"


def test_activity_keeps_the_session_alive(client_for, clock):
    client = client_for("clinician")
    for _ in range(4):
        assert signed_in(client.get(ACCOUNT))
        idle(clock, 20)
    assert signed_in(client.get(ACCOUNT))


def test_the_limit_is_set_per_clinic(client_for, clock, clinic):
    clinic.staff_idle_minutes = 10
    clinic.save()
    client = client_for("frontdesk")
    client.get(ACCOUNT)
    idle(clock, 9, 59)
    assert signed_in(client.get(ACCOUNT))
    idle(clock, 11)
    assert not signed_in(client.get(ACCOUNT))


def test_a_longer_clinic_limit_is_honoured(client_for, clock, clinic):
    clinic.staff_idle_minutes = 120
    clinic.save()
    client = client_for("admin")
    client.get(ACCOUNT)
    idle(clock, 119)
    assert signed_in(client.get(ACCOUNT))


def test_patients_get_the_patient_limit(client_for, clock, settings, patient_a):
    settings.PATIENT_IDLE_MINUTES = 60
    client = client_for("patient")
    client.get(ACCOUNT)
    idle(clock, 59, 59)
    assert signed_in(client.get(ACCOUNT))
    idle(clock, 61)
    assert not signed_in(client.get(ACCOUNT))
    assert len(events(Event.SESSION_EXPIRED)) == 1


def test_the_api_refuses_an_idle_session(client_for, clock):
    client = client_for("clinician")
    assert client.get("/api/v1/me").status_code == 200
    idle(clock, 31)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]
    assert len(events(Event.SESSION_EXPIRED)) == 1
