import datetime

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.models import Patient

NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


def url(patient):
    return reverse("patient_edit", args=[patient.pk])


def form_for(patient, **changes):
    data = {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex_at_birth": patient.sex_at_birth,
        "email": patient.email,
        "country": patient.country,
        "preferred_language": patient.preferred_language,
    }
    return {**data, **changes}


def test_it_shows_the_record_and_audits_the_read(client_for, patient_a, users):
    response = client_for("frontdesk").get(url(patient_a), REMOTE_ADDR="203.0.113.2")
    assert response.status_code == 200
    assert 'value="patient@x.test"' in response.content.decode()
    event = AuditEvent.objects.get(code=Event.PATIENT_VIEWED)
    assert (event.actor, event.patient, event.source_ip) == (
        users["frontdesk"],
        patient_a,
        "203.0.113.2",
    )


def test_it_saves_and_audits_only_the_changed_fields(client_for, patient_a, users):
    form = form_for(patient_a, phone="+1 555 0100", given_name="Alicia")
    response = client_for("frontdesk").post(url(patient_a), form)
    assert response.status_code == 302
    assert response["Location"] == reverse("patient_detail", args=[patient_a.pk])
    patient_a.refresh_from_db()
    assert (patient_a.given_name, patient_a.phone) == ("Alicia", "+1 555 0100")
    event = AuditEvent.objects.get(code=Event.PATIENT_UPDATED)
    assert event.payload == {
        "before": {"given_name": "Alice", "phone": ""},
        "after": {"given_name": "Alicia", "phone": "+1 555 0100"},
    }
    assert event.actor == users["frontdesk"]


def test_saving_without_changes_writes_no_audit_row(client_for, patient_a):
    history = patient_a.history.count()
    response = client_for("clinician").post(url(patient_a), form_for(patient_a))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(code=Event.PATIENT_UPDATED).exists()
    assert patient_a.history.count() == history


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", "2026-03-11", "The date of birth cannot be in the future."),
        ("date_of_birth", "1899-01-01", "The date of birth cannot be before 1900."),
        ("given_name", "a" * 101, "Ensure this value has at most 100 characters"),
        ("family_name", "b" * 101, "Ensure this value has at most 100 characters"),
        ("family_name", "", "This field is required."),
        ("phone", "phone me", "Enter a phone number of digits"),
        ("email", "alice at x.test", "Enter a valid email address."),
        ("mrn", "", "The medical record number cannot be blank."),
    ],
)
def test_it_shows_field_errors_and_saves_nothing(
    client_for, patient_a, counts, field, value, message
):
    before, stored = counts(), Patient.objects.get(pk=patient_a.pk)
    response = client_for("clinician").post(url(patient_a), form_for(patient_a, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert counts() == before
    fresh = Patient.objects.get(pk=patient_a.pk)
    assert getattr(fresh, field) == getattr(stored, field)


def test_it_shows_a_duplicate_mrn_on_the_mrn_field(client_for, patient_a, patient_b, counts):
    before = counts()
    response = client_for("clinician").post(url(patient_a), form_for(patient_a, mrn=patient_b.mrn))
    assert response.status_code == 200
    assert response.context["form"].errors["mrn"] == [
        "Another patient of this clinic has that medical record number."
    ]
    assert counts() == before


def test_a_refused_edit_keeps_the_stored_name_in_the_title(client_for, patient_a):
    form = form_for(patient_a, email="bad", given_name="Alicia")
    response = client_for("clinician").post(url(patient_a), form)
    assert "<h1>Edit Alice Adams</h1>" in response.content.decode()
    assert 'value="Alicia"' in response.content.decode()


def test_a_patient_may_read_but_not_edit_their_record(client_for, patient_a, counts):
    before = counts()
    client = client_for("patient")
    assert client.get(url(patient_a)).status_code == 403
    assert client.post(url(patient_a), form_for(patient_a, given_name="Me")).status_code == 403
    assert counts() == before


@pytest.mark.parametrize("persona", ["patient2", "other_staff"])
def test_it_hides_the_record_from_others(client_for, patient_a, persona, counts):
    before = counts()
    client = client_for(persona)
    assert client.get(url(patient_a)).status_code == 404
    assert client.post(url(patient_a), form_for(patient_a, given_name="X")).status_code == 404
    assert counts() == before
    assert Patient.objects.get(pk=patient_a.pk).given_name == "Alice"


def test_it_hides_other_clinics_patients(client_for, patient_y):
    assert client_for("admin").get(url(patient_y)).status_code == 404
