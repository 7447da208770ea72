"""The assessments API: list (filter by instrument), record (201 with the score, 422 naming
the item), read with the comparison to baseline, entered in error; staff of the clinic and
the patient read, clinicians and admins write; isolation between patients and clinics."""

import datetime as dt

import pytest
import time_machine

from ldnclinic.accounts.models import ApiToken
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.outcomes.actions import do_record_assessment
from ldnclinic.outcomes.instruments import get_instrument
from ldnclinic.outcomes.models import Assessment, AssessmentStatus
from ldnclinic.prescriptions.tests.factories import make_plan

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
PASI = get_instrument("PASI").data["example"]  # 22.4, severe
BETTER = {
    "regions": {
        k: {**v, "area": 0 if k == "lower_limbs" else 1} for k, v in PASI["regions"].items()
    }
}  # 3.5
OFF_SCALE = {"hand_units": 1, "depigmentation_percent": 33}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def record(patient, user, code="PASI", items=PASI, at=NOW):
    return do_record_assessment(
        Actor(user=user, ip=None, via="test"),
        patient,
        instrument_code=code,
        items=items,
        source="clinician",
        assessed_at=at,
    )


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_it_records_and_returns_the_score(client_for, patient_a):
    plan = make_plan(patient_a)
    response = post(
        client_for("clinician"),
        f"/api/v1/patients/{patient_a.pk}/assessments",
        {"instrument": "pasi", "items": PASI, "plan_id": plan.pk, "note": "Baseline"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total"], body["band"], body["instrument"]) == (22.4, "severe", "PASI")
    assert body["components"]["lower_limbs"] == 14.4
    assert body["plan_id"] == plan.pk and body["source"] == "clinician"
    assert body["comparison"] is None  # it is the baseline
    assert Assessment.objects.get().note == "Baseline"


def test_it_names_the_item_in_error(client_for, patient_a):
    items = {"regions": {**PASI["regions"], "head": {**PASI["regions"]["head"], "area": 7}}}
    url = f"/api/v1/patients/{patient_a.pk}/assessments"
    response = post(client_for("clinician"), url, {"instrument": "PASI", "items": items})
    assert response.status_code == 422
    assert response.json() == {
        "error": "regions.head.area: Must be a whole number 0–6.",
        "fields": {"regions.head.area": "Must be a whole number 0–6."},
    }
    del items["regions"]["trunk"]
    response = post(client_for("clinician"), url, {"instrument": "PASI", "items": items})
    assert response.json()["fields"]["regions.trunk"] == "Required."
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instrument": "NOPE", "items": {}}, "instrument"),
        ({"instrument": "VASI", "items": {"sites": [OFF_SCALE]}}, "sites.0.depigmentation_percent"),
        ({"instrument": "ITCH_NRS", "items": {"score": 4}, "colour": "red"}, "colour"),
        ({"instrument": "ITCH_NRS", "items": {"score": 4}, "assessed_at": "2026-03-09T10:00:00"},
         "assessed_at"),
        ({"instrument": "ITCH_NRS", "items": {"score": 4}, "assessed_at": "2027-01-01T10:00:00Z"},
         "assessed_at"),
        ({"instrument": "ITCH_NRS", "items": {"score": True}}, "score"),
        ({"instrument": "ITCH_NRS", "items": []}, "items"),
    ],
)  # fmt: skip
def test_it_refuses_bad_input(client_for, patient_a, body, field):
    url = f"/api/v1/patients/{patient_a.pk}/assessments"
    response = post(client_for("clinician"), url, body)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]


def test_it_refuses_another_patients_appointment_or_plan(client_for, patient_a, patient_b):
    plan_b = make_plan(patient_b)
    url = f"/api/v1/patients/{patient_a.pk}/assessments"
    body = {"instrument": "ITCH_NRS", "items": {"score": 4}, "plan_id": plan_b.pk}
    response = post(client_for("clinician"), url, body)
    assert response.status_code == 422
    assert response.json()["fields"] == {"plan_id": "Not found for this patient."}
    body = {"instrument": "ITCH_NRS", "items": {"score": 4}, "appointment_id": 999999}
    assert post(client_for("clinician"), url, body).status_code == 422


def test_it_is_not_json(client_for, patient_a):
    url = f"/api/v1/patients/{patient_a.pk}/assessments"
    response = client_for("clinician").post(url, "{nope", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("frontdesk", 403),
        ("patient", 403),
        ("patient2", 404),
        ("other_staff", 404),
        ("anonymous", 401),
    ],
)
def test_only_clinicians_and_admins_record(client_for, patient_a, persona, status):
    url = f"/api/v1/patients/{patient_a.pk}/assessments"
    response = post(client_for(persona), url, {"instrument": "ITCH_NRS", "items": {"score": 4}})
    assert response.status_code == status
    assert not Assessment.objects.exists()


