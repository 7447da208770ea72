import datetime
import json

import pytest
import time_machine

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.models import Patient
from ldnclinic.patients.tests.conftest import VALID

URL = "/api/v1/patients"
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


def post(client, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data, content_type="application/json")


def test_it_creates_a_patient(client_for, clinic, users):
    response = post(client_for("frontdesk"), {**VALID, "email": "nora@mail.test"})
    assert response.status_code == 201
    body = response.json()
    assert body["mrn"] == "X-000001"
    assert body["clinic_id"] == clinic.pk
    assert (body["country"], body["sex_at_birth"], body["is_active"]) == ("US", "unknown", True)
    patient = Patient.objects.get(pk=body["id"])
    event = AuditEvent.objects.get(code=Event.PATIENT_CREATED)
    assert (event.patient, event.actor, event.via) == (patient, users["frontdesk"], "api")


def test_it_creates_with_a_bearer_token(bearer, clinic, users):
    response = post(bearer("clinician"), {**VALID, "mrn": "API-1"})
    assert response.status_code == 201
    patient = Patient.objects.get(mrn="API-1")
    assert patient.clinic == clinic
    assert patient.history.get().history_user == users["clinician"]
    event = AuditEvent.objects.get(code=Event.PATIENT_CREATED)
    assert (event.actor, event.clinic_id, event.via) == (users["clinician"], clinic.pk, "api")


def test_it_strips_whitespace(client_for, clinic):
    response = post(client_for("admin"), {**VALID, "given_name": "  Nora "})
    assert response.json()["given_name"] == "Nora"


def test_the_same_mrn_as_another_clinics_patient_is_fine(client_for, patient_y):
    assert post(client_for("admin"), {**VALID, "mrn": patient_y.mrn}).status_code == 201


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "body, status, field, message",
    [
        ("{not json", 400, None, "The request body is not valid JSON."),
        ("", 422, "body", "Send a JSON object."),
        ("[]", 422, "body", "Send a JSON object."),
        ('"Nora"', 422, "body", "Send a JSON object."),
        ("null", 422, "body", "Send a JSON object."),
        ({}, 422, "given_name", "Field required"),
        ({**VALID, "is_active": False}, 422, "is_active", "Unknown field."),
        ({**VALID, "clinic_id": 2}, 422, "clinic_id", "Unknown field."),
        (
            {**VALID, "date_of_birth": "2026-03-11"},
            422,
            "date_of_birth",
            "The date of birth cannot be in the future.",
        ),
        (
            {**VALID, "date_of_birth": "1899-12-31"},
            422,
            "date_of_birth",
            "The date of birth cannot be before 1900.",
        ),
        ({**VALID, "given_name": "a" * 101}, 422, "given_name", "at most 100 characters"),
        ({**VALID, "family_name": "   "}, 422, "family_name", "at least 1 character"),
        ({**VALID, "given_name": 7}, 422, "given_name", "valid string"),
        ({**VALID, "given_name": None}, 422, "given_name", "valid string"),
        ({**VALID, "date_of_birth": "03/02/1990"}, 422, "date_of_birth", "valid date"),
        ({**VALID, "date_of_birth": 19900203}, 422, "date_of_birth", "date"),
        ({**VALID, "sex_at_birth": "other"}, 422, "sex_at_birth", "'female'"),
        ({**VALID, "email": "nora@"}, 422, "email", "Enter a valid email address."),
        ({**VALID, "email": ["a@b.test"]}, 422, "email", "valid string"),
        ({**VALID, "phone": "call me"}, 422, "phone", "Enter a phone number"),
        ({**VALID, "country": "USA"}, 422, "country", "at most 2 characters"),
    ],
)
def test_it_refuses_bad_input_in_the_error_shape(
    client_for, clinic, counts, body, status, field, message
):
    before = counts()
    response = post(client_for("clinician"), body)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert set(answer) == {"error", "fields"}
    assert message in answer["error"]
    if field:
        assert answer["error"].startswith(f"{field}: ")
        assert message in answer["fields"][field]
    assert counts() == before


def test_it_names_the_unknown_field(client_for, clinic):
    response = post(client_for("clinician"), {**VALID, "favourite_colour": "blue"})
    assert response.json() == {
        "error": "favourite_colour: Unknown field.",
        "fields": {"favourite_colour": "Unknown field."},
    }


def test_it_lists_every_missing_field(client_for, clinic):
    response = post(client_for("clinician"), {"given_name": "Nora"})
    assert set(response.json()["fields"]) == {"family_name", "date_of_birth"}


def test_it_refuses_a_duplicate_mrn_on_the_mrn_field(client_for, patient_a, counts):
    before = counts()
    response = post(client_for("clinician"), {**VALID, "mrn": patient_a.mrn})
    assert response.status_code == 422
    assert response.json() == {
        "error": "mrn: Another patient of this clinic has that medical record number.",
        "fields": {"mrn": "Another patient of this clinic has that medical record number."},
    }
    assert counts() == before


def test_a_form_encoded_body_is_refused(client_for, clinic, counts):
    before = counts()
    response = client_for("clinician").post(URL, {"given_name": "Nora"})
    assert response.status_code in (400, 422)
    assert "error" in response.json()
    assert counts() == before


def test_a_read_only_token_cannot_create(bearer, clinic, counts):
    client = bearer("clinician", read_only=True)
    before = counts()
    response = post(client, VALID)
    assert response.status_code == 403
    assert response.json()["error"] == "This API token is read-only."
    assert counts() == before


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_cannot_create(client_for, patient_a, persona, counts):
    before = counts()
    assert post(client_for(persona), VALID).status_code == 404
    assert counts() == before


def test_another_clinics_admin_creates_in_their_clinic(client_for, other_clinic):
    response = post(client_for("other_staff"), VALID)
    assert response.json()["clinic_id"] == other_clinic.pk
    assert response.json()["mrn"] == "Y-000001"
