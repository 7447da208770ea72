import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.actions import do_deactivate_user
from ldnclinic.accounts.models import Membership, Role, User
from ldnclinic.accounts.tests.conftest import events, sign_in
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.conftest import make_user

URL = reverse("staff_list")
NEW = {"email": "Nina.Nurse@X.test", "full_name": "Nina Nurse", "role": Role.FRONT_DESK}
NEW_PASSWORD = "nina chooses a long one"


@pytest.fixture
def add(client_for, django_capture_on_commit_callbacks):
    """add(**form) -> the response; the invitation is sent as on commit."""

    def post(persona="admin", **values):
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(persona).post(URL, {**NEW, **values})

    return post


def invite_link(message):
    return re.search(r"http://testserver(/password-reset/\S+/\S+/)", message.body).group(1)


def test_it_lists_the_clinics_staff(client_for, users):
    page = client_for("admin").get(URL).content.decode()
    for email in ["admin@x.test", "clinician@x.test", "frontdesk@x.test"]:
        assert email in page


def test_it_never_lists_another_clinics_staff(client_for, users, other_clinic):
    make_user("nurse@y.test", other_clinic, Role.CLINICIAN)
    page = client_for("admin").get(URL).content.decode()
    assert "admin@y.test" not in page
    assert "nurse@y.test" not in page
    members = client_for("admin").get(URL).context["members"]
    assert {m.clinic_id for m in members} == {users["admin"].memberships.get().clinic_id}


def test_it_adds_a_new_person_and_invites_them(add, clinic, users):
    response = add()
    assert response.status_code == 302
    user = User.objects.get(email="nina.nurse@x.test")
    assert user.full_name == "Nina Nurse"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.clinic, membership.role) == (clinic, Role.FRONT_DESK)
    [message] = mail.outbox
    assert message.to == ["nina.nurse@x.test"]
    assert "Clinic X" in message.subject
    assert invite_link(message) in message.alternatives[0][0]
    [event] = events(Event.STAFF_ADDED)
    assert event.actor == users["admin"]
    assert event.payload == {"email": "nina.nurse@x.test", "role": "front_desk"}


def test_the_invitation_link_sets_a_password(add):
    add()
    client = Client()
    form_page = client.get(invite_link(mail.outbox[0]), follow=True)
    assert form_page.context["validlink"]
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    response = sign_in(Client(), "nina.nurse@x.test", NEW_PASSWORD, follow=True)
    assert response.redirect_chain[-1] == (reverse("patient_list"), 302)


def test_the_invitation_has_no_clinical_details(add, patient_a):
    add()
    [message] = mail.outbox
    text = " ".join([message.subject, message.body, message.alternatives[0][0]])
    for word in ["Alice", "Adams", "naltrexone", "X-000001"]:
        assert word not in text


def test_an_existing_login_is_added_without_an_invitation(add, users, other_clinic):
    response = add(email="admin@y.test", role=Role.CLINICIAN)
    assert response.status_code == 302
    assert users["other_staff"].memberships.count() == 2
    assert mail.outbox == []


def test_adding_an_existing_member_again_is_a_field_error(add, users):
    response = add(email="CLINICIAN@x.test", role=Role.ADMIN)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "This person is already on the clinic's staff."
    ]
    assert users["clinician"].memberships.get().role == Role.CLINICIAN
    assert events(Event.STAFF_ADDED) == []


def test_an_inactive_member_is_still_a_member(add, users):
    membership = users["frontdesk"].memberships.get()
    membership.is_active = False
    membership.save()
    response = add(email="frontdesk@x.test")
    assert response.context["form"].errors["email"]


def test_adding_a_deactivated_login_lets_them_sign_in(add, users, other_clinic):
    # A login switched off when it left its last clinic comes back with the new one.
    do_deactivate_user(Actor.system(), users["other_staff"])
    add(email="admin@y.test", role=Role.CLINICIAN)
    users["other_staff"].refresh_from_db()
    assert users["other_staff"].is_active
    assert sign_in(Client(), "admin@y.test").status_code == 302


@pytest.mark.parametrize(
    "field, value",
    [("email", "not-an-email"), ("full_name", ""), ("role", "owner"), ("title", "T" * 101)],
)
def test_bad_input_is_a_field_error(add, field, value):
    response = add(**{field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not User.objects.filter(email="nina.nurse@x.test").exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "persona, status", [("clinician", 403), ("frontdesk", 403), ("patient", 404)]
)
def test_only_admins_may_add_staff(add, client_for, users, persona, status):
    assert client_for(persona).get(URL).status_code == status
    assert add(persona).status_code == status
    assert not User.objects.filter(email="nina.nurse@x.test").exists()


def test_an_admin_adds_to_their_own_clinic(add, other_clinic):
    add("other_staff")
    assert Membership.objects.get(user__email="nina.nurse@x.test").clinic == other_clinic
