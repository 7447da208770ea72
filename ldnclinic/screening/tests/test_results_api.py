"""GET /api/v1/patients/{id}/screening and the acknowledge and override operations."""

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.screening import actions
from ldnclinic.screening.models import FindingReview

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
REASON = "Codeine stopped; pharmacy record confirms no opioid since January."
# No opioid, thyroid hormone: a single caution.
THYROID = {
    **COMPLETE,
    "opioid_use": "no",
    "takes_medications": "no",
    "thyroid_disease": "underactive",
    "thyroid_hormone": "yes",
    "thyroid_hormone_dose": "levothyroxine 50 mcg",
}


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


def submit(patient, users, answers):
    actor = Actor(user=users["patient"], ip="127.0.0.1", via="test")
    intake_actions.do_submit_intake(actor, patient, answers)
    return actions.latest_screening(patient)


@pytest.fixture
def codeine(patient_a, users):
    return submit(patient_a, users, COMPLETE)


def url(patient, action=""):
    return f"/api/v1/patients/{patient.pk}/screening" + (f"/{action}" if action else "")


def post(client, patient, action, body):
    return client.post(url(patient, action), json.dumps(body), content_type="application/json")


def test_it_reads_a_never_screened_patient_as_blocking(client_for, patient_a):
    response = client_for("frontdesk").get(url(patient_a))
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["id"], body["findings"]) == ("not_screened", None, [])
    assert body["may_prescribe"] is False
    assert [b["rule"] for b in body["blocking"]] == ["screening.none"]


def test_it_reads_the_latest_screening_naming_codeine(client_for, patient_a, codeine, users):
    response = client_for("clinician").get(url(patient_a))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"]) == (codeine.pk, "contraindicated")
    assert body["ruleset_version"] == codeine.ruleset_version
    assert body["created_at"].startswith("2026-03-10T11:00:00-04:00")  # clinic time
    finding = next(f for f in body["findings"] if f["rule"] == "ldn.opioid.current")
    assert finding["severity"] == "contraindicated"
    assert finding["matched"]["medications"] == ["Tylenol with codeine → codeine"]
    assert finding["evidence"]["grade"] == "A" and finding["evidence"]["source"]
    assert finding["review"] is None
    assert body["may_prescribe"] is False
    assert "ldn.opioid.current" in [b["rule"] for b in body["blocking"]]
    read = AuditEvent.objects.filter(code=Event.INTAKE_VIEWED, patient=patient_a).get()
    assert (read.actor, read.via) == (users["clinician"], "api")


def test_it_overrides_with_a_reason(client_for, patient_a, codeine, users):
    response = post(
        client_for("clinician"),
        patient_a,
        "override",
        {"rule": "ldn.opioid.current", "reason": REASON},
    )
    assert response.status_code == 200, response.content
    finding = next(f for f in response.json()["findings"] if f["rule"] == "ldn.opioid.current")
    assert finding["review"]["kind"] == "override"
    assert finding["review"]["reason"] == REASON
    assert finding["review"]["by"] == users["clinician"].pk
    assert "ldn.opioid.current" not in [b["rule"] for b in response.json()["blocking"]]
    event = AuditEvent.objects.get(code=Event.SCREENING_OVERRIDDEN)
    assert (event.actor, event.via, event.payload["reason"]) == (users["clinician"], "api", REASON)


def test_acknowledging_the_only_caution_allows_prescribing(client_for, patient_a, users):
    screening = submit(patient_a, users, THYROID)
    blocking = [f["rule"] for f in screening.findings if f["severity"] != "info"]
    assert blocking == ["ldn.thyroid"]
    client = client_for("admin")
    assert client.get(url(patient_a)).json()["may_prescribe"] is False
    body = {"rule": "ldn.thyroid", "screening": screening.pk}
    response = post(client, patient_a, "acknowledge", body)
    assert response.status_code == 200, response.content
    assert response.json()["may_prescribe"] is True
    assert response.json()["blocking"] == []
    assert AuditEvent.objects.filter(code=Event.SCREENING_ACKNOWLEDGED).count() == 1
    again = post(client, patient_a, "acknowledge", body)
    assert again.status_code == 422
    assert "already been reviewed" in again.json()["error"]


