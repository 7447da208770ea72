import datetime

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_update_patient

# 15:00 UTC is 10:00 in New York in January.
NOW = datetime.datetime(2026, 1, 20, 15, 0, tzinfo=datetime.UTC)
HISTORY_QUERIES = 9


def url(patient):
    return reverse("patient_history", args=[patient.pk])


@time_machine.travel(NOW, tick=False)
def test_it_shows_each_version_with_its_changes(client_for, clinic, users):
    # All three versions share one timestamp (time stands still): the order must still
    # be newest first, each compared with the one before it.
    patient = make_patient(clinic, given_name="Dana", family_name="Adams")
    client = client_for("clinician")
    form = {
        "mrn": patient.mrn,
        "given_name": "Dana",
        "family_name": "Adams-Smith",
        "date_of_birth": "1980-05-17",
        "sex_at_birth": "unknown",
        "country": "US",
        "preferred_language": "en",
    }
    client.post(reverse("patient_edit", args=[patient.pk]), form)
    client.post(reverse("patient_edit", args=[patient.pk]), {**form, "city": "Queens"})
    response = client.get(url(patient))
    body = response.content.decode()
    assert response.status_code == 200
    versions = response.context["versions"]
    assert [v["record"].history_type for v in versions] == ["~", "~", "+"]
    assert [[c["label"] for c in v["changes"] or []] for v in versions] == [
        ["City"],
        ["Last name"],
        [],
    ]
    assert "Last name: <del>Adams</del> → <ins>Adams-Smith</ins>" in body
    assert "City: <del>(blank)</del> → <ins>Queens</ins>" in body
    assert "2026-01-20 10:00 EST · clinician@x.test" in body
    assert "Created" in body


def test_it_audits_the_read(client_for, patient_a, users, clinic):
    client_for("admin").get(url(patient_a), REMOTE_ADDR="203.0.113.4")
    event = AuditEvent.objects.get(code=Event.PATIENT_HISTORY_VIEWED)
    assert (event.actor, event.patient, event.clinic_id, event.source_ip) == (
        users["admin"],
        patient_a,
        clinic.pk,
        "203.0.113.4",
    )


def test_a_patient_does_not_see_the_staff_history_of_their_record(client_for, patient_a):
    # The history names the staff who changed the record; the patient sees the record.
    assert client_for("patient").get(url(patient_a)).status_code == 404
    chart = client_for("patient").get(reverse("patient_detail", args=[patient_a.pk]))
    assert "Record history" not in chart.content.decode()


def test_it_shows_the_portal_login_by_email_not_by_id(client_for, patient_a):
    body = client_for("clinician").get(url(patient_a)).content.decode()
    assert "Portal login: <del>(blank)</del> → <ins>patient@x.test</ins>" in body


@pytest.mark.parametrize("persona", ["patient2", "other_staff"])
def test_it_hides_the_history_from_others(client_for, patient_a, persona):
    assert client_for(persona).get(url(patient_a)).status_code == 404
    assert not AuditEvent.objects.filter(code=Event.PATIENT_HISTORY_VIEWED).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("changes", [1, 12])
def test_its_query_count_does_not_grow_with_the_history(
    client_for, clinic, users, changes, django_assert_num_queries
):
    patient = make_patient(clinic)
    for i in range(changes):
        do_update_patient(Actor(users["clinician"]), patient, city=f"City {i}")
    client = client_for("clinician")
    client.get(url(patient))
    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(url(patient))
    assert len(response.context["versions"]) == changes + 1
