import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.tests.conftest import BACKUP_CODES, code_for, events, sign_in
from ldnclinic.audit.codes import Event

URL = reverse("two_factor_verify")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def device(totp_device, users):
    return totp_device(users["clinician"])


@pytest.fixture
def half_signed_in(device, clock):
    """A browser that gave the right password and now owes the code."""
    client = Client()
    response = sign_in(client, "clinician@x.test")
    assert response.status_code == 302
    assert response.url == f"{URL}?next={reverse('home')}"
    return client


def verify(client, code):
    return client.post(URL, {"otp_token": code})


def test_the_password_leads_to_the_code_page(half_signed_in):
    response = half_signed_in.get(URL)
    assert response.status_code == 200
    assert "Enter your code" in response.content.decode()


def test_every_page_waits_for_the_code(half_signed_in, patient_a):
    for path in [
        reverse("home"),
        reverse("patient_list"),
        reverse("patient_detail", args=[patient_a.pk]),
        reverse("account"),
        reverse("clinic_settings"),
    ]:
        response = half_signed_in.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(URL), path


def test_the_api_refuses_the_unverified_session(half_signed_in):
    response = half_signed_in.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]
    assert half_signed_in.get("/api/v1/patients").status_code == 401


def test_the_right_code_lets_the_user_in(half_signed_in, device):
    response = verify(half_signed_in, code_for(device))
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert half_signed_in.get(reverse("patient_list")).status_code == 200
    assert half_signed_in.get("/api/v1/me").status_code == 200
    assert len(events(Event.TWO_FACTOR_VERIFIED)) == 1


def test_it_returns_to_the_page_asked_for(device, clock, users):
    client = Client()
    client.post(
        f"{reverse('login')}?next=/account/",
        {
            "email": "clinician@x.test",
            "password": "correct horse battery staple",
            "next": "/account/",
        },
    )
    response = client.post(
        f"{URL}?next=/account/", {"otp_token": code_for(device), "next": "/account/"}
    )
    assert response.url == "/account/"


def test_a_wrong_code_is_a_field_error(half_signed_in, device, users):
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = verify(half_signed_in, wrong)
    assert response.status_code == 400
    assert response.context["form"].errors["otp_token"] == [
        "That code is not valid. Try the current code."
    ]
    [event] = events(Event.TWO_FACTOR_FAILED)
    assert event.actor == users["clinician"]
    assert half_signed_in.get(reverse("account")).status_code == 302


def test_a_malformed_code_is_a_field_error(half_signed_in):
    response = verify(half_signed_in, "12")
    assert response.status_code == 400
    assert response.context["form"].errors["otp_token"]


def test_a_code_cannot_be_used_twice(half_signed_in, device, clock):
    code = code_for(device)
    verify(half_signed_in, code)
    other = Client()
    sign_in(other, "clinician@x.test")
    response = verify(other, code)
    assert response.status_code == 400


def test_a_backup_code_works_once(half_signed_in, device, clock):
    response = verify(half_signed_in, BACKUP_CODES[0])
    assert response.status_code == 302
    assert half_signed_in.get(reverse("account")).status_code == 200
    again = Client()
    sign_in(again, "clinician@x.test")
    clock.shift(datetime.timedelta(seconds=5))
    assert verify(again, BACKUP_CODES[0]).status_code == 400
    clock.shift(datetime.timedelta(seconds=5))
    assert verify(again, BACKUP_CODES[1]).status_code == 302


def test_the_code_page_needs_a_password_first(db):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_without_two_factor_is_sent_on(client_for):
    response = client_for("clinician").get(URL)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_the_user_may_sign_out_from_the_code_page(half_signed_in):
    half_signed_in.post(reverse("logout"))
    assert half_signed_in.get(URL).url.startswith(reverse("login"))


def test_a_password_change_keeps_the_session_verified(verified_client_for, device, users):
    client = verified_client_for("clinician", device)
    new = "a quite different passphrase"
    client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": new,
            "new_password2": new,
        },
    )
    assert client.get(reverse("account")).status_code == 200


def test_a_next_with_a_query_string_survives_both_steps(device, clock):
    target = "/patients/?q=ada&page=2"
    client = Client()
    response = client.post(
        reverse("login"),
        {"email": "clinician@x.test", "password": "correct horse battery staple", "next": target},
    )
    code_page = client.get(response.url)
    assert code_page.context["next"] == target
    response = client.post(response.url, {"otp_token": code_for(device), "next": target})
    assert response.url == target
