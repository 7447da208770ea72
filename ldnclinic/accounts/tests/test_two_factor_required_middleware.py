import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ldnclinic.accounts.tests.conftest import code_for, sign_in

SETUP = reverse("two_factor_setup")


@pytest.fixture
def clinic_requires_2fa(clinic):
    clinic.require_staff_2fa = True
    clinic.save()
    return clinic


@pytest.mark.parametrize("persona", ["admin", "clinician", "frontdesk"])
def test_staff_without_a_device_are_sent_to_setup(client_for, clinic_requires_2fa, persona):
    client = client_for(persona)
    for path in [reverse("home"), reverse("patient_list"), reverse("account")]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == SETUP, path
    response = client.get(SETUP)
    assert response.status_code == 200
    assert "Your clinic requires two-factor login" in response.content.decode()


def test_the_api_refuses_them_too(client_for, clinic_requires_2fa):
    assert client_for("clinician").get("/api/v1/me").status_code == 401


def test_setting_it_up_lets_them_in(client_for, clinic_requires_2fa, users):
    client = client_for("clinician")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=users["clinician"])
    client.post(SETUP, {"otp_token": code_for(device)})
    assert client.get(reverse("patient_list")).status_code == 200


def test_patients_are_not_forced(client_for, clinic_requires_2fa, patient_a):
    client = client_for("patient")
    assert client.get(reverse("portal")).status_code == 200
    assert client.get(reverse("patient_detail", args=[patient_a.pk])).status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_staff_of_another_clinic_are_not_forced(client_for, clinic_requires_2fa):
    assert client_for("other_staff").get(reverse("patient_list")).status_code == 200


def test_staff_are_not_forced_when_the_clinic_does_not_require_it(client_for, clinic):
    assert client_for("clinician").get(reverse("patient_list")).status_code == 200


def test_the_sign_in_flow_ends_on_setup(clinic_requires_2fa, users):
    client = Client()
    response = sign_in(client, "frontdesk@x.test", follow=True)
    assert response.redirect_chain[-1] == (SETUP, 302)


def test_it_keeps_the_query_string_of_the_page_asked_for(client_for, totp_device, users):
    totp_device(users["clinician"])
    response = client_for("clinician").get(reverse("patient_list"), {"q": "a b", "page": "2"})
    assert response.status_code == 302
    follow = Client().get(response.url).wsgi_request
    assert follow.GET["next"] == "/patients/?q=a+b&page=2"
