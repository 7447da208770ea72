"""GET /api/v1/protocols…: the clinic's library for staff and their tokens; another
clinic's protocol is a 404; patients and strangers get nothing."""

import copy

import pytest
from django.test import Client

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.log import Actor
from ldnclinic.protocols.actions import do_create_protocol, do_save_protocol_version
from ldnclinic.protocols.seed import seed_protocols

CODE = "psoriasis-ldn"


@pytest.fixture
def token_client(users, clinic):
    _token, raw = do_create_api_token(
        Actor.system(via="test"), users["frontdesk"], name="t", clinic=clinic, read_only=True
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def clinic_y_protocol(library, other_clinic, other_actor):
    data = copy.deepcopy(library[CODE].versions.get().data)
    data["code"] = "y-only"
    return do_create_protocol(other_actor, other_clinic, data, "")


def test_the_list_names_each_protocol_with_its_evidence(token_client, library):
    response = token_client.get("/api/v1/protocols")
    assert response.status_code == 200
    items = {item["code"]: item for item in response.json()["items"]}
    assert set(items) == {p["code"] for p in seed_protocols()}
    assert items[CODE] == {
        "code": CODE,
        "name": "Psoriasis: LDN with laser",
        "condition": {
            "slug": "psoriasis",
            "name": "Psoriasis",
            "icd10": "L40.9",
            "snomed": "9014002",
        },
        "evidence_grade": "C",
        "evidence_certainty": "very low",
        "version": 1,
        "scope": "global",
    }
    assert items["vitiligo-ldn"]["evidence_grade"] == "gap"


def test_it_reads_the_latest_version(token_client, library):
    body = token_client.get(f"/api/v1/protocols/{CODE}").json()
    assert (body["code"], body["version"], body["latest_version"], body["scope"]) == (
        CODE,
        1,
        1,
        "global",
    )
    assert body["data"]["default_scheme"] == "standard"
    assert body["data"]["schemes"][0]["start_mg"] == "1.5"


def test_it_reads_an_older_version(token_client, library, clinic, admin_actor):
    data = copy.deepcopy(library[CODE].versions.get().data)
    do_save_protocol_version(admin_actor, clinic, CODE, data, "one")
    data["summary"] = "Second."
    do_save_protocol_version(admin_actor, clinic, CODE, data, "two")
    latest = token_client.get(f"/api/v1/protocols/{CODE}").json()
    assert (latest["version"], latest["scope"], latest["data"]["summary"]) == (
        2,
        "clinic",
        "Second.",
    )
    first = token_client.get(f"/api/v1/protocols/{CODE}/versions/1").json()
    assert (first["version"], first["latest_version"], first["note"]) == (
        1,
        2,
        "Based on global v1. one",
    )
    listed = token_client.get("/api/v1/protocols").json()["items"]
    assert next(i for i in listed if i["code"] == CODE)["version"] == 2


@pytest.mark.parametrize("path", ["/api/v1/protocols/nope", f"/api/v1/protocols/{CODE}/versions/7"])
def test_unknown_is_404(token_client, library, path):
    response = token_client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "Not found."


def test_version_zero_is_404_and_text_is_400(token_client, library):
    assert token_client.get(f"/api/v1/protocols/{CODE}/versions/0").status_code == 404
    assert token_client.get(f"/api/v1/protocols/{CODE}/versions/one").status_code == 400


def test_another_clinics_protocol_is_404(token_client, client_for, clinic_y_protocol):
    assert token_client.get("/api/v1/protocols/y-only").status_code == 404
    assert token_client.get("/api/v1/protocols/y-only/versions/1").status_code == 404
    codes = [i["code"] for i in token_client.get("/api/v1/protocols").json()["items"]]
    assert "y-only" not in codes
    assert client_for("other_staff").get("/api/v1/protocols/y-only").status_code == 200


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_get_404(persona, client_for, library):
    client = client_for(persona)
    assert client.get("/api/v1/protocols").status_code == 404
    assert client.get(f"/api/v1/protocols/{CODE}").status_code == 404


def test_anonymous_gets_401(library):
    assert Client().get("/api/v1/protocols").status_code == 401
