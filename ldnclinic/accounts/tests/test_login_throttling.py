"""django-axes: 5 failures per email and address, then a 15-minute pause."""

import datetime

import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from ldnclinic.accounts.tests.conftest import events, sign_in, without_csrf
from ldnclinic.audit.codes import Event

PAUSED = "Sign-in is paused for 15 minutes"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def fail(client, email, times):
    return [sign_in(client, email, "wrong password").status_code for _ in range(times)]


def test_the_limits_are_five_failures_and_fifteen_minutes():
    cooloff = settings.AXES_COOLOFF_TIME
    assert settings.AXES_FAILURE_LIMIT == 5
    assert cooloff == datetime.timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_it_locks_on_the_fifth_failure(users):
    client = Client()
    assert fail(client, "clinician@x.test", 5) == [400, 400, 400, 400, 429]
    response = sign_in(client, "clinician@x.test", "wrong password")
    assert response.status_code == 429
    assert PAUSED in response.content.decode()


def test_it_locks_even_with_the_right_password(users):
    client = Client()
    fail(client, "clinician@x.test", 5)
    response = sign_in(client, "clinician@x.test")
    assert response.status_code == 429
    assert PAUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(users):
    client = Client()
    fail(client, "clinician@x.test", 4)
    assert sign_in(client, "clinician@x.test").status_code == 302


def test_a_success_resets_the_count(users):
    client = Client()
    fail(client, "clinician@x.test", 4)
    sign_in(client, "clinician@x.test")
    client.post("/logout/")
    assert fail(client, "clinician@x.test", 4) == [400] * 4
    assert sign_in(client, "clinician@x.test").status_code == 302


def test_it_lifts_after_fifteen_minutes(users):
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        fail(client, "clinician@x.test", 5)
        clock.shift(datetime.timedelta(minutes=14, seconds=59))
        assert sign_in(client, "clinician@x.test").status_code == 429
        clock.shift(datetime.timedelta(minutes=15, seconds=1))
        assert sign_in(client, "clinician@x.test").status_code == 302


def test_it_locks_an_unknown_email_the_same_way(users):
    known, unknown = Client(), Client()
    fail(known, "clinician@x.test", 5)
    assert fail(unknown, "nobody@x.test", 5) == [400, 400, 400, 400, 429]
    known_page = sign_in(known, "clinician@x.test", "wrong password")
    unknown_page = sign_in(unknown, "nobody@x.test", "wrong password")
    assert known_page.status_code == unknown_page.status_code == 429
    assert without_csrf(known_page.content.decode()).replace(
        "clinician@x.test", "EMAIL"
    ) == without_csrf(unknown_page.content.decode()).replace("nobody@x.test", "EMAIL")


def test_it_does_not_lock_another_address(users):
    fail(Client(REMOTE_ADDR="198.51.100.1"), "clinician@x.test", 5)
    assert sign_in(Client(REMOTE_ADDR="198.51.100.2"), "clinician@x.test").status_code == 302


def test_it_does_not_lock_another_email_from_the_same_address(users):
    client = Client()
    fail(client, "clinician@x.test", 5)
    assert sign_in(client, "frontdesk@x.test").status_code == 302


def test_a_spoofed_forwarded_for_header_does_not_escape_the_lock(users):
    client = Client()
    fail(client, "clinician@x.test", 5)
    response = sign_in(client, "clinician@x.test", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert response.status_code == 429


def test_the_email_case_does_not_escape_the_lock(users):
    client = Client()
    fail(client, "clinician@x.test", 5)
    assert sign_in(client, "CLINICIAN@x.test").status_code == 429


def test_it_audits_the_lock_with_the_source_ip(users):
    fail(Client(REMOTE_ADDR="203.0.113.50"), "clinician@x.test", 5)
    [event] = events(Event.LOGIN_LOCKED_OUT)
    assert event.source_ip == "203.0.113.50"
    assert event.payload == {"email": "clinician@x.test"}
    assert len(events(Event.LOGIN_FAILED)) == 5


def test_attempts_are_stored_per_test(db):
    # The db fixture rolls axes' tables back with everything else.
    assert AccessAttempt.objects.count() == 0
