"""GET /api/v1/conditions and /api/v1/evidence: public, the public clinic's view."""

import pytest
from django.test import Client

from ldnclinic.audit.log import Actor
from ldnclinic.evidence import actions
from ldnclinic.evidence.library import get_condition
from ldnclinic.evidence.models import Condition

pytestmark = pytest.mark.django_db


def test_conditions_list_shape():
    response = Client().get("/api/v1/conditions")
    assert response.status_code == 200
    items = response.json()
    assert len(items) == Condition.objects.filter(clinic=None).count()
    psoriasis = next(i for i in items if i["slug"] == "psoriasis")
    assert psoriasis == {
        "slug": "psoriasis",
        "name": "Psoriasis",
        "area": "dermatology",
        "certainty": "very_low",
        "study_count": 2,
        "icd10": "L40.9",
        "snomed": "9014002",
    }
    lpp = next(i for i in items if i["slug"] == "lichen-planopilaris")
    assert lpp["snomed"] is None  # unconfirmed


def test_evidence_shape():
    response = Client().get("/api/v1/evidence?condition=lichen-planopilaris")
    assert response.status_code == 200
    body = response.json()
    assert (body["condition"], body["certainty"]) == ("lichen-planopilaris", "low")
    assert body["summary"]
    rct = next(s for s in body["studies"] if s.get("pmid") == "32449418")
    assert rct["direction"] == "negative" and rct["grade"] == "B"
    assert rct["low_dose"] is True and rct["year"] == 2020
    assert {"design", "n", "dose", "duration", "outcome", "first_author"} <= set(rct)
    nail = next(s for s in body["studies"] if s.get("doi"))
    assert "pmid" not in nail  # absent, not null, where the reference saw none


def test_a_condition_with_no_study():
    body = Client().get("/api/v1/evidence?condition=vitiligo").json()
    assert (body["certainty"], body["studies"]) == ("none", [])


def test_unknown_slug_is_a_404_json():
    response = Client().get("/api/v1/evidence?condition=no-such-thing")
    assert response.status_code == 404
    assert response.json()["fields"] == {"condition": "Unknown condition slug."}


def test_missing_parameter_is_a_400_json():
    response = Client().get("/api/v1/evidence")
    assert response.status_code == 400
    assert "condition" in response.json()["fields"]


def test_too_long_parameter_is_a_400_json():
    response = Client().get("/api/v1/evidence?condition=" + "x" * 200)
    assert response.status_code == 400


def test_the_api_shows_the_public_clinics_view(clinic, other_clinic, users, settings):
    actor = Actor(user=users["admin"], ip=None, via="test")
    actions.do_save_condition(
        actor, clinic, get_condition(clinic, "psoriasis"), {"summary": "Clinic X words."}
    )
    settings.PUBLIC_CLINIC_SLUG = clinic.slug
    assert Client().get("/api/v1/evidence?condition=psoriasis").json()["summary"] == (
        "Clinic X words."
    )
    settings.PUBLIC_CLINIC_SLUG = other_clinic.slug
    assert Client().get("/api/v1/evidence?condition=psoriasis").json()["summary"] != (
        "Clinic X words."
    )
