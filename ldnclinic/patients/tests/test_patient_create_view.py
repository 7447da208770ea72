import datetime

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.models import Patient

URL = reverse("patient_create")
FORM = {
    "given_name": "Nora",
    "family_name": "New",
    "date_of_birth": "1990-02-03",
    "sex_at_birth": "female",
    "preferred_language": "en",
    "country": "US",
}
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


def test_it_shows_the_form(client_for, clinic):
    response = client_for("frontdesk").get(URL)
    assert response.status_code == 200
    assert 'name="given_name"' in response.content.decode()
    assert "Leave blank to assign the next number." in response.content.decode()


def test_it_creates_a_patient_with_the_next_mrn(client_for, clinic, users):
    response = client_for("frontdesk").post(URL, FORM, REMOTE_ADDR="203.0.113.8")
    patient = Patient.objects.get(given_name="Nora")
    assert response.status_code == 302
    assert response["Location"] == reverse("patient_detail", args=[patient.pk])
    assert (patient.mrn, patient.clinic) == ("X-000001", clinic)
    event = AuditEvent.objects.get(code=Event.PATIENT_CREATED)
    assert (event.actor, event.patient, event.via, event.source_ip) == (
        users["frontdesk"],
        patient,
        "web",
        "203.0.113.8",
    )
    assert patient.history.get().history_user == users["frontdesk"]


def test_it_keeps_a_typed_mrn(client_for, clinic):
    client_for("clinician").post(URL, {**FORM, "mrn": "CHART-1"})
    assert Patient.objects.get().mrn == "CHART-1"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", "2026-03-11", "The date of birth cannot be in the future."),
        ("date_of_birth", "1899-12-31", "The date of birth cannot be before 1900."),
        ("date_of_birth", "31/12/1980", "Enter a valid date."),
        ("date_of_birth", "", "This field is required."),
        ("given_name", "a" * 101, "Ensure this value has at most 100 characters"),
        ("family_name", "b" * 101, "Ensure this value has at most 100 characters"),
        ("given_name", "   ", "This field is required."),
        ("phone", "call me maybe", "Enter a phone number of digits"),
        ("emergency_contact_phone", "x", "Enter a phone number of digits"),
        ("email", "nora@", "Enter a valid email address."),
        ("sex_at_birth", "other", "Select a valid choice."),
    ],
)
def test_it_shows_field_errors_and_saves_nothing(client_for, clinic, counts, field, value, message):
    before = counts()
    response = client_for("clinician").post(URL, {**FORM, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert counts() == before


def test_it_shows_a_duplicate_mrn_on_the_mrn_field(client_for, patient_a, counts):
    before = counts()
    response = client_for("clinician").post(URL, {**FORM, "mrn": patient_a.mrn})
    assert response.status_code == 200
    assert response.context["form"].errors["mrn"] == [
        "Another patient of this clinic has that medical record number."
    ]
    assert 'id="id_mrn_error"' in response.content.decode()
    assert counts() == before


def test_the_same_mrn_as_another_clinics_patient_is_fine(client_for, patient_y):
    response = client_for("clinician").post(URL, {**FORM, "mrn": patient_y.mrn})
    assert response.status_code == 302


def test_another_clinics_admin_creates_in_their_own_clinic(client_for, other_clinic):
    client_for("other_staff").post(URL, FORM)
    assert Patient.objects.get().clinic == other_clinic


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_cannot_create(client_for, persona, counts):
    before = counts()
    assert client_for(persona).post(URL, FORM).status_code == 404
    assert counts() == before
