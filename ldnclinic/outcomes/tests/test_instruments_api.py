import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.outcomes.instruments import catalogue

pytestmark = pytest.mark.django_db

BASE = "/api/v1/instruments"
PASI = catalogue()["PASI"].data["example"]


def post(url, body, client=None, **extra):
    raw = body if isinstance(body, str) else json.dumps(body)
    return (client or Client()).post(url, raw, content_type="application/json", **extra)


def test_it_lists_every_instrument_with_its_schema_bands_and_licence():
    response = Client().get(BASE)
    assert response.status_code == 200
    listed = {i["code"]: i for i in response.json()}
    assert set(listed) == set(catalogue())
    pasi = listed["PASI"]
    assert pasi["items"]["properties"]["regions"]["required"] == [
        "head",
        "upper_limbs",
        "trunk",
        "lower_limbs",
    ]
    assert [r["label"] for r in pasi["responses"]] == ["PASI-50", "PASI-75", "PASI-90", "PASI-100"]
    assert pasi["fhir"]["code"] == "PASI"
    assert pasi["fhir"]["system"].startswith("https://")
    assert "licence" in pasi and pasi["embed_text"] is True


def test_it_describes_one_instrument_case_insensitively():
    response = Client().get(f"{BASE}/easi")
    assert response.status_code == 200
    assert response.json()["code"] == "EASI"
    assert response.json()["formula"]


def test_licensed_questionnaires_carry_their_terms_not_their_wording():
    dlqi = Client().get(f"{BASE}/DLQI").json()
    assert dlqi["embed_text"] is False
    assert dlqi["copyright"].startswith("©")
    assert set(dlqi["items"]["properties"]) == {str(n) for n in range(1, 11)}


def test_an_unknown_code_is_a_json_404():
    for response in (
        Client().get(f"{BASE}/LPPAI"),
        post(f"{BASE}/LPPAI/score", {}),
        post(f"{BASE}/nope/compare", {"baseline": 1, "current": 1}),
    ):
        assert response.status_code == 404
        assert "Unknown instrument" in response.json()["error"]


def test_it_scores_a_pasi_form():
    response = post(f"{BASE}/PASI/score", PASI)
    assert response.status_code == 200
    assert response.json() == {
        "total": 22.4,
        "band": "severe",
        "components": {"head": 0.8, "upper_limbs": 3.0, "trunk": 4.2, "lower_limbs": 14.4},
    }


def test_an_area_score_of_7_is_a_422_naming_the_item():
    bad = json.loads(json.dumps(PASI))
    bad["regions"]["head"]["area"] = 7
    response = post(f"{BASE}/PASI/score", bad)
    assert response.status_code == 422
    body = response.json()
    assert body["fields"] == {"regions.head.area": "Must be a whole number 0–6."}
    assert body["error"].startswith("regions.head.area")


