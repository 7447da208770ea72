from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.tests.conftest import events, sign_in
from ldnclinic.audit.codes import Event
from ldnclinic.conftest import PASSWORD

URL = reverse("password_change")
NEW_PASSWORD = "a quite different passphrase"
CHANGE = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}


def test_it_requires_login(db):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_changes_the_password(client_for, users):
    response = client_for("clinician").post(URL, CHANGE)
    assert response.status_code == 302
    assert response.url == reverse("account")
    users["clinician"].refresh_from_db()
    assert users["clinician"].check_password(NEW_PASSWORD)
    assert sign_in(Client(), "clinician@x.test", NEW_PASSWORD).status_code == 302
    assert sign_in(Client(), "clinician@x.test", PASSWORD).status_code == 400


def test_it_keeps_this_session(client_for):
    client = client_for("clinician")
    client.post(URL, CHANGE)
    assert client.get(reverse("account")).status_code == 200


def test_it_ends_the_other_sessions(client_for):
    here, elsewhere = client_for("clinician"), client_for("clinician")
    assert elsewhere.get(reverse("account")).status_code == 200
    here.post(URL, CHANGE)
    response = elsewhere.get(reverse("account"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert elsewhere.get("/api/v1/me").status_code == 401


def test_it_audits_the_change(client_for, users):
    client_for("clinician").post(URL, CHANGE, REMOTE_ADDR="203.0.113.3")
    [event] = events(Event.PASSWORD_CHANGED)
    assert event.actor == users["clinician"]
    assert event.source_ip == "203.0.113.3"
    assert NEW_PASSWORD not in str(event.payload)


def test_it_needs_the_old_password(client_for, users):
    response = client_for("clinician").post(URL, {**CHANGE, "old_password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    users["clinician"].refresh_from_db()
    assert users["clinician"].check_password(PASSWORD)
    assert events(Event.PASSWORD_CHANGED) == []


def test_it_refuses_a_short_password(client_for):
    response = client_for("clinician").post(
        URL, {**CHANGE, "new_password1": "short1", "new_password2": "short1"}
    )
    assert "new_password2" in response.context["form"].errors


def test_it_refuses_a_common_password(client_for):
    response = client_for("clinician").post(
        URL, {**CHANGE, "new_password1": "password123", "new_password2": "password123"}
    )
    assert "new_password2" in response.context["form"].errors
