import datetime

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent


def url(patient):
    return reverse("patient_detail", args=[patient.pk])


def test_it_shows_the_chart_and_audits_the_read(client_for, patient_a, users, clinic):
    response = client_for("clinician").get(url(patient_a), REMOTE_ADDR="203.0.113.3")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Alice Adams" in body and patient_a.mrn in body and "patient@x.test" in body
    event = AuditEvent.objects.get(code=Event.PATIENT_VIEWED)
    assert (event.actor, event.patient, event.clinic_id) == (
        users["clinician"],
        patient_a,
        clinic.pk,
    )
    assert (event.source_ip, event.via) == ("203.0.113.3", "web")
    assert (event.subject_type, event.subject_id) == ("patients.patient", str(patient_a.pk))


def test_a_patient_sees_their_own_chart(client_for, patient_a, users):
    response = client_for("patient").get(url(patient_a))
    assert response.status_code == 200
    assert AuditEvent.objects.get(code=Event.PATIENT_VIEWED).actor == users["patient"]
    body = response.content.decode()
    assert "Edit details" not in body and "Deactivate record" not in body


def test_a_patient_gets_404_on_another_patients_chart(client_for, patient_a, patient_b):
    assert client_for("patient").get(url(patient_b)).status_code == 404
    assert not AuditEvent.objects.filter(code=Event.PATIENT_VIEWED).exists()


def test_another_clinics_admin_gets_404(client_for, patient_a):
    assert client_for("other_staff").get(url(patient_a)).status_code == 404
    assert not AuditEvent.objects.filter(code=Event.PATIENT_VIEWED).exists()


def test_staff_get_404_on_another_clinics_patient(client_for, patient_y):
    assert client_for("admin").get(url(patient_y)).status_code == 404


def test_an_unknown_record_is_404(client_for, clinic, users):
    assert client_for("admin").get(reverse("patient_detail", args=[999999])).status_code == 404


def test_it_requires_login(client_for, patient_a):
    response = client_for("anonymous").get(url(patient_a))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(code=Event.PATIENT_VIEWED).exists()


@pytest.mark.parametrize(
    "persona, can_edit, can_deactivate",
    [("admin", True, True), ("clinician", True, True), ("frontdesk", True, False)],
)
def test_it_offers_the_actions_the_role_allows(
    client_for, patient_a, persona, can_edit, can_deactivate
):
    body = client_for(persona).get(url(patient_a)).content.decode()
    assert ("Edit details" in body) is can_edit
    assert ("Deactivate record" in body) is can_deactivate


# 02:00 UTC on 17 May is still 16 May in New York: Alice (born 17 May 1980) is 45 there.
@time_machine.travel(datetime.datetime(2026, 5, 17, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_it_shows_the_age_on_the_clinics_date(client_for, patient_a):
    assert "(45 y)" in client_for("clinician").get(url(patient_a)).content.decode()