def test_a_vasi_percentage_off_the_scale_is_a_422():
    response = post(
        f"{BASE}/VASI/score", {"sites": [{"hand_units": 2, "depigmentation_percent": 30}]}
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["sites.0.depigmentation_percent"]


def test_a_missing_item_is_a_422_naming_it():
    response = post(f"{BASE}/ITCH_NRS/score", {})
    assert response.status_code == 422
    assert response.json()["fields"] == {"score": "Required."}


def test_a_body_that_is_not_json_or_not_an_object_is_422():
    for raw in ("{not json", "[1, 2]", '"text"', "null", ""):
        response = post(f"{BASE}/PASI/score", raw)
        assert response.status_code == 422, raw
        assert "error" in response.json()


def test_it_compares_totals():
    response = post(f"{BASE}/PASI/compare", {"baseline": 20, "current": 4})
    assert response.status_code == 200
    body = response.json()
    assert body["percent_change"] == -80.0
    assert body["reached"] == ["PASI-50", "PASI-75"]


def test_it_compares_item_dicts_and_judges_component_responses():
    current = json.loads(json.dumps(PASI))
    for region in current["regions"].values():
        region["area"] = 1
    response = post(f"{BASE}/PASI/compare", {"baseline": PASI, "current": current})
    assert response.status_code == 200
    assert response.json()["baseline"] == 22.4


def test_compare_errors_name_the_side():
    response = post(f"{BASE}/PASI/compare", {"baseline": 80, "current": 4})
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["baseline"]
    response = post(f"{BASE}/PASI/compare", {"baseline": {"regions": {}}, "current": 4})
    assert response.status_code == 422
    assert "baseline.regions.head" in response.json()["fields"]
    response = post(f"{BASE}/PASI/compare", {"current": 4})
    assert response.json()["fields"] == {"baseline": "Required."}
    response = post(f"{BASE}/PASI/compare", {"baseline": 1, "current": 1, "x": 1})
    assert response.json()["fields"] == {"x": "Unknown field."}


def test_it_stores_nothing():
    before = AuditEvent.objects.count()
    post(f"{BASE}/PASI/score", PASI)
    post(f"{BASE}/PASI/compare", {"baseline": 20, "current": 4})
    assert AuditEvent.objects.count() == before


def test_anonymous_use_is_rate_limited_with_retry_after(settings):
    settings.PUBLIC_INSTRUMENTS_PER_HOUR = 2
    client = Client()
    assert post(f"{BASE}/PASI/score", PASI, client).status_code == 200
    assert post(f"{BASE}/PASI/compare", {"baseline": 2, "current": 1}, client).status_code == 200
    response = post(f"{BASE}/PASI/score", PASI, client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # The catalogue stays readable; another address has its own allowance.
    assert client.get(BASE).status_code == 200
    assert post(f"{BASE}/PASI/score", PASI, REMOTE_ADDR="198.51.100.9").status_code == 200


def test_staff_are_not_rate_limited(settings, users, clinic, client_for):
    settings.PUBLIC_INSTRUMENTS_PER_HOUR = 1
    session = client_for("clinician")
    for _ in range(3):
        assert post(f"{BASE}/PASI/score", PASI, session).status_code == 200
    _, raw = do_create_api_token(Actor.system(), users["frontdesk"], name="t", clinic=clinic)
    token = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for _ in range(3):
        assert post(f"{BASE}/PASI/score", PASI, token).status_code == 200


def test_a_signed_in_patient_is_limited_like_anyone(settings, client_for):
    settings.PUBLIC_INSTRUMENTS_PER_HOUR = 1
    patient = client_for("patient")
    assert post(f"{BASE}/PASI/score", PASI, patient).status_code == 200
    assert post(f"{BASE}/PASI/score", PASI, patient).status_code == 429


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 200)
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["regions", "head", "area", "sites", "score", "baseline", "current", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@hsettings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    code=st.sampled_from(sorted(catalogue())),
    body=json_values,
    op=st.sampled_from(["score", "compare"]),
)
def test_random_json_never_500s(settings, code, body, op):
    settings.PUBLIC_INSTRUMENTS_PER_HOUR = 10**9
    response = post(f"{BASE}/{code}/{op}", body)
    assert response.status_code in (200, 422), response.content
    assert response["Content-Type"].startswith("application/json")


def test_it_is_in_the_openapi_document():
    schema = Client().get("/api/v1/openapi.json").json()
    for path, method in (
        ("/api/v1/instruments", "get"),
        ("/api/v1/instruments/{code}", "get"),
        ("/api/v1/instruments/{code}/score", "post"),
        ("/api/v1/instruments/{code}/compare", "post"),
    ):
        operation = schema["paths"][path][method]
        assert operation["summary"]
    score = schema["paths"]["/api/v1/instruments/{code}/score"]["post"]
    assert {"200", "404", "422", "429"} <= set(score["responses"])
    assert "requestBody" in score
