from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.actions import do_deactivate_user
from ldnclinic.accounts.tests.conftest import events, sign_in, without_csrf
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import PASSWORD

URL = reverse("login")
BAD_LOGIN = "The email or password is not correct."


def test_it_shows_the_form(db):
    response = Client().get(URL)
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()


def test_it_sends_staff_to_the_patient_list(users):
    client = Client()
    response = sign_in(client, "clinician@x.test", follow=True)
    assert response.redirect_chain == [(reverse("home"), 302), (reverse("patient_list"), 302)]
    assert response.status_code == 200
    assert response.wsgi_request.user == users["clinician"]


def test_it_sends_patients_to_the_portal(patient_a):
    response = sign_in(Client(), "patient@x.test", follow=True)
    assert response.redirect_chain[-1] == (reverse("portal"), 302)
    assert "Alice" in response.content.decode()


def test_it_accepts_the_email_in_any_case(users):
    response = sign_in(Client(), "  Clinician@X.TEST ")
    assert response.status_code == 302


def test_it_follows_a_safe_next(users):
    response = Client().post(
        f"{URL}?next=/account/",
        {"email": "admin@x.test", "password": "correct horse battery staple", "next": "/account/"},
    )
    assert response.url == "/account/"


def test_it_keeps_the_next_after_a_wrong_password(users):
    client = Client()
    response = client.post(
        URL, {"email": "admin@x.test", "password": "wrong", "next": "/clinic/staff/"}
    )
    assert response.context["next"] == "/clinic/staff/"
    assert 'name="next" value="/clinic/staff/"' in response.content.decode()


def test_it_ignores_a_next_on_another_site(users):
    response = Client().post(
        URL,
        {
            "email": "admin@x.test",
            "password": "correct horse battery staple",
            "next": "https://evil.example/",
        },
    )
    assert response.url == reverse("home")


def test_it_refuses_a_wrong_password(users):
    client = Client()
    response = sign_in(client, "clinician@x.test", "not the password")
    assert response.status_code == 400
    assert BAD_LOGIN in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_gives_an_unknown_email_the_same_answer(users):
    wrong_password = sign_in(Client(), "clinician@x.test", "not the password")
    unknown_email = sign_in(Client(), "nobody@x.test", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 400
    page_a = without_csrf(wrong_password.content.decode()).replace("clinician@x.test", "EMAIL")
    page_b = without_csrf(unknown_email.content.decode()).replace("nobody@x.test", "EMAIL")
    assert page_a == page_b
    assert BAD_LOGIN in page_b


def test_it_gives_a_deactivated_user_the_same_answer(users):
    do_deactivate_user(Actor.system(), users["frontdesk"])
    response = sign_in(Client(), "frontdesk@x.test")
    assert response.status_code == 400
    assert BAD_LOGIN in response.content.decode()


def test_it_audits_a_success_with_the_source_ip(users):
    sign_in(Client(REMOTE_ADDR="203.0.113.7"), "admin@x.test")
    [event] = events(Event.LOGIN_SUCCEEDED)
    assert event.actor == users["admin"]
    assert event.source_ip == "203.0.113.7"
    assert event.via == "web"


def test_it_audits_a_failure_with_the_email_and_source_ip(users):
    sign_in(Client(REMOTE_ADDR="198.51.100.9"), "nobody@x.test", "guess")
    [event] = events(Event.LOGIN_FAILED)
    assert event.actor is None
    assert event.source_ip == "198.51.100.9"
    assert event.payload == {"email": "nobody@x.test"}
    assert events(Event.LOGIN_SUCCEEDED) == []


def test_it_never_audits_the_password(users):
    sign_in(Client(), "admin@x.test", "my secret guess")
    assert "my secret guess" not in str(events(Event.LOGIN_FAILED)[0].payload)


def test_it_redirects_a_signed_in_user(client_for):
    response = client_for("admin").get(URL)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_it_signs_out(client_for):
    client = client_for("admin")
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("account")).status_code == 302
    assert len(events(Event.LOGOUT)) == 1


def test_a_staff_sign_in_is_filed_under_their_clinic(client, users, clinic):
    client.post(reverse("login"), {"email": "frontdesk@x.test", "password": PASSWORD})
    event = AuditEvent.objects.get(code=Event.LOGIN_SUCCEEDED)
    assert event.clinic == clinic
    assert event.actor == users["frontdesk"]
