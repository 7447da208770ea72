"""Bearer tokens on the API: active ones work; revoked, expired, read-only for writes,
and those of deactivated users do not."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ldnclinic.accounts.actions import do_deactivate_user, do_revoke_api_token
from ldnclinic.audit.log import Actor

NEW_PATIENT = {"given_name": "Nora", "family_name": "New", "date_of_birth": "1990-02-03"}
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def assert_refused(response):
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "error": "Authentication required: send a valid API token.",
        "fields": {},
    }


def test_an_active_token_works(bearer):
    api, _ = bearer("clinician")
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "clinician@x.test"


def test_it_records_when_a_token_was_last_used(bearer):
    api, token = bearer("clinician")
    with time_machine.travel(START, tick=False):
        api.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at == START


@pytest.mark.parametrize(
    "header",
    ["Bearer ldn_not-a-real-token", "Bearer ", "Token abc", "Bearer abc", "Basic Zm9vOmJhcg=="],
)
def test_a_bad_token_is_refused(db, header):
    assert_refused(Client(HTTP_AUTHORIZATION=header).get("/api/v1/me"))


def test_no_token_is_refused(db):
    assert_refused(Client().get("/api/v1/me"))


def test_a_revoked_token_is_refused(bearer, users):
    api, token = bearer("clinician")
    do_revoke_api_token(Actor.system(), token)
    assert_refused(api.get("/api/v1/me"))


def test_an_expired_token_is_refused(bearer):
    with time_machine.travel(START, tick=False) as clock:
        api, _ = bearer("clinician", expires_at=timezone.now() + datetime.timedelta(days=1))
        assert api.get("/api/v1/me").status_code == 200
        clock.shift(datetime.timedelta(days=1))
        assert_refused(api.get("/api/v1/me"))


def test_a_read_only_token_reads(bearer, patient_a):
    api, _ = bearer("clinician", read_only=True)
    assert api.get("/api/v1/me").json()["token_read_only"] is True
    assert api.get("/api/v1/patients").status_code == 200


def test_a_read_only_token_cannot_write(bearer, patient_a):
    api, _ = bearer("clinician", read_only=True)
    response = api.post("/api/v1/patients", NEW_PATIENT, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == "This API token is read-only."
    response = api.patch(
        f"/api/v1/patients/{patient_a.pk}", {"phone": "555"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_a_read_write_token_can_write(bearer):
    api, _ = bearer("clinician")
    response = api.post("/api/v1/patients", NEW_PATIENT, content_type="application/json")
    assert response.status_code == 201


def test_a_deactivated_users_token_is_refused(bearer, users):
    api, token = bearer("clinician")
    do_deactivate_user(Actor.system(), users["clinician"])
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_refused(api.get("/api/v1/me"))


def test_an_inactive_users_token_is_refused_even_if_not_revoked(bearer, users):
    api, _ = bearer("clinician")
    users["clinician"].is_active = False
    users["clinician"].save()
    assert_refused(api.get("/api/v1/me"))


def test_a_token_needs_no_csrf_token(bearer):
    api, _ = bearer("clinician")
    api.handler.enforce_csrf_checks = True
    response = api.post("/api/v1/patients", NEW_PATIENT, content_type="application/json")
    assert response.status_code == 201


def test_the_session_needs_a_csrf_token_to_write(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["clinician"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/v1/patients", NEW_PATIENT, content_type="application/json")
    assert response.status_code in (401, 403)
