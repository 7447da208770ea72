import datetime
import json

import pytest
import time_machine

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.models import Patient

NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


def patch(client, patient, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.patch(f"/api/v1/patients/{patient.pk}", data, content_type="application/json")


def test_it_changes_only_what_it_is_sent(client_for, patient_a, users):
    response = patch(client_for("frontdesk"), patient_a, {"phone": "+1 555 0100", "city": "Bronx"})
    assert response.status_code == 200
    assert (response.json()["phone"], response.json()["given_name"]) == ("+1 555 0100", "Alice")
    event = AuditEvent.objects.get(code=Event.PATIENT_UPDATED)
    assert event.payload == {
        "before": {"city": "", "phone": ""},
        "after": {"city": "Bronx", "phone": "+1 555 0100"},
    }
    assert (event.actor, event.via) == (users["frontdesk"], "api")


def test_it_changes_with_a_bearer_token(bearer, patient_a, users):
    response = patch(bearer("clinician"), patient_a, {"preferred_name": "Al"})
    assert response.status_code == 200
    assert Patient.objects.get(pk=patient_a.pk).preferred_name == "Al"
    assert patient_a.history.latest().history_user == users["clinician"]


def test_it_writes_no_audit_row_when_nothing_changed(client_for, patient_a, counts):
    before = counts()
    assert patch(client_for("clinician"), patient_a, {"given_name": "Alice"}).status_code == 200
    assert patch(client_for("clinician"), patient_a, {}).status_code == 200
    assert counts() == before


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "body, status, field",
    [
        ("{oops", 400, None),
        ("", 422, "body"),
        ("[]", 422, "body"),
        ({"is_active": False}, 422, "is_active"),
        ({"deactivated_reason": "x"}, 422, "deactivated_reason"),
        ({"date_of_birth": "2026-03-11"}, 422, "date_of_birth"),
        ({"date_of_birth": None}, 422, "date_of_birth"),
        ({"given_name": "a" * 101}, 422, "given_name"),
        ({"given_name": ""}, 422, "given_name"),
        ({"given_name": None}, 422, "given_name"),
        ({"family_name": 3}, 422, "family_name"),
        ({"mrn": "  "}, 422, "mrn"),
        ({"email": "alice@"}, 422, "email"),
        ({"phone": "phone"}, 422, "phone"),
        ({"sex_at_birth": "x"}, 422, "sex_at_birth"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(client_for, patient_a, counts, body, status, field):
    before, stored = counts(), Patient.objects.get(pk=patient_a.pk)
    response = patch(client_for("clinician"), patient_a, body)
    assert response.status_code == status, response.content
    answer = response.json()
    assert set(answer) == {"error", "fields"}
    if field:
        assert field in answer["fields"]
        assert answer["error"].startswith(f"{field}: ")
    assert counts() == before
    fresh = Patient.objects.get(pk=patient_a.pk)
    assert [fresh.given_name, fresh.date_of_birth, fresh.email, fresh.mrn] == [
        stored.given_name,
        stored.date_of_birth,
        stored.email,
        stored.mrn,
    ]


def test_it_refuses_another_patients_mrn(client_for, patient_a, patient_b, counts):
    before = counts()
    response = patch(client_for("clinician"), patient_a, {"mrn": patient_b.mrn})
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "mrn": "Another patient of this clinic has that medical record number."
    }
    assert counts() == before


def test_a_patient_may_not_change_their_record(client_for, patient_a, counts):
    before = counts()
    response = patch(client_for("patient"), patient_a, {"phone": "+1 555 0100"})
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.parametrize("persona", ["patient2", "other_staff"])
def test_it_hides_records_that_are_not_yours(client_for, patient_a, persona, counts):
    before = counts()
    assert patch(client_for(persona), patient_a, {"phone": "+1 555 0100"}).status_code == 404
    assert counts() == before


def test_a_read_only_token_may_not_change(bearer, patient_a, counts):
    client = bearer("clinician", read_only=True)
    before = counts()
    response = patch(client, patient_a, {"phone": "+1 555 0100"})
    assert response.status_code == 403
    assert counts() == before
