"""How the API knows who is calling: a Bearer token or the browser session."""

import datetime
import json

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ldnclinic.accounts.actions import do_create_api_token, do_revoke_api_token
from ldnclinic.accounts.models import ApiToken
from ldnclinic.audit.log import Actor
from ldnclinic.patients.models import Patient
from ldnclinic.patients.tests.conftest import VALID

URL = "/api/v1/patients"


def token_for(user, **options):
    _, raw = do_create_api_token(Actor.system(), user, name="t", **options)
    return raw


def test_no_credentials_is_401_in_the_error_shape(db):
    response = Client().get(URL)
    assert response.status_code == 401
    assert response.json() == {
        "error": "Authentication required: send a valid API token.",
        "fields": {},
    }


@pytest.mark.parametrize(
    "header", ["Bearer nope", "Bearer ldn_wrong", "Token ldn_x", "Bearer", "ldn_abc"]
)
def test_a_bad_token_is_401(users, header):
    assert Client(HTTP_AUTHORIZATION=header).get(URL).status_code == 401


def test_a_revoked_token_is_401(users, clinic):
    raw = token_for(users["clinician"], clinic=clinic)
    do_revoke_api_token(Actor.system(), ApiToken.objects.get())
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(URL).status_code == 401


def test_an_expired_token_is_401(users, clinic):
    expires = timezone.now() + datetime.timedelta(days=1)
    raw = token_for(users["clinician"], clinic=clinic, expires_at=expires)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(URL).status_code == 200
    with time_machine.travel(expires + datetime.timedelta(seconds=1)):
        assert client.get(URL).status_code == 401


def test_a_deactivated_users_token_is_401(users, clinic):
    raw = token_for(users["clinician"], clinic=clinic)
    users["clinician"].is_active = False
    users["clinician"].save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(URL).status_code == 401


def test_a_token_without_a_clinic_acts_in_the_users_clinic(users, clinic, counts):
    raw = token_for(users["frontdesk"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(URL, json.dumps(VALID), content_type="application/json")
    assert response.status_code == 201
    assert Patient.objects.get().clinic == clinic


def test_a_token_needs_no_csrf_token(users, clinic):
    raw = token_for(users["clinician"], clinic=clinic)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(URL, json.dumps(VALID), content_type="application/json")
    assert response.status_code == 201


def test_a_token_records_when_it_was_last_used(users, clinic):
    raw = token_for(users["clinician"], clinic=clinic)
    moment = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(URL)
    assert ApiToken.objects.get().last_used_at == moment


def test_the_session_works_for_reads(client_for, patient_a):
    assert client_for("clinician").get(URL).status_code == 200


def test_a_session_write_needs_the_csrf_token(users, clinic, counts):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["clinician"], backend="django.contrib.auth.backends.ModelBackend")
    before = counts()
    response = client.post(URL, json.dumps(VALID), content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"error": "CSRF check Failed", "fields": {}}
    assert counts() == before
    client.get("/account/")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        URL, json.dumps(VALID), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201
