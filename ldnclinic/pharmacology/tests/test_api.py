import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/pharmacology/occupancy"


def test_it_answers_with_points_summary_assumptions_and_sources():
    response = Client().get(URL, {"dose_mg": "4.5", "hours": "24"})
    assert response.status_code == 200
    body = response.json()
    assert body["dose_mg"] == 4.5 and body["hours"] == 24 and body["dosing_hour"] == 22
    assert body["illustrative"] is True
    assert body["label"] == "Illustrative model, not a measurement"
    assert len(body["points"]) == 49
    assert set(body["points"][2]) == {
        "hour",
        "clock",
        "naltrexone_ng_ml",
        "naltrexol_ng_ml",
        "occupancy",
    }
    assert body["points"][2]["clock"] == "23:00"
    assert all(0 <= p["occupancy"] <= 1 for p in body["points"])
    assert 0.35 < body["summary"]["peak_occupancy"] < 0.55
    assert body["summary"]["peak_clock"] == "23:15"
    assert any("50 mg" in a for a in body["assumptions"])
    assert {"fachinfo", "rabiner2011"} <= {s["id"] for s in body["sources"]}
    assert all(s["grade"] for s in body["sources"])


def test_it_takes_the_window_and_dosing_hour():
    body = Client().get(URL, {"dose_mg": 50, "hours": 72, "dosing_hour": 8.5}).json()
    assert len(body["points"]) == 145
    assert body["points"][0]["clock"] == "08:30"
    assert body["summary"]["hours_above_50_percent"] > 24


def test_it_reads_no_patient_data_so_audits_nothing():
    before = AuditEvent.objects.count()
    Client().get(URL, {"dose_mg": 1})
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    "query, field",
    [
        ({"dose_mg": "0"}, "dose_mg"),
        ({"dose_mg": "-1"}, "dose_mg"),
        ({"dose_mg": "50.5"}, "dose_mg"),
        ({"dose_mg": "abc"}, "dose_mg"),
        ({"dose_mg": "nan"}, "dose_mg"),
        ({"dose_mg": "inf"}, "dose_mg"),
        ({"dose_mg": ""}, "dose_mg"),
        ({}, "dose_mg"),
        ({"dose_mg": "2", "hours": "0"}, "hours"),
        ({"dose_mg": "2", "hours": "73"}, "hours"),
        ({"dose_mg": "2", "hours": "1.5"}, "hours"),
        ({"dose_mg": "2", "dosing_hour": "24"}, "dosing_hour"),
        ({"dose_mg": "2", "dosing_hour": "noon"}, "dosing_hour"),
    ],
)
def test_bad_values_are_400_with_the_field(query, field):
    response = Client().get(URL, query)
    assert response.status_code == 400
    body = response.json()
    assert field in body["fields"]
    assert body["error"].startswith(field)


def test_a_dose_of_0_says_why():
    body = Client().get(URL, {"dose_mg": "0"}).json()
    assert body == {
        "error": "dose_mg: The dose must be more than 0 mg.",
        "fields": {"dose_mg": "The dose must be more than 0 mg."},
    }
    body = Client().get(URL, {"dose_mg": "51"}).json()
    assert body["fields"]["dose_mg"] == "The dose must be at most 50 mg."


def test_anonymous_use_is_rate_limited_with_retry_after(settings):
    settings.PUBLIC_PHARMACOLOGY_PER_HOUR = 2
    client = Client()
    assert client.get(URL, {"dose_mg": 1}).status_code == 200
    assert client.get(URL, {"dose_mg": 2}).status_code == 200
    response = client.get(URL, {"dose_mg": 3})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Try again" in response.json()["error"]
    # Another address has its own allowance.
    assert Client(REMOTE_ADDR="198.51.100.9").get(URL, {"dose_mg": 3}).status_code == 200


def test_staff_are_not_rate_limited(settings, users, clinic, client_for):
    settings.PUBLIC_PHARMACOLOGY_PER_HOUR = 1
    session = client_for("clinician")
    for _ in range(3):
        assert session.get(URL, {"dose_mg": 1}).status_code == 200
    _, raw = do_create_api_token(Actor.system(), users["frontdesk"], name="t", clinic=clinic)
    token = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for _ in range(3):
        assert token.get(URL, {"dose_mg": 1}).status_code == 200


def test_a_signed_in_patient_is_limited_like_anyone(settings, client_for):
    settings.PUBLIC_PHARMACOLOGY_PER_HOUR = 1
    patient = client_for("patient")
    assert patient.get(URL, {"dose_mg": 1}).status_code == 200
    assert patient.get(URL, {"dose_mg": 1}).status_code == 429


def test_it_is_documented_in_the_openapi_schema():
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"][URL]["get"]
    assert {"200", "400", "429"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} == {"dose_mg", "hours", "dosing_hour"}


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dose=st.one_of(st.text(max_size=12), st.floats(), st.integers(-100, 100)),
    hours=st.one_of(st.text(max_size=5), st.integers(-5, 100)),
)
def test_random_query_values_never_500(settings, dose, hours):
    settings.PUBLIC_PHARMACOLOGY_PER_HOUR = 10**9
    response = Client().get(URL, {"dose_mg": str(dose), "hours": str(hours)})
    assert response.status_code in (200, 400)
    assert "error" in response.json() or "points" in response.json()
