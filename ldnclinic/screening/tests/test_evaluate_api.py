"""POST /api/v1/screening/evaluate: the issue's example, bad input, the rate limit."""

import json

import pytest
from django.test import Client

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent

URL = "/api/v1/screening/evaluate"

# Every question answered "no" or "none" (null for the "days ago" fields means never).
ALL_NO = {
    "medications": [],
    "conditions": [],
    "age_years": 40,
    "pregnant": False,
    "breastfeeding": False,
    "liver_disease": "none",
    "kidney_disease": "none",
    "last_opioid_dose_days_ago": None,
    "last_opioid_long_acting": False,
    "planned_surgery_in_days": None,
    "thyroid_hormone": False,
    "immunosuppressed": False,
    "naltrexone_hypersensitivity": False,
    "depression": False,
}


def post(payload, client=None, **headers):
    client = client or Client()
    return client.post(URL, json.dumps(payload), content_type="application/json", **headers)


@pytest.fixture(autouse=True)
def _db(db):
    """The rate limit counts in the database cache."""


def test_the_issue_example_is_contraindicated_and_names_codeine():
    response = post({"medications": ["Tylenol with codeine"], "procedures": ["ldn"]})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "contraindicated"
    assert body["ruleset_version"] == "2026.11-1"
    first = body["findings"][0]
    assert first["rule"] == "ldn.opioid.current"
    assert first["severity"] == "contraindicated"
    assert first["applies_to"] == ["ldn"]
    assert first["matched"] == {"medications": ["Tylenol with codeine → codeine"]}
    assert first["evidence"]["grade"] == "A"
    assert "Naltrexone HCl 50 mg label" in first["evidence"]["source"]
    assert "codeine" in first["reason"] or "opioid" in first["reason"]
    assert body["unmatched_medications"] == []


def test_every_answer_no_is_clear():
    body = post(ALL_NO).json()
    assert body == {
        "status": "clear",
        "findings": [],
        "unmatched_medications": [],
        "unanswered": [],
        "ruleset_version": "2026.11-1",
    }


def test_an_omitted_answer_is_not_a_no():
    body = post({k: v for k, v in ALL_NO.items() if k != "last_opioid_dose_days_ago"}).json()
    assert body["status"] == "review"
    assert "last_opioid_dose_days_ago" in body["unanswered"]
    assert body["findings"][-1]["rule"] == "screening.incomplete"


def test_an_empty_body_screens_as_incomplete():
    body = post({}).json()
    assert body["status"] == "review"
    assert "medications" in body["unanswered"]


def test_null_days_mean_never_and_numbers_are_screened():
    body = post({**ALL_NO, "last_opioid_dose_days_ago": 8}).json()
    assert body["status"] == "review"
    assert [f["rule"] for f in body["findings"]] == ["ldn.opioid.washout_window"]
    assert body["findings"][0]["matched"] == {"last_opioid_dose_days_ago": 8}


def test_junk_medication_is_listed_and_needs_review():
    body = post({**ALL_NO, "medications": ["zzkq blorf"]}).json()
    assert body["unmatched_medications"] == ["zzkq blorf"]
    assert body["status"] == "review"


def test_skin_procedures_use_their_own_rules():
    body = post(
        {
            **ALL_NO,
            "procedures": ["laser"],
            "isotretinoin_months_ago": 2,
            "photosensitising_drugs": False,
            "keloid_tendency": False,
            "active_skin_infection": False,
            "recent_tanning": False,
            "pacemaker_or_implants": False,
            "pregnant": False,
        }
    ).json()
    assert body["status"] == "contraindicated"
    assert [f["rule"] for f in body["findings"]] == ["skin.isotretinoin.recent"]
    assert body["findings"][0]["evidence"] == {"grade": "D", "source": None}
    assert body["findings"][0]["convention"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"age_years": -1}, "age_years"),
        ({"age_years": 131}, "age_years"),
        ({"last_opioid_dose_days_ago": -2}, "last_opioid_dose_days_ago"),
        ({"planned_surgery_in_days": -1}, "planned_surgery_in_days"),
        ({"isotretinoin_months_ago": -1}, "isotretinoin_months_ago"),
        ({"liver_disease": "a bit"}, "liver_disease"),
        ({"kidney_disease": "severe-ish"}, "kidney_disease"),
        ({"procedures": ["tattoo"]}, "procedures.0"),
        ({"procedures": []}, "procedures"),
        ({"medications": "codeine"}, "medications"),
        ({"medications": ["x" * 201]}, "medications"),
        ({"pregnant": "maybe"}, "pregnant"),
        ({"shoe_size": 43}, "shoe_size"),
    ],
)
def test_bad_input_is_422_with_the_field(payload, field):
    response = post(payload)
    assert response.status_code == 422
    body = response.json()
    assert field in body["fields"], body
    assert body["error"].startswith(field)


def test_a_body_that_is_not_an_object_is_422_not_500():
    for raw in ("[1, 2]", '"text"', "null"):
        response = Client().post(URL, raw, content_type="application/json")
        assert response.status_code in (400, 422), raw
    response = Client().post(URL, "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "error" in response.json()


def test_it_stores_nothing():
    before = AuditEvent.objects.count()
    post({"medications": ["Percocet"]})
    assert AuditEvent.objects.count() == before


def test_anonymous_use_is_rate_limited_with_retry_after(settings):
    settings.PUBLIC_SCREENING_PER_HOUR = 2
    client = Client()
    assert post({}, client).status_code == 200
    assert post({}, client).status_code == 200
    response = post({}, client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many screenings" in response.json()["error"]
    # Another address has its own allowance.
    assert post({}, client, REMOTE_ADDR="198.51.100.9").status_code == 200


def test_the_limit_is_separate_from_online_booking(settings):
    settings.PUBLIC_SCREENING_PER_HOUR = 1
    settings.PUBLIC_BOOKING_PER_HOUR = 1
    from ldnclinic.scheduling.public import take_booking_attempt

    assert post({}).status_code == 200
    request = type("R", (), {"META": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {}})()
    assert take_booking_attempt(request) is None


def test_staff_are_not_rate_limited(settings, users, clinic, client_for):
    settings.PUBLIC_SCREENING_PER_HOUR = 1
    session = client_for("clinician")
    for _ in range(3):
        assert post({}, session).status_code == 200
    _, raw = do_create_api_token(Actor.system(), users["frontdesk"], name="t", clinic=clinic)
    token = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for _ in range(3):
        assert post({}, token).status_code == 200


def test_a_signed_in_patient_or_a_bad_token_is_limited_like_anyone(settings, client_for):
    settings.PUBLIC_SCREENING_PER_HOUR = 1
    patient = client_for("patient")
    assert post({}, patient).status_code == 200
    assert post({}, patient).status_code == 429
    bad = Client(HTTP_AUTHORIZATION="Bearer ldn_not-a-token", REMOTE_ADDR="198.51.100.7")
    assert post({}, bad).status_code == 200
    assert post({}, bad).status_code == 429


def test_it_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/screening/evaluate"]["post"]
    assert {"200", "422", "429"} <= set(operation["responses"])
