import datetime
import hashlib

import time_machine
from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.models import ApiToken, Membership, Role
from ldnclinic.accounts.tests.conftest import events
from ldnclinic.audit.codes import Event

URL = reverse("api_token_create")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def create(client, **values):
    return client.post(URL, {"name": "Reporting script", **values})


def raw_token(response):
    return response.context["raw"]


def test_it_shows_the_token_once(client_for, users):
    client = client_for("clinician")
    response = create(client)
    assert response.status_code == 200
    raw = raw_token(response)
    assert raw.startswith("ldn_")
    assert raw in response.content.decode()
    assert raw not in client.get(reverse("account")).content.decode()
    assert response["Cache-Control"] == "no-store"


def test_it_stores_only_the_hash(client_for, users):
    raw = raw_token(create(client_for("clinician")))
    [token] = ApiToken.objects.filter(user=users["clinician"])
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.lookup_prefix)
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert raw not in stored
    assert not any(len(v) > 12 and v in raw for v in stored)


def test_the_account_page_lists_it_by_prefix(client_for, users):
    client = client_for("clinician")
    create(client)
    token = ApiToken.objects.get(user=users["clinician"])
    page = client.get(reverse("account")).content.decode()
    assert "Reporting script" in page
    assert f"{token.lookup_prefix}…" in page


def test_it_works_as_a_bearer_token(client_for, users):
    raw = raw_token(create(client_for("clinician")))
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "clinician@x.test"
    assert response.json()["staff"]["role"] == "clinician"
    assert response.json()["token_read_only"] is False


def test_it_can_be_read_only(client_for, users):
    create(client_for("clinician"), read_only="on")
    assert ApiToken.objects.get(user=users["clinician"]).read_only


def test_it_can_expire(client_for, users):
    with time_machine.travel(START, tick=False):
        create(client_for("clinician"), expires_in_days="30")
    token = ApiToken.objects.get(user=users["clinician"])
    assert token.expires_at == START + datetime.timedelta(days=30)


def test_it_audits_the_creation(client_for, users, clinic):
    create(client_for("clinician"))
    [event] = events(Event.TOKEN_CREATED)
    assert event.actor == users["clinician"]
    assert event.clinic_id == clinic.pk
    assert event.payload == {"name": "Reporting script", "read_only": False}


def test_it_needs_a_name(client_for, users):
    response = create(client_for("clinician"), name="")
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_it_refuses_a_silly_expiry(client_for, users):
    create(client_for("clinician"), expires_in_days="0")
    create(client_for("clinician"), expires_in_days="100000")
    assert not ApiToken.objects.exists()


def test_a_patient_gets_a_token_for_their_own_records(client_for, patient_a):
    raw = raw_token(create(client_for("patient")))
    assert ApiToken.objects.get().clinic is None
    me = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").json()
    assert me["staff"] is None
    assert me["patient_ids"] == [patient_a.pk]


def test_it_binds_the_token_to_the_clinic_being_worked_in(client_for, users, other_clinic):
    Membership.objects.create(user=users["clinician"], clinic=other_clinic, role=Role.CLINICIAN)
    client = client_for("clinician")
    client.post(reverse("switch_clinic"), {"clinic": other_clinic.pk})
    raw = raw_token(create(client))
    assert ApiToken.objects.get().clinic == other_clinic
    me = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").json()
    assert me["staff"]["clinic_name"] == "Clinic Y"


def test_it_needs_a_login(db):
    response = Client().post(URL, {"name": "x"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
