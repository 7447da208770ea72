"""POST /api/v1/plans/preview: the issue's shape, each bad input, who may call it, and
never a 500."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.plans.formulation import BUD_LABEL

URL = "/api/v1/plans/preview"
LOW_AND_SLOW_LIQUID = {
    "start_date": "2026-01-05",
    "start_mg": 0.5,
    "step_mg": 0.5,
    "interval_days": 7,
    "target_mg": 4.5,
    "duration_days": 84,
    "timing": "bedtime",
    "formulation": {"type": "liquid", "concentration_mg_per_ml": 1, "preserved": False},
}
STANDARD_CAPSULES = LOW_AND_SLOW_LIQUID | {
    "start_mg": 1.5,
    "step_mg": 1.5,
    "formulation": {"type": "capsule"},
}


def post(payload, client=None, **headers):
    client = client or Client()
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(URL, body, content_type="application/json", **headers)


def refused(payload, field, *words, status=422):
    response = post(payload)
    assert response.status_code == status, response.content
    body = response.json()
    assert field in body["fields"], body
    for word in words:
        assert word in body["fields"][field]
    assert body["error"].startswith(f"{field}: ") or field in body["error"]
    return body


@pytest.fixture(autouse=True)
def _db(db):
    """The rate limit counts in the database cache."""


def test_low_and_slow_liquid_preview():
    response = post(LOW_AND_SLOW_LIQUID)
    assert response.status_code == 200
    body = response.json()
    assert len(body["steps"]) == 9
    assert body["steps"][0] == {
        "start_date": "2026-01-05",
        "end_date": "2026-01-11",
        "dose_mg": "0.5",
        "timing": "bedtime",
        "days": 7,
        "volume_ml": "0.5",
        "sig": "Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days",
    }
    assert body["steps"][-1]["dose_mg"] == "4.5"
    assert body["steps"][-1]["end_date"] == "2026-03-29"
    assert body["sig"].startswith(
        "Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days, then take 1 mL (1 mg) by mouth"
    )
    assert body["sig"].endswith("daily until March 29, 2026.")
    assert len(body["sig_lines"]) == 9
    dispense = body["dispense"]
    assert dispense["type"] == "liquid"
    assert dispense["beyond_use_days"] == 14
    assert dispense["days_supply"] == 14
    assert dispense["refills"] == 5
    assert dispense["beyond_use_label"] == BUD_LABEL
    assert dispense["total_volume_ml"] == str(sum(int(f["volume_ml"]) for f in dispense["fills"]))
    assert body["dosage_instruction"][0]["sequence"] == 1
    assert body["dosage_instruction"][0]["timing"]["repeat"]["boundsPeriod"] == {
        "start": "2026-01-05",
        "end": "2026-01-11",
    }
    assert body["effective_target_mg"] == "4.5"
    assert body["notices"] == []


def test_capsules_list_quantities_per_strength():
    body = post(STANDARD_CAPSULES).json()
    assert "volume_ml" not in body["steps"][0] or body["steps"][0]["volume_ml"] is None
    assert body["dispense"]["strengths"] == {"1.5": 7, "3": 7, "4.5": 70}
    assert body["dispense"]["beyond_use_days"] == 180
    assert body["dispense"]["days_supply"] == 84
    assert body["sig"].startswith("Take one 1.5 mg capsule by mouth at bedtime for 7 days")


def test_numbers_as_text_are_read():
    body = post(STANDARD_CAPSULES | {"start_mg": "1.5", "target_mg": "4.5"}).json()
    assert body["steps"][0]["dose_mg"] == "1.5"


def test_a_dose_below_a_tenth_of_a_mg_is_refused():
    refused(LOW_AND_SLOW_LIQUID | {"start_mg": 0.05}, "start_mg", "below the 0.1 mg minimum")


def test_above_4_5_mg_needs_confirmation():
    refused(STANDARD_CAPSULES | {"target_mg": 6}, "target_mg", "confirm to go beyond")


def test_above_4_5_mg_with_confirmation_is_previewed():
    response = post(STANDARD_CAPSULES | {"target_mg": 6, "beyond_low_dose_confirmed": True})
    assert response.status_code == 200
    body = response.json()
    assert [s["dose_mg"] for s in body["steps"]] == ["1.5", "3", "4.5", "6"]
    assert body["effective_target_mg"] == "6"


def test_above_50_mg_is_refused_even_with_confirmation():
    refused(
        STANDARD_CAPSULES | {"target_mg": 51, "beyond_low_dose_confirmed": True},
        "target_mg",
        "refused",
    )


def test_a_step_overshooting_the_target_is_clamped_with_a_notice():
    body = post(STANDARD_CAPSULES | {"start_mg": 1, "step_mg": 1.5}).json()
    assert [s["dose_mg"] for s in body["steps"]] == ["1", "2.5", "4", "4.5"]
    assert body["notices"] == [
        "The step from 4 mg to 5.5 mg would pass the 4.5 mg target; the last step is 4.5 mg."
    ]


def test_an_interval_of_zero_days_is_refused():
    refused(STANDARD_CAPSULES | {"interval_days": 0}, "interval_days", "at least 1 day")


def test_a_liquid_dose_under_a_tenth_of_a_ml_suggests_a_weaker_concentration():
    body = refused(
        LOW_AND_SLOW_LIQUID | {"formulation": {"type": "liquid", "concentration_mg_per_ml": 10}},
        "formulation.concentration_mg_per_ml",
        "under 0.1 mL",
        "weaker concentration",
    )
    assert "0.05 mL" in body["error"]


@pytest.mark.parametrize("duration", [0, 731])
def test_a_duration_outside_1_to_730_days_is_refused(duration):
    refused(STANDARD_CAPSULES | {"duration_days": duration}, "duration_days")


@pytest.mark.parametrize("value", ["2026-02-30", "05/01/2026", "", 20260105, None])
def test_a_bad_date_is_refused(value):
    refused(STANDARD_CAPSULES | {"start_date": value}, "start_date")


def test_a_weight_without_mg_per_kg_is_refused():
    refused(STANDARD_CAPSULES | {"weight_kg": 30}, "mg_per_kg", "mg/kg")


def test_a_paediatric_weight_sets_the_target():
    body = post(LOW_AND_SLOW_LIQUID | {"weight_kg": 30, "mg_per_kg": 0.1}).json()
    assert body["effective_target_mg"] == "3"
    assert body["steps"][-1]["dose_mg"] == "3"
    assert body["notices"][0] == "Weight-based target: 30 kg × 0.1 mg/kg = 3 mg."


def test_a_heavier_childs_target_is_capped_at_4_5_mg():
    body = post(LOW_AND_SLOW_LIQUID | {"weight_kg": 60, "mg_per_kg": 0.1}).json()
    assert body["effective_target_mg"] == "4.5"
    assert max(float(s["dose_mg"]) for s in body["steps"]) == 4.5
    assert "capped at 4.5 mg" in body["notices"][0]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"colour": "blue"}, "colour"),
        ({"formulation": {"type": "capsule", "strength": 3}}, "formulation.capsule.strength"),
        ({"formulation": {"type": "tablet"}}, "formulation"),
        ({"formulation": {"type": "liquid"}}, "formulation.liquid.concentration_mg_per_ml"),
        ({"timing": "noon"}, "timing"),
        ({"interval_days": 1.5}, "interval_days"),
        ({"start_mg": "lots"}, "start_mg"),
        ({"start_mg": "NaN"}, "start_mg"),
    ],
)
def test_unknown_or_malformed_fields_are_422_with_a_message(change, field):
    response = post(STANDARD_CAPSULES | change)
    assert response.status_code == 422
    body = response.json()
    assert body["error"]
    assert field in body["fields"], body


def test_a_missing_field_is_named():
    payload = dict(STANDARD_CAPSULES)
    del payload["step_mg"]
    refused(payload, "step_mg")


def test_not_json_is_a_clean_4xx():
    response = post("{not json")
    assert 400 <= response.status_code < 500
    assert response.json()["error"]
    assert post("[1, 2]").status_code == 422


def test_it_stores_nothing():
    before = AuditEvent.objects.count()
    assert post(STANDARD_CAPSULES).status_code == 200
    assert AuditEvent.objects.count() == before


def test_adjustments_are_applied_in_order():
    body = post(
        STANDARD_CAPSULES
        | {
            "adjustments": [
                {"kind": "hold", "effective_date": "2026-01-14", "days": 7, "reason": "headache"},
                {"kind": "morning", "effective_date": "2026-01-20"},
            ]
        }
    ).json()
    assert [(s["dose_mg"], s["days"], s["timing"]) for s in body["steps"]] == [
        ("1.5", 7, "bedtime"),
        ("3", 8, "bedtime"),
        ("3", 6, "morning"),
        ("4.5", 63, "morning"),
    ]


@pytest.mark.parametrize(
    "adjustment, field",
    [
        ({"kind": "hold", "effective_date": "2026-01-14", "days": 0}, "adjustments.0.days"),
        ({"kind": "resume", "effective_date": "2026-01-14"}, "kind"),
        ({"kind": "stop", "effective_date": "2027-01-14"}, "effective_date"),
        ({"kind": "sideways", "effective_date": "2026-01-14"}, "adjustments.0.kind"),
        ({"kind": "stop", "effective_date": "2026-01-14", "by": 1}, "adjustments.0.by"),
    ],
)
def test_a_bad_adjustment_is_422(adjustment, field):
    refused(STANDARD_CAPSULES | {"adjustments": [adjustment]}, field)


def test_staff_get_their_clinics_beyond_use_days_and_storage(clinic, client_for):
    from ldnclinic.prescriptions.models import CompoundingSettings

    CompoundingSettings.objects.create(
        clinic=clinic, bud_liquid_non_preserved=7, storage_liquid_non_preserved="Fridge, 4 °C."
    )
    staff = post(LOW_AND_SLOW_LIQUID, client_for("clinician")).json()["dispense"]
    assert staff["beyond_use_days"] == 7 and staff["storage"] == "Fridge, 4 °C."
    assert len(staff["fills"]) == 12
    anonymous = post(LOW_AND_SLOW_LIQUID).json()["dispense"]
    assert anonymous["beyond_use_days"] == 14 and "refrigerator" in anonymous["storage"]
    other = post(LOW_AND_SLOW_LIQUID, client_for("other_staff")).json()["dispense"]
    assert other["beyond_use_days"] == 14


def test_the_preview_creates_no_clinic_settings(clinic, client_for):
    from ldnclinic.prescriptions.models import CompoundingSettings

    assert post(STANDARD_CAPSULES, client_for("clinician")).status_code == 200
    assert not CompoundingSettings.objects.exists()


# -- who may call it --------------------------------------------------------------------


def test_anonymous_callers_are_rate_limited_with_retry_after(settings):
    settings.PUBLIC_PLAN_PREVIEW_PER_HOUR = 2
    client = Client()
    assert post(STANDARD_CAPSULES, client).status_code == 200
    assert post(STANDARD_CAPSULES, client).status_code == 200
    response = post(STANDARD_CAPSULES, client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many previews" in response.json()["error"]
    assert post(STANDARD_CAPSULES, client, REMOTE_ADDR="198.51.100.9").status_code == 200


def test_staff_sessions_and_tokens_are_not_rate_limited(settings, users, clinic, client_for):
    settings.PUBLIC_PLAN_PREVIEW_PER_HOUR = 1
    for persona in ("clinician", "frontdesk", "admin"):
        session = client_for(persona)
        for _ in range(2):
            assert post(STANDARD_CAPSULES, session).status_code == 200
    _, raw = do_create_api_token(Actor.system(), users["clinician"], name="t", clinic=clinic)
    token = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for _ in range(3):
        assert post(STANDARD_CAPSULES, token).status_code == 200


def test_a_patient_or_a_bad_token_is_limited_like_anyone(settings, client_for):
    settings.PUBLIC_PLAN_PREVIEW_PER_HOUR = 1
    patient = client_for("patient")
    assert post(STANDARD_CAPSULES, patient).status_code == 200
    assert post(STANDARD_CAPSULES, patient).status_code == 429
    bad = Client(HTTP_AUTHORIZATION="Bearer ldn_not-a-token", REMOTE_ADDR="198.51.100.7")
    assert post(STANDARD_CAPSULES, bad).status_code == 200
    assert post(STANDARD_CAPSULES, bad).status_code == 429


def test_it_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/plans/preview"]["post"]
    assert {"200", "422", "429"} <= set(operation["responses"])


# -- never a 500 ------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["2026-01-05", "9999-12-31", "0001-01-01", "1e999", "NaN", "-0", "4.5"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
numbers = st.one_of(
    st.integers(-5, 800),
    st.decimals(-10, 100, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.floats(-10, 1e6, allow_nan=False),
    json_scalars,
)
formulation_values = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("liquid"), "concentration_mg_per_ml": numbers},
        optional={"preserved": json_scalars},
    ),
    st.just({"type": "capsule"}),
    json_values,
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        "start_date": st.one_of(st.dates().map(lambda d: d.isoformat()), json_scalars),
        "start_mg": numbers,
        "step_mg": numbers,
        "interval_days": numbers,
        "target_mg": numbers,
        "duration_days": numbers,
        "timing": st.sampled_from(["bedtime", "morning", "noon", None]),
        "weight_kg": numbers,
        "mg_per_kg": numbers,
        "max_mg": numbers,
        "beyond_low_dose_confirmed": json_scalars,
        "formulation": formulation_values,
        "extra": json_values,
    },
)


@examples(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.one_of(payloads, json_values))
def test_random_payloads_never_answer_500(settings, users, client_for, payload):
    settings.PUBLIC_PLAN_PREVIEW_PER_HOUR = 10**6
    response = post(payload, client_for("clinician"))
    assert response.status_code < 500, (payload, response.content)
    if response.status_code != 200:
        assert response.json()["error"]


@examples(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.fixed_dictionaries(
        {
            "start_date": st.dates().map(lambda d: d.isoformat()),
            "start_mg": st.decimals(0, 60, places=2).map(str),
            "step_mg": st.decimals(0, 5, places=2).map(str),
            "interval_days": st.integers(-1, 400),
            "target_mg": st.decimals(0, 60, places=2).map(str),
            "duration_days": st.integers(-1, 800),
            "beyond_low_dose_confirmed": st.booleans(),
            "formulation": st.one_of(
                st.just({"type": "capsule"}),
                st.builds(
                    lambda c, p: {"type": "liquid", "concentration_mg_per_ml": c, "preserved": p},
                    st.decimals(0, 12, places=2).map(str),
                    st.booleans(),
                ),
            ),
        }
    )
)
def test_plausible_payloads_answer_200_or_422(settings, payload):
    settings.PUBLIC_PLAN_PREVIEW_PER_HOUR = 10**6
    response = post(payload)
    assert response.status_code in (200, 422), (payload, response.content)


# -- the preview module behind the endpoint ---------------------------------------------


def test_preview_collects_every_missing_or_unreadable_field_at_once():
    from ldnclinic.plans.preview import preview
    from ldnclinic.plans.titration import PlanInputError

    with pytest.raises(PlanInputError) as error:
        preview({"start_mg": "x", "interval_days": 0, "formulation": {"type": "pill"}})
    assert set(error.value.errors) == {
        "start_date",
        "step_mg",
        "target_mg",
        "duration_days",
        "start_mg",
        "formulation.type",
    }


def test_a_stored_plan_version_is_rebuilt_from_its_params():
    from ldnclinic.plans.formulation import Liquid
    from ldnclinic.plans.preview import calendar_from_params, formulation_from_params

    params = {
        "scheme": {
            "code": "low-and-slow",
            "name": "Low and slow",
            "start_mg": "0.5",
            "step_mg": "0.5",
            "interval_days": 7,
            "target_mg": "4.5",
            "max_mg": "4.5",
            "timing": "bedtime",
            "mg_per_kg": None,
            "source": "clinical.md §2.2",
            "grade": "D",
        },
        "scheme_code": "low-and-slow",
        "start_date": "2026-01-05",
        "duration_days": 84,
        "formulation": {"type": "liquid", "concentration_mg_per_ml": "1", "preserved": False},
        "adjuncts": [],
    }
    adjustments = [
        {
            "kind": "morning",
            "effective_date": "2026-01-20",
            "days": None,
            "reason": "insomnia",
            "version": 2,
            "by": "clinician@demo",
        }
    ]
    calendar = calendar_from_params(params, adjustments)
    assert len(calendar.steps) == 10
    assert calendar.dose_on(calendar.end_date).timing == "morning"
    assert calendar_from_params(params, []).steps[-1].timing == "bedtime"
    assert formulation_from_params(params) == Liquid(concentration_mg_per_ml=1)


def test_a_bad_stored_adjustment_names_its_index():
    from ldnclinic.plans.preview import calendar_from_params
    from ldnclinic.plans.titration import PlanInputError

    params = {
        "scheme": {"start_mg": "1.5", "step_mg": "1.5", "interval_days": 7, "target_mg": "4.5"},
        "start_date": "2026-01-05",
        "duration_days": 84,
    }
    with pytest.raises(PlanInputError) as error:
        calendar_from_params(params, [{"kind": "stop", "effective_date": "2026-01-10"}, {}])
    assert "adjustments.1.kind" in error.value.errors
