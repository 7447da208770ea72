import json

import pytest

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.actions import do_deactivate_patient
from ldnclinic.patients.models import Patient


def post(client, patient, action, body=None):
    url = f"/api/v1/patients/{patient.pk}/{action}"
    if body is None:
        return client.post(url)
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def test_it_deactivates(client_for, patient_a, users):
    response = post(client_for("clinician"), patient_a, "deactivate", {"reason": " Moved away "})
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert Patient.objects.get(pk=patient_a.pk).deactivated_reason == "Moved away"
    event = AuditEvent.objects.get(code=Event.PATIENT_DEACTIVATED)
    assert (event.actor, event.via, event.payload) == (
        users["clinician"],
        "api",
        {"reason": "Moved away"},
    )


def test_it_deactivates_with_a_bearer_token(bearer, patient_a):
    assert post(bearer("admin"), patient_a, "deactivate", {"reason": "x"}).status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        (None, None),
        ("", "body"),
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "r" * 201}, "reason"),
        ({"reason": 5}, "reason"),
        ({"reason": "x", "when": "now"}, "when"),
        ("{bad", None),
    ],
)
def test_it_needs_a_short_reason(client_for, patient_a, counts, body, field):
    before = counts()
    response = post(client_for("clinician"), patient_a, "deactivate", body)
    assert response.status_code in (400, 422)
    if field:
        assert field in response.json()["fields"]
    assert counts() == before
    assert Patient.objects.get(pk=patient_a.pk).is_active


def test_deactivating_twice_is_refused(client_for, patient_a):
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    response = post(client_for("clinician"), patient_a, "deactivate", {"reason": "x"})
    assert response.status_code == 422
    assert response.json() == {"error": "This patient is already inactive.", "fields": {}}


def test_it_reactivates(client_for, patient_a, users):
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    response = post(client_for("admin"), patient_a, "reactivate")
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert AuditEvent.objects.get(code=Event.PATIENT_REACTIVATED).actor == users["admin"]


def test_reactivating_an_active_patient_is_refused(client_for, patient_a, counts):
    before = counts()
    response = post(client_for("admin"), patient_a, "reactivate")
    assert response.status_code == 422
    assert response.json()["error"] == "This patient is already active."
    assert counts() == before


@pytest.mark.parametrize("persona", ["frontdesk", "patient"])
def test_front_desk_and_the_patient_may_not(client_for, patient_a, persona):
    assert post(client_for(persona), patient_a, "deactivate", {"reason": "x"}).status_code == 403
    assert Patient.objects.get(pk=patient_a.pk).is_active


@pytest.mark.parametrize("persona", ["patient2", "other_staff"])
def test_it_hides_records_that_are_not_yours(client_for, patient_a, persona):
    assert post(client_for(persona), patient_a, "deactivate", {"reason": "x"}).status_code == 404
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    assert post(client_for(persona), patient_a, "reactivate").status_code == 404


def test_a_read_only_token_may_not(bearer, patient_a):
    response = post(bearer("admin", read_only=True), patient_a, "deactivate", {"reason": "x"})
    assert response.status_code == 403
