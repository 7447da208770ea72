import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.actions import do_add_staff
from ldnclinic.accounts.models import Role
from ldnclinic.accounts.tests.conftest import events, sign_in
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.conftest import PASSWORD

URL = reverse("password_reset")
NEW_PASSWORD = "a brand new passphrase"
CLINICAL_WORDS = ("naltrexone", "Alice", "Adams", "X-0000", "1980", "Clinic X", "record")


def link_in(message):
    return re.search(r"http://testserver(/password-reset/\S+/\S+/)", message.body).group(1)


def choose_password(client, link, password=NEW_PASSWORD):
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    return client.post(set_password_url, {"new_password1": password, "new_password2": password})


def test_it_emails_a_working_link(users):
    client = Client()
    response = client.post(URL, {"email": "clinician@x.test"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["clinician@x.test"]
    response = choose_password(client, link_in(message))
    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    assert sign_in(Client(), "clinician@x.test", NEW_PASSWORD).status_code == 302
    assert sign_in(Client(), "clinician@x.test", PASSWORD).status_code == 400


def test_the_email_has_text_and_html_parts(users):
    Client().post(URL, {"email": "clinician@x.test"})
    [message] = mail.outbox
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert link_in(message) in html


def test_the_email_has_no_clinical_details(patient_a):
    Client().post(URL, {"email": "patient@x.test"})
    [message] = mail.outbox
    text = " ".join([message.subject, message.body, message.alternatives[0][0]])
    for word in CLINICAL_WORDS:
        assert word.lower() not in text.lower(), word


def test_an_unknown_email_gets_the_same_page_and_no_email(users):
    known = Client().post(URL, {"email": "clinician@x.test"}, follow=True)
    mail.outbox.clear()
    unknown = Client().post(URL, {"email": "nobody@x.test"}, follow=True)
    assert unknown.redirect_chain == known.redirect_chain
    assert "Check your email" in unknown.content.decode()
    assert mail.outbox == []


def test_a_deactivated_user_gets_no_email(client_for, users):
    users["frontdesk"].is_active = False
    users["frontdesk"].save()
    Client().post(URL, {"email": "frontdesk@x.test"})
    assert mail.outbox == []


def test_it_audits_the_request_and_the_reset(users):
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.post(URL, {"email": "clinician@x.test"})
    choose_password(client, link_in(mail.outbox[0]))
    [requested] = events(Event.PASSWORD_RESET_REQUESTED)
    assert requested.payload == {"email": "clinician@x.test"}
    assert requested.source_ip == "203.0.113.9"
    [completed] = events(Event.PASSWORD_RESET_COMPLETED)
    assert completed.actor == users["clinician"]
    assert completed.source_ip == "203.0.113.9"


def test_a_link_works_once(users):
    client = Client()
    client.post(URL, {"email": "clinician@x.test"})
    link = link_in(mail.outbox[0])
    choose_password(client, link)
    response = Client().get(link, follow=True)
    assert not response.context["validlink"]
    assert "expired or was already used" in response.content.decode()


def test_a_reset_ends_other_sessions(client_for, users):
    elsewhere = client_for("clinician")
    client = Client()
    client.post(URL, {"email": "clinician@x.test"})
    choose_password(client, link_in(mail.outbox[0]))
    assert elsewhere.get(reverse("account")).status_code == 302


def test_a_reset_lifts_a_sign_in_lock(users):
    # The lock page tells a locked-out user to reset their password.
    client = Client()
    for _ in range(5):
        sign_in(client, "clinician@x.test", "wrong password")
    assert sign_in(client, "clinician@x.test").status_code == 429
    client.post(URL, {"email": "clinician@x.test"})
    choose_password(client, link_in(mail.outbox[0]))
    assert sign_in(client, "clinician@x.test", NEW_PASSWORD).status_code == 302


def test_it_refuses_a_weak_new_password(users):
    client = Client()
    client.post(URL, {"email": "clinician@x.test"})
    response = choose_password(client, link_in(mail.outbox[0]), "12345")
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


@pytest.mark.django_db(transaction=False)
def test_an_invited_person_can_ask_for_a_new_link(clinic, django_capture_on_commit_callbacks):
    # The invitation says to use "Forgot your password?" once its link has expired.
    with django_capture_on_commit_callbacks(execute=True):
        do_add_staff(
            Actor.system(), clinic, email="new@x.test", full_name="New Person", role=Role.CLINICIAN
        )
    mail.outbox.clear()
    client = Client()
    client.post(URL, {"email": "new@x.test"})
    [message] = mail.outbox
    choose_password(client, link_in(message))
    assert sign_in(Client(), "new@x.test", NEW_PASSWORD).status_code == 302
