import pytest
from django.urls import reverse

from ldnclinic.accounts.models import Membership, Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.actions import do_deactivate_patient, do_reactivate_patient
from ldnclinic.patients.models import Patient


def deactivate_url(patient):
    return reverse("patient_deactivate", args=[patient.pk])


def reactivate_url(patient):
    return reverse("patient_reactivate", args=[patient.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_a_clinician_deactivates_with_a_reason(client_for, patient_a, users):
    client = client_for("clinician")
    response = client.post(deactivate_url(patient_a), {"reason": "Moved away"}, follow=True)
    assert response.redirect_chain == [(reverse("patient_detail", args=[patient_a.pk]), 302)]
    assert messages_of(response) == ["The record is now inactive. Nothing was deleted."]
    body = response.content.decode()
    assert "This record is inactive: Moved away" in body
    assert "Reactivate record" in body
    patient_a.refresh_from_db()
    assert not patient_a.is_active
    event = AuditEvent.objects.get(code=Event.PATIENT_DEACTIVATED)
    assert (event.actor, event.via, event.payload) == (
        users["clinician"],
        "web",
        {"reason": "Moved away"},
    )


@pytest.mark.parametrize(
    "reason, message",
    [
        ("", "Say why the record is being deactivated."),
        ("   ", "Say why the record is being deactivated."),
        ("r" * 201, "Keep the reason under 200 characters."),
    ],
)
def test_it_needs_a_short_reason(client_for, patient_a, counts, reason, message):
    before = counts()
    response = client_for("admin").post(deactivate_url(patient_a), {"reason": reason}, follow=True)
    assert messages_of(response) == [message]
    assert counts()[0] == before[0]
    assert not AuditEvent.objects.filter(code=Event.PATIENT_DEACTIVATED).exists()
    assert Patient.objects.get(pk=patient_a.pk).is_active


def test_it_reactivates(client_for, patient_a, users):
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    response = client_for("admin").post(reactivate_url(patient_a), follow=True)
    assert messages_of(response) == ["The record is active again."]
    assert Patient.objects.get(pk=patient_a.pk).is_active
    assert AuditEvent.objects.get(code=Event.PATIENT_REACTIVATED).actor == users["admin"]


def test_reactivating_an_active_record_says_so(client_for, patient_a):
    response = client_for("admin").post(reactivate_url(patient_a), follow=True)
    assert messages_of(response) == ["This patient is already active."]
    assert not AuditEvent.objects.filter(code=Event.PATIENT_REACTIVATED).exists()


def test_deactivating_twice_says_so(client_for, patient_a):
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    response = client_for("admin").post(deactivate_url(patient_a), {"reason": "x"}, follow=True)
    assert messages_of(response) == ["This patient is already inactive."]


def test_staff_still_see_an_inactive_chart_but_the_patient_does_not(client_for, patient_a):
    patient = client_for("patient")
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    chart = reverse("patient_detail", args=[patient_a.pk])
    assert client_for("frontdesk").get(chart).status_code == 200
    # Their only record is inactive, so their login is switched off and the session ends.
    response = patient.get(chart)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    patient_a.user.refresh_from_db()
    assert not patient_a.user.is_active


def test_a_patient_who_is_also_staff_keeps_their_login(client_for, patient_a, clinic):
    Membership.objects.create(user=patient_a.user, clinic=clinic, role=Role.FRONT_DESK)
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    patient_a.user.refresh_from_db()
    assert patient_a.user.is_active


def test_reactivating_the_record_switches_the_login_back_on(client_for, patient_a):
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    do_reactivate_patient(Actor.system(), patient_a)
    patient_a.user.refresh_from_db()
    assert patient_a.user.is_active
    chart = reverse("patient_detail", args=[patient_a.pk])
    assert client_for("patient").get(chart).status_code == 200


@pytest.mark.parametrize("persona, status", [("frontdesk", 403), ("patient", 403)])
def test_front_desk_and_the_patient_may_not_deactivate(client_for, patient_a, persona, status):
    response = client_for(persona).post(deactivate_url(patient_a), {"reason": "x"})
    assert response.status_code == status
    assert Patient.objects.get(pk=patient_a.pk).is_active


@pytest.mark.parametrize("persona", ["patient2", "other_staff"])
def test_it_hides_the_record_from_others(client_for, patient_a, persona):
    assert client_for(persona).post(deactivate_url(patient_a), {"reason": "x"}).status_code == 404
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    assert client_for(persona).post(reactivate_url(patient_a)).status_code == 404
    assert not Patient.objects.get(pk=patient_a.pk).is_active


def test_it_needs_post(client_for, patient_a):
    client = client_for("admin")
    assert client.get(deactivate_url(patient_a)).status_code == 405
    assert client.get(reactivate_url(patient_a)).status_code == 405


def test_there_is_no_way_to_delete_a_patient():
    from django.urls import get_resolver

    from ldnclinic.api import api

    names = [str(p.name) for p in get_resolver().url_patterns if getattr(p, "name", None)]
    names += [
        str(p.name)
        for r in get_resolver().url_patterns
        for p in getattr(r, "url_patterns", [])
        if getattr(p, "name", None)
    ]
    assert not [n for n in names if "delete" in n]
    schema = api.get_openapi_schema()
    assert not [m for ops in schema["paths"].values() for m in ops if m.lower() == "delete"]
