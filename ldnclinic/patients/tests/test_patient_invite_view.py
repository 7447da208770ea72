import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.models import User
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_deactivate_patient


@pytest.fixture
def newcomer(clinic):
    return make_patient(clinic, given_name="Nina", family_name="New", email="Nina@Example.org")


def invite(client, patient):
    return client.post(reverse("patient_invite", args=[patient.pk]), follow=True)


def test_it_creates_a_login_and_emails_a_set_password_link(
    client_for, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_for("frontdesk"), newcomer)
    assert "can now sign in to the portal" in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.user.email == "nina@example.org"
    assert not newcomer.user.has_usable_password()
    [email] = mail.outbox
    assert email.to == ["nina@example.org"]
    assert "/password-reset/" in email.body
    assert "patient portal" in email.body
    # No clinical detail in the subject: only the clinic's name.
    assert email.subject == "Your Clinic X account"
    event = AuditEvent.objects.get(code=Event.PATIENT_PORTAL_INVITED)
    assert event.patient == newcomer
    assert event.payload["new_login"] is True


def test_it_links_an_existing_login_without_a_new_account(client_for, newcomer, users):
    existing = User.objects.create_user("nina@example.org", "a-long-password-1")
    invite(client_for("clinician"), newcomer)
    newcomer.refresh_from_db()
    assert newcomer.user == existing
    assert User.objects.filter(email__iexact="nina@example.org").count() == 1


def test_the_invited_patient_sees_only_their_own_chart(client_for, newcomer, patient_b):
    invite(client_for("frontdesk"), newcomer)
    newcomer.refresh_from_db()
    client = Client()
    client.force_login(newcomer.user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("patient_detail", args=[newcomer.pk])).status_code == 200
    assert client.get(reverse("patient_detail", args=[patient_b.pk])).status_code == 404


def test_it_needs_an_email(client_for, clinic):
    patient = make_patient(clinic, given_name="No", family_name="Email")
    response = invite(client_for("frontdesk"), patient)
    assert "Add the patient&#x27;s email address first." in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None
    assert not AuditEvent.objects.filter(code=Event.PATIENT_PORTAL_INVITED).exists()


def test_it_refuses_a_second_invitation(client_for, patient_a):
    response = invite(client_for("frontdesk"), patient_a)
    assert "already has a portal login" in response.content.decode()


def test_it_refuses_an_inactive_record(client_for, newcomer):
    do_deactivate_patient(Actor.system(), newcomer, "Moved away")
    response = invite(client_for("clinician"), newcomer)
    assert "Reactivate the record" in response.content.decode()


def test_an_email_already_used_by_another_patient_here_is_refused(client_for, clinic, patient_a):
    twin = make_patient(clinic, given_name="Twin", family_name="Adams", email=patient_a.email)
    response = invite(client_for("frontdesk"), twin)
    assert "another patient here" in response.content.decode()
    twin.refresh_from_db()
    assert twin.user is None


@pytest.mark.parametrize("persona, status", [("patient", 403), ("patient2", 404)])
def test_patients_cannot_invite(client_for, patient_a, newcomer, persona, status):
    target = patient_a if persona == "patient" else newcomer
    response = client_for(persona).post(reverse("patient_invite", args=[target.pk]))
    assert response.status_code == status


def test_another_clinics_staff_cannot_invite(client_for, newcomer):
    response = client_for("other_staff").post(reverse("patient_invite", args=[newcomer.pk]))
    assert response.status_code == 404
    newcomer.refresh_from_db()
    assert newcomer.user is None
