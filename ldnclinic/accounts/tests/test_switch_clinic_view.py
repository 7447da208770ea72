import pytest
from django.urls import reverse

from ldnclinic.accounts.models import Membership, Role

URL = reverse("switch_clinic")


@pytest.fixture
def two_clinics(users, other_clinic):
    Membership.objects.create(user=users["clinician"], clinic=other_clinic, role=Role.CLINICIAN)
    return users["clinician"]


def messages(response):
    return [str(m) for m in response.context["messages"]]


def shown(response):
    return [p.given_name for p in response.context["page"].object_list]


def test_it_starts_in_the_first_clinic(client_for, two_clinics, patient_a, patient_y):
    response = client_for("clinician").get(reverse("patient_list"))
    assert shown(response) == ["Alice"]
    assert response.context["current_clinic"].name == "Clinic X"
    assert [m.clinic.name for m in response.context["other_memberships"]] == ["Clinic Y"]


def test_it_switches_to_another_clinic(client_for, two_clinics, other_clinic, patient_a, patient_y):
    client = client_for("clinician")
    response = client.post(URL, {"clinic": other_clinic.pk})
    assert response.status_code == 302
    assert response.url == reverse("home")
    response = client.get(reverse("patient_list"))
    assert shown(response) == ["Yara"]
    assert response.context["current_clinic"] == other_clinic
    assert messages(response) == ["Now working in Clinic Y."]


def test_it_switches_back(client_for, two_clinics, clinic, other_clinic, patient_a, patient_y):
    client = client_for("clinician")
    client.post(URL, {"clinic": other_clinic.pk})
    client.post(URL, {"clinic": clinic.pk})
    assert shown(client.get(reverse("patient_list"))) == ["Alice"]


def test_the_api_follows_the_switch(client_for, two_clinics, other_clinic):
    client = client_for("clinician")
    client.post(URL, {"clinic": other_clinic.pk})
    assert client.get("/api/v1/me").json()["staff"]["clinic_name"] == "Clinic Y"


def test_it_cannot_switch_to_a_clinic_the_user_is_not_in(client_for, other_clinic, patient_a):
    client = client_for("clinician")
    response = client.post(URL, {"clinic": other_clinic.pk}, follow=True)
    assert messages(response) == ["You are not on that clinic's staff."]
    assert "clinic_id" not in client.session
    assert shown(client.get(reverse("patient_list"))) == ["Alice"]


def test_it_cannot_switch_to_a_clinic_where_the_membership_ended(
    client_for, two_clinics, other_clinic, patient_a
):
    Membership.objects.filter(clinic=other_clinic).update(is_active=False)
    client = client_for("clinician")
    client.post(URL, {"clinic": other_clinic.pk})
    assert shown(client.get(reverse("patient_list"))) == ["Alice"]


@pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", "99999999999999999999999"])
def test_nonsense_is_refused_politely(client_for, two_clinics, value):
    response = client_for("clinician").post(URL, {"clinic": value}, follow=True)
    assert response.status_code == 200
    assert messages(response) == ["You are not on that clinic's staff."]


def test_a_patient_has_nothing_to_switch_to(client_for, patient_a, clinic):
    client = client_for("patient")
    client.post(URL, {"clinic": clinic.pk})
    assert client.get(reverse("patient_list")).status_code == 404


def test_it_needs_post(client_for, two_clinics):
    assert client_for("clinician").get(URL).status_code == 405
