"""GET and PUT /api/v1/patients/{id}/intake: the patient and the clinic's staff."""

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.intake.models import IntakeResponse, IntakeStatus
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.screening.models import Screening

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def bearer(users, clinic):
    def make(persona, *, read_only=False):
        _, raw = do_create_api_token(
            Actor.system(), users[persona], name="test", clinic=clinic, read_only=read_only
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


def url(patient):
    return f"/api/v1/patients/{patient.pk}/intake"


def put(client, patient, answers, submit=False, **extra):
    body = json.dumps({"answers": answers, "submit": submit, **extra})
    return client.put(url(patient), body, content_type="application/json")


def test_it_reads_a_not_started_intake(client_for, patient_a):
    response = client_for("clinician").get(url(patient_a))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "not_started"
    assert (body["questionnaire"], body["version"]) == ("ldn-intake", 1)
    assert body["answers"] == {} and "liver_disease" in body["missing"]
    assert body["submitted_at"] is None


def test_the_patient_saves_a_draft_and_it_is_screened(client_for, patient_a, users):
    response = put(client_for("patient"), patient_a, {"opioid_use": "yes", "pregnant": "no"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["answers"] == {"opioid_use": "yes", "pregnant": "no"}
    assert "opioid_name" in body["missing"]  # the follow-up is now shown and required
    saved = AuditEvent.objects.get(code=Event.INTAKE_SAVED)
    assert (saved.actor, saved.via, saved.patient) == (users["patient"], "api", patient_a)
    assert Screening.objects.get(patient=patient_a).status == "review"


def test_the_patient_submits_a_complete_intake(client_for, patient_a):
    response = put(client_for("patient"), patient_a, COMPLETE, submit=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["missing"] == []
    assert body["submitted_at"].startswith("2026-03-10T11:00:00-04:00")  # clinic time
    assert body["answers"]["current_medications"] == ["Tylenol with codeine", "vitamin D"]
    assert AuditEvent.objects.filter(code=Event.INTAKE_SUBMITTED).count() == 1
    assert Screening.objects.get(patient=patient_a).status == "contraindicated"


def test_an_incomplete_submit_stays_a_draft(client_for, patient_a):
    response = put(client_for("patient"), patient_a, {"pregnant": "no"}, submit=True)
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert "liver_disease" in response.json()["missing"]


def test_staff_edit_and_reading_is_audited(client_for, patient_a, users):
    put(client_for("patient"), patient_a, COMPLETE, submit=True)
    changed = {**COMPLETE, "opioid_use": "no"}
    response = put(client_for("frontdesk"), patient_a, changed)
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"  # still complete
    edited = AuditEvent.objects.get(code=Event.INTAKE_EDITED)
    assert edited.actor == users["frontdesk"]
    assert "opioid_use" in edited.payload["changed"]
    assert Screening.objects.filter(patient=patient_a).count() == 2  # re-screened

    response = client_for("patient").get(url(patient_a))
    assert response.json()["answers"]["opioid_use"] == "no"
    viewed = AuditEvent.objects.filter(code=Event.INTAKE_VIEWED, patient=patient_a)
    assert viewed.get().actor == users["patient"]


def test_it_keeps_the_version_the_answers_were_given_on(client_for, patient_a):
    put(client_for("patient"), patient_a, {"pregnant": "no"})
    put(client_for("patient"), patient_a, {"pregnant": "yes"})
    assert IntakeResponse.objects.filter(patient=patient_a).count() == 1
    assert IntakeResponse.objects.get().status == IntakeStatus.DRAFT


@pytest.mark.parametrize(
    "answers, field, message",
    [
        ({"favourite_colour": "blue"}, "answers.favourite_colour", "no such item"),
        ({"pregnant": 3}, "answers.pregnant", "Choose one of the options"),
        ({"pregnant": "perhaps"}, "answers.pregnant", "Choose one of the options"),
        (
            {"opioid_use": "yes", "opioid_last_dose_days": -3},
            "answers.opioid_last_dose_days",
            "0 days or more",
        ),
        (
            {"opioid_use": "yes", "opioid_last_dose_days": "soon"},
            "answers.opioid_last_dose_days",
            "Enter a number",
        ),
        ({"condition_since": "2026-03-11"}, "answers.condition_since", "future"),
        ({"condition_since": "March"}, "answers.condition_since", "YYYY-MM-DD"),
        ({"current_medications": {"a": 1}}, None, None),  # hidden item: dropped, not an error
        ({"weight_kg": 0}, "answers.weight_kg", "or more"),
        ({"takes_medications": "yes", "current_medications": [1, 2]}, "answers", "medication"),
    ],
)
def test_it_refuses_bad_answers_with_a_message_per_item(
    client_for, patient_a, answers, field, message
):
    response = put(client_for("patient"), patient_a, answers)
    if field is None:
        assert response.status_code == 200
        return
    assert response.status_code == 422, response.content
    fields = response.json()["fields"]
    name = next(k for k in fields if k.startswith(field))
    assert message.lower() in fields[name].lower()
    assert not IntakeResponse.objects.filter(patient=patient_a).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"answers": {}, "extra": 1}, "extra"),
        ({"submit": True}, "answers"),
        ({"answers": [], "submit": False}, "answers"),
        ({"answers": {}, "submit": "maybe"}, "submit"),
    ],
)
def test_it_refuses_a_malformed_body(client_for, patient_a, body, field):
    response = client_for("patient").put(
        url(patient_a), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_a_patient_cannot_reach_another_patients_intake(client_for, patient_a, patient_b):
    client = client_for("patient2")
    assert client.get(url(patient_a)).status_code == 404
    assert put(client, patient_a, {"pregnant": "no"}).status_code == 404
    assert not IntakeResponse.objects.filter(patient=patient_a).exists()


def test_another_clinic_cannot_reach_it(client_for, patient_a, patient_y):
    assert client_for("other_staff").get(url(patient_a)).status_code == 404
    assert put(client_for("other_staff"), patient_a, {"pregnant": "no"}).status_code == 404
    assert client_for("clinician").get(url(patient_y)).status_code == 404


def test_a_read_only_token_reads_but_does_not_write(bearer, patient_a):
    client = bearer("clinician", read_only=True)
    assert client.get(url(patient_a)).status_code == 200
    response = put(client, patient_a, {"pregnant": "no"})
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]
    assert not IntakeResponse.objects.exists()


def test_a_token_writes(bearer, patient_a, users):
    response = put(bearer("clinician"), patient_a, {"pregnant": "no"})
    assert response.status_code == 200
    assert AuditEvent.objects.get(code=Event.INTAKE_EDITED).actor == users["clinician"]