@pytest.mark.parametrize(
    "action, body, field, message",
    [
        ("override", {"rule": "ldn.opioid.current"}, "reason", "required"),
        ("override", {"rule": "ldn.opioid.current", "reason": "  "}, "reason", "reason"),
        ("override", {"rule": "ldn.opioid.current", "reason": "because"}, "reason", "10"),
        ("override", {"rule": "ldn.thyroid", "reason": REASON}, None, "no such finding"),
        ("acknowledge", {"rule": "ldn.opioid.current"}, None, "written reason"),
        ("acknowledge", {"rule": "no.such.rule"}, None, "no such finding"),
        ("acknowledge", {"rule": ""}, "rule", "at least 1"),
        ("acknowledge", {}, "rule", "required"),
        ("acknowledge", {"rule": "ldn.thyroid", "extra": 1}, "extra", "Unknown field"),
        ("acknowledge", {"rule": "ldn.thyroid", "screening": 999999}, "screening", "no such"),
        ("acknowledge", {"rule": ["ldn.thyroid"]}, "rule", "string"),
    ],
)
def test_it_refuses_bad_reviews_with_a_message(
    client_for, patient_a, codeine, action, body, field, message
):
    response = post(client_for("clinician"), patient_a, action, body)
    assert response.status_code == 422, response.content
    error = response.json()
    if field is not None:
        assert message.lower() in error["fields"][field].lower()
    else:
        assert message in error["error"]
    assert not FindingReview.objects.exists()


def test_reviewing_a_patient_never_screened_is_refused(client_for, patient_a):
    response = post(client_for("clinician"), patient_a, "acknowledge", {"rule": "ldn.thyroid"})
    assert response.status_code == 422
    assert "not been screened" in response.json()["error"]


def test_an_earlier_screening_of_another_patient_cannot_be_pinned(
    client_for, patient_a, patient_b, codeine, users
):
    other = actions.do_run_screening(Actor.system(), patient_b)
    body = {"rule": "screening.incomplete", "screening": other.pk}
    response = post(client_for("clinician"), patient_a, "acknowledge", body)
    assert response.status_code == 422
    assert not FindingReview.objects.exists()


def test_front_desk_may_read_but_not_review(client_for, patient_a, codeine):
    client = client_for("frontdesk")
    assert client.get(url(patient_a)).status_code == 200
    body = {"rule": "ldn.opioid.current", "reason": REASON}
    assert post(client, patient_a, "override", body).status_code == 403
    assert post(client, patient_a, "acknowledge", {"rule": "ldn.opioid.current"}).status_code == 403
    assert not FindingReview.objects.exists()


def test_a_read_only_token_reads_but_does_not_review(bearer, patient_a, codeine):
    client = bearer("clinician", read_only=True)
    assert client.get(url(patient_a)).status_code == 200
    body = {"rule": "ldn.opioid.current", "reason": REASON}
    response = post(client, patient_a, "override", body)
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]
    assert not FindingReview.objects.exists()


def test_a_token_reviews(bearer, patient_a, codeine, users):
    body = {"rule": "ldn.opioid.current", "reason": REASON}
    assert post(bearer("clinician"), patient_a, "override", body).status_code == 200
    assert FindingReview.objects.get().by == users["clinician"]


def test_patients_never_see_the_screening(client_for, patient_a, patient_b, codeine):
    assert client_for("patient").get(url(patient_a)).status_code == 404
    assert client_for("patient2").get(url(patient_a)).status_code == 404
    body = {"rule": "ldn.opioid.current", "reason": REASON}
    assert post(client_for("patient2"), patient_a, "override", body).status_code == 404
    assert post(client_for("patient"), patient_a, "override", body).status_code == 403


def test_another_clinic_cannot_reach_it(client_for, patient_a, patient_y, codeine):
    other = client_for("other_staff")
    assert other.get(url(patient_a)).status_code == 404
    body = {"rule": "ldn.opioid.current", "reason": REASON}
    assert post(other, patient_a, "override", body).status_code == 404
    assert client_for("clinician").get(url(patient_y)).status_code == 404
    assert not FindingReview.objects.exists()
