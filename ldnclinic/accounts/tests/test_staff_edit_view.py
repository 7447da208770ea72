import pytest
from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.models import Membership, Role
from ldnclinic.accounts.tests.conftest import events, sign_in
from ldnclinic.audit.codes import Event
from ldnclinic.conftest import make_user

LAST_ADMIN = "A clinic needs at least one active clinic admin."


def member(users, persona):
    return users[persona].memberships.get()


def url(membership):
    return reverse("staff_edit", args=[membership.pk])


def change(client, membership, **values):
    data = {"role": membership.role, "title": membership.title, "is_active": "on", **values}
    if data["is_active"] is None:
        del data["is_active"]
    return client.post(url(membership), data)


def test_it_shows_the_form(client_for, users):
    response = client_for("admin").get(url(member(users, "clinician")))
    assert response.status_code == 200
    assert "clinician@x.test" in response.content.decode()


def test_it_changes_the_role(client_for, users):
    membership = member(users, "frontdesk")
    response = change(client_for("admin"), membership, role=Role.CLINICIAN, title="NP")
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.title) == (Role.CLINICIAN, "NP")
    [event] = events(Event.STAFF_CHANGED)
    assert event.actor == users["admin"]
    assert event.subject_id == str(membership.pk)
    assert event.payload == {
        "before": {"role": "front_desk", "title": ""},
        "after": {"role": "clinician", "title": "NP"},
    }


def test_it_records_nothing_when_nothing_changes(client_for, users):
    change(client_for("admin"), member(users, "frontdesk"))
    assert events(Event.STAFF_CHANGED) == []


def test_a_deactivated_member_loses_access_to_the_clinic(client_for, users):
    membership = member(users, "clinician")
    clinician = client_for("clinician")
    assert clinician.get(reverse("patient_list")).status_code == 200
    change(client_for("admin"), membership, is_active=None)
    membership.refresh_from_db()
    assert not membership.is_active
    assert len(events(Event.STAFF_DEACTIVATED)) == 1
    response = clinician.get(reverse("patient_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_deactivating_the_only_membership_ends_the_users_sessions(client_for, users):
    clinician = client_for("clinician")
    change(client_for("admin"), member(users, "clinician"), is_active=None)
    users["clinician"].refresh_from_db()
    assert not users["clinician"].is_active
    response = clinician.get(reverse("account"))
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated
    assert sign_in(clinician, "clinician@x.test").status_code == 400
    assert len(events(Event.USER_DEACTIVATED)) == 1


def test_deactivating_the_only_membership_revokes_api_tokens(client_for, users, bearer):
    api, token = bearer("clinician")
    assert api.get("/api/v1/me").status_code == 200
    change(client_for("admin"), member(users, "clinician"), is_active=None)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/me").status_code == 401


def test_a_member_of_another_clinic_keeps_that_clinic(client_for, users, other_clinic):
    Membership.objects.create(user=users["clinician"], clinic=other_clinic, role=Role.CLINICIAN)
    clinician = client_for("clinician")
    clinic_x = users["clinician"].memberships.get(clinic__name="Clinic X")
    change(client_for("admin"), clinic_x, is_active=None)
    users["clinician"].refresh_from_db()
    assert users["clinician"].is_active
    response = clinician.get("/api/v1/me")
    assert response.json()["staff"]["clinic_name"] == "Clinic Y"


def test_leaving_one_clinic_revokes_that_clinics_tokens(client_for, users, other_clinic, bearer):
    Membership.objects.create(user=users["clinician"], clinic=other_clinic, role=Role.CLINICIAN)
    _, token_x = bearer("clinician")
    api_y, token_y = bearer("clinician", token_clinic=other_clinic)
    clinic_x = users["clinician"].memberships.get(clinic__name="Clinic X")
    change(client_for("admin"), clinic_x, is_active=None)
    token_x.refresh_from_db()
    token_y.refresh_from_db()
    assert token_x.revoked_at is not None
    assert token_y.revoked_at is None
    assert api_y.get("/api/v1/me").status_code == 200
    assert events(Event.STAFF_DEACTIVATED)[0].payload["tokens_revoked"] == 1


def test_reactivating_does_not_revive_old_sessions(client_for, users):
    membership = member(users, "clinician")
    old_session, admin = client_for("clinician"), client_for("admin")
    change(admin, membership, is_active=None)
    change(admin, membership, is_active="on")
    assert old_session.get(reverse("account")).status_code == 302


def test_reactivating_lets_the_member_sign_in_again(client_for, users):
    membership = member(users, "clinician")
    admin = client_for("admin")
    change(admin, membership, is_active=None)
    change(admin, membership, is_active="on")
    membership.refresh_from_db()
    assert membership.is_active
    assert len(events(Event.STAFF_REACTIVATED)) == 1
    users["clinician"].refresh_from_db()
    assert users["clinician"].is_active
    response = sign_in(Client(), "clinician@x.test", follow=True)
    assert response.redirect_chain[-1] == (reverse("patient_list"), 302)


@pytest.mark.parametrize(
    "values",
    [{"is_active": None}, {"role": Role.CLINICIAN}, {"role": Role.FRONT_DESK, "is_active": None}],
)
def test_the_last_admin_stays_an_active_admin(client_for, users, values):
    membership = member(users, "admin")
    response = change(client_for("admin"), membership, **values)
    assert response.status_code == 200
    assert LAST_ADMIN in response.content.decode()
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (Role.ADMIN, True)
    users["admin"].refresh_from_db()
    assert users["admin"].is_active
    assert events(Event.STAFF_CHANGED) == events(Event.STAFF_DEACTIVATED) == []


def test_an_admin_may_step_down_when_another_remains(client_for, users, clinic):
    make_user("second-admin@x.test", clinic, Role.ADMIN)
    membership = member(users, "admin")
    response = change(client_for("admin"), membership, role=Role.CLINICIAN)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.CLINICIAN


def test_an_inactive_admin_does_not_count(client_for, users, clinic):
    second = make_user("second-admin@x.test", clinic, Role.ADMIN).memberships.get()
    second.is_active = False
    second.save()
    response = change(client_for("admin"), member(users, "admin"), is_active=None)
    assert LAST_ADMIN in response.content.decode()


def test_it_refuses_an_unknown_role(client_for, users):
    membership = member(users, "clinician")
    response = change(client_for("admin"), membership, role="owner")
    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    membership.refresh_from_db()
    assert membership.role == Role.CLINICIAN


@pytest.mark.parametrize("persona", ["clinician", "frontdesk"])
def test_only_admins_may_edit_staff(client_for, users, persona):
    membership = member(users, "frontdesk")
    assert client_for(persona).get(url(membership)).status_code == 403
    assert change(client_for(persona), membership, role=Role.ADMIN).status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.FRONT_DESK


def test_an_admin_of_another_clinic_gets_404(client_for, users):
    membership = member(users, "clinician")
    assert client_for("other_staff").get(url(membership)).status_code == 404
    assert change(client_for("other_staff"), membership, is_active=None).status_code == 404
    membership.refresh_from_db()
    assert membership.is_active
