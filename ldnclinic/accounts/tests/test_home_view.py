import pytest
from django.test import Client
from django.urls import reverse

from ldnclinic.conftest import make_user

URL = reverse("home")


@pytest.mark.parametrize("persona", ["admin", "clinician", "frontdesk", "other_staff"])
def test_it_sends_staff_to_the_patient_list(client_for, persona):
    assert client_for(persona).get(URL).url == reverse("patient_list")


def test_it_sends_patients_to_the_portal(client_for, patient_a):
    assert client_for("patient").get(URL).url == reverse("portal")


def test_it_tells_a_user_without_a_role_to_ask_the_clinic(db):
    client = Client()
    client.force_login(
        make_user("nobody@x.test"), backend="django.contrib.auth.backends.ModelBackend"
    )
    response = client.get(URL)
    assert response.status_code == 403
    assert "No access yet" in response.content.decode()


def test_it_sends_visitors_to_sign_in(db):
    response = Client().get(URL)
    assert response.url == f"{reverse('login')}?next={URL}"


def test_the_portal_lists_only_the_patients_own_record(client_for, patient_a, patient_b):
    page = client_for("patient").get(reverse("portal")).content.decode()
    assert "Alice" in page
    assert "Bob" not in page