def test_a_read_only_token_cannot_record(client, patient_a, users, clinic):
    raw, digest = ApiToken.generate()
    ApiToken.objects.create(
        user=users["clinician"], clinic=clinic, name="ro", token_hash=digest,
        lookup_prefix=raw[:12], read_only=True,
    )  # fmt: skip
    response = client.post(
        f"/api/v1/patients/{patient_a.pk}/assessments",
        {"instrument": "ITCH_NRS", "items": {"score": 4}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code in (401, 403)
    assert not Assessment.objects.exists()


def test_the_list_filters_and_compares(client_for, patient_a, users):
    record(patient_a, users["clinician"], at=NOW - dt.timedelta(days=84))
    current = record(patient_a, users["clinician"], items=BETTER)
    record(patient_a, users["clinician"], code="ITCH_NRS", items={"score": 3})
    client = client_for("clinician")
    body = client.get(f"/api/v1/patients/{patient_a.pk}/assessments?instrument=pasi").json()
    assert body["page"]["count"] == 2
    first = body["items"][0]
    assert first["id"] == current.pk
    assert first["comparison"]["reached"] == ["PASI-50", "PASI-75"]
    assert first["comparison"]["percent_change"] == -84.38
    all_ = client.get(f"/api/v1/patients/{patient_a.pk}/assessments").json()
    assert all_["page"]["count"] == 3
    bad = client.get(f"/api/v1/patients/{patient_a.pk}/assessments?instrument=NOPE")
    assert bad.status_code == 422
    assert AuditEvent.objects.filter(code=Event.ASSESSMENTS_LISTED, patient=patient_a).exists()


def test_the_patient_reads_their_own_only(client_for, patient_a, patient_b, users):
    own = record(patient_a, users["clinician"])
    other = record(patient_b, users["clinician"])
    client = client_for("patient")
    assert client.get(f"/api/v1/assessments/{own.pk}").status_code == 200
    assert client.get(f"/api/v1/patients/{patient_a.pk}/assessments").status_code == 200
    assert client.get(f"/api/v1/assessments/{other.pk}").status_code == 404
    assert client.get(f"/api/v1/patients/{patient_b.pk}/assessments").status_code == 404


def test_other_clinics_see_nothing(client_for, patient_a, patient_y, users):
    own = record(patient_a, users["clinician"])
    client = client_for("other_staff")
    assert client.get(f"/api/v1/assessments/{own.pk}").status_code == 404
    assert client.get(f"/api/v1/patients/{patient_a.pk}/assessments").status_code == 404
    url = f"/api/v1/assessments/{own.pk}/entered-in-error"
    assert post(client, url, {"reason": "x"}).status_code == 404
    y = f"/api/v1/patients/{patient_y.pk}/assessments"
    assert client_for("clinician").get(y).status_code == 404


def test_read_is_audited(client_for, patient_a, users):
    own = record(patient_a, users["clinician"])
    response = client_for("frontdesk").get(f"/api/v1/assessments/{own.pk}")
    assert response.status_code == 200
    assert response.json()["total"] == 22.4
    assert AuditEvent.objects.filter(code=Event.ASSESSMENT_VIEWED, subject_id=str(own.pk)).exists()


def test_entered_in_error(client_for, patient_a, users):
    own = record(patient_a, users["clinician"])
    url = f"/api/v1/assessments/{own.pk}/entered-in-error"
    assert post(client_for("frontdesk"), url, {"reason": "x"}).status_code == 403
    assert post(client_for("patient"), url, {"reason": "x"}).status_code == 403
    assert post(client_for("clinician"), url, {}).status_code == 422
    assert post(client_for("clinician"), url, {"reason": ""}).status_code == 422
    response = post(client_for("clinician"), url, {"reason": "Wrong side"})
    assert response.status_code == 200
    assert response.json()["status"] == "entered_in_error"
    own.refresh_from_db()
    assert own.status == AssessmentStatus.ENTERED_IN_ERROR
    assert post(client_for("clinician"), url, {"reason": "Again"}).status_code == 422
    # Left out of the list unless asked for.
    listing = client_for("clinician").get(f"/api/v1/patients/{patient_a.pk}/assessments").json()
    assert listing["page"]["count"] == 0
    listing = (
        client_for("clinician")
        .get(f"/api/v1/patients/{patient_a.pk}/assessments?include_entered_in_error=true")
        .json()
    )
    assert listing["page"]["count"] == 1


def test_the_list_has_a_fixed_number_of_queries(client_for, patient_a, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("clinician")
    url = f"/api/v1/patients/{patient_a.pk}/assessments"
    record(patient_a, users["clinician"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()  # the first request also loads the session's second-factor state
    few = count()
    for days in range(1, 12):
        record(patient_a, users["clinician"], at=NOW - dt.timedelta(days=days))
        record(
            patient_a, users["clinician"], "ITCH_NRS", {"score": 3}, NOW - dt.timedelta(days=days)
        )
    assert count() == few
