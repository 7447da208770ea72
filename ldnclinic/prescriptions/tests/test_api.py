"""The prescriptions API: list, draft, read (FHIR dosage and dispense), sign, PDF."""

import json

import pytest
import time_machine
from django.test import Client

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.log import Actor
from ldnclinic.conftest import PASSWORD
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.prescriptions.models import Pharmacy, Prescription
from ldnclinic.prescriptions.tests.factories import NOW, make_plan

pytestmark = pytest.mark.django_db


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


def post(client, path, body):
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def draft(client, plan, pharmacy, **extra):
    return post(client, f"/plans/{plan.pk}/prescriptions", {"pharmacy": pharmacy.pk, **extra})


def test_a_clinician_drafts_reads_and_signs(client_for, plan, pharmacy, screened):
    client = client_for("clinician")
    response = draft(client, plan, pharmacy)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["dosage_instruction"][0]["sequence"] == 1
    assert body["dosage_instruction"][0]["timing"]["repeat"]["boundsPeriod"]["start"] == (
        "2026-03-02"
    )
    assert body["dispense"]["beyond_use_days"] == 14
    assert body["pdf_url"] is None
    rx_id = body["id"]
    read = client.get(f"/api/v1/prescriptions/{rx_id}").json()
    assert read["sig"] == body["sig"]
    response = post(client, f"/prescriptions/{rx_id}/sign", {"password": PASSWORD})
    assert response.status_code == 200, response.content
    signed = response.json()
    assert signed["status"] == "signed"
    assert signed["signed_at"].startswith("2026-03-02T09:00:00-05:00")
    pdf = client.get(signed["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    listed = client.get(f"/api/v1/plans/{plan.pk}/prescriptions").json()
    assert [item["id"] for item in listed["items"]] == [rx_id]
    assert listed["needs_new"] is False


def test_bad_input_is_4xx(client_for, plan, pharmacy, other_clinic, screened):
    client = client_for("clinician")
    assert draft(client, plan, pharmacy, extra=1).status_code == 422
    assert post(client, f"/plans/{plan.pk}/prescriptions", {}).status_code == 422
    response = draft(client, plan, pharmacy, period_start="2026-03-10", period_end="2026-03-01")
    assert response.status_code == 422
    assert "period_end" in response.json()["fields"]
    assert draft(client, plan, pharmacy, period_start="nope").status_code == 422
    theirs = Pharmacy.objects.create(clinic=other_clinic, name="Y Rx")
    response = draft(client, plan, theirs)
    assert response.status_code == 422
    assert "pharmacy" in response.json()["fields"]
    assert client.get("/api/v1/prescriptions/999999").status_code == 404
    assert client.get("/api/v1/plans/999999/prescriptions").status_code == 404
    rx_id = draft(client, plan, pharmacy).json()["id"]
    response = post(client, f"/prescriptions/{rx_id}/sign", {"password": "wrong"})
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "password": "That is not your password. Re-enter the password you sign in with."
    }
    assert post(client, f"/prescriptions/{rx_id}/sign", {}).status_code == 422
    assert post(client, f"/prescriptions/{rx_id}/sign", {"password": ""}).status_code == 422
    assert client.get(f"/api/v1/prescriptions/{rx_id}/pdf").status_code == 404
    assert Prescription.objects.get(pk=rx_id).status == "draft"


def test_signing_is_refused_by_the_safety_screen(client_for, plan, pharmacy, actor):
    intake_actions.do_edit_intake(actor, plan.patient, COMPLETE)
    client = client_for("clinician")
    rx_id = draft(client, plan, pharmacy).json()["id"]
    response = post(client, f"/prescriptions/{rx_id}/sign", {"password": PASSWORD})
    assert response.status_code == 422
    body = response.json()
    assert "safety screen" in body["error"]
    assert "ldn.opioid.current" in body["fields"]["screening"]


def test_who_may_do_what(client_for, bearer, plan, pharmacy, screened, patient_b):
    rx_id = draft(client_for("clinician"), plan, pharmacy).json()["id"]
    sign = f"/prescriptions/{rx_id}/sign"
    assert draft(client_for("frontdesk"), plan, pharmacy).status_code == 403
    assert post(client_for("frontdesk"), sign, {"password": PASSWORD}).status_code == 403
    assert draft(client_for("patient"), plan, pharmacy).status_code == 403
    assert draft(client_for("patient2"), plan, pharmacy).status_code == 404
    assert draft(client_for("other_staff"), plan, pharmacy).status_code == 404
    assert draft(client_for("anonymous"), plan, pharmacy).status_code == 401
    for persona in ("patient", "patient2", "other_staff"):
        client = client_for(persona)
        assert client.get(f"/api/v1/prescriptions/{rx_id}").status_code == 404
        assert client.get(f"/api/v1/plans/{plan.pk}/prescriptions").status_code == 404
    assert client_for("frontdesk").get(f"/api/v1/prescriptions/{rx_id}").status_code == 200
    read_only = bearer("clinician", read_only=True)
    assert read_only.get(f"/api/v1/prescriptions/{rx_id}").status_code == 200
    assert post(read_only, sign, {"password": PASSWORD}).status_code == 403
    assert draft(read_only, plan, pharmacy).status_code == 403
    # Patient B's plan is not patient A's to see.
    other = make_plan(patient_b)
    assert client_for("patient").get(f"/api/v1/plans/{other.pk}/prescriptions").status_code == 404
