"""The plans API: shapes, access (patients read their own, staff read, clinicians and
admins write, the front desk reads only) and 4xx JSON for bad input."""

import json

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.plans import actions
from ldnclinic.plans.models import Plan, PlanVersion
from ldnclinic.plans.tests.plan_fixtures import (
    NOW,
    make_plan,
    screen_blocked,
    screen_clear,
)

pytestmark = pytest.mark.django_db
NEW = {
    "protocol": "psoriasis-ldn",
    "params": {
        "scheme_code": "low-and-slow",
        "start_date": "2026-03-09",
        "formulation": {"type": "liquid", "concentration_mg_per_ml": 1, "preserved": False},
    },
}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def send(client, method, path, body=None):
    call = getattr(client, method)
    if body is None:
        return call(path)
    data = body if isinstance(body, str) else json.dumps(body)
    return call(path, data, content_type="application/json")


def test_it_drafts_a_plan_with_the_protocol_defaults(client_for, patient_a, lead):
    response = send(
        client_for("clinician"), "post", "/api/v1/plans", {**NEW, "patient": patient_a.pk}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["condition"] == {"slug": "psoriasis", "name": "Psoriasis"}
    assert body["protocol"]["code"] == "psoriasis-ldn"
    assert body["clinician_id"] == lead.pk
    version = body["current_version"]
    assert (version["number"], version["kind"]) == (1, "created")
    assert version["params"]["duration_days"] == 84
    assert version["params"]["scheme"]["step_mg"] == "0.5"
    laser = next(a for a in version["params"]["adjuncts"] if a["code"] == "laser")
    assert laser["included"] is True
    assert version["steps"][0] == {
        "start_date": "2026-03-09",
        "end_date": "2026-03-15",
        "dose_mg": "0.5",
        "timing": "bedtime",
        "days": 7,
        "volume_ml": "0.5",
    }
    assert version["sig"].startswith("Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days, then")
    assert body["today"] == {"date": "2026-03-09", "dose_mg": "0.5", "timing": "bedtime"}
    assert version["created_by"] == "clinician@x.test"


def test_bad_params_are_422_with_field_errors_and_nothing_saved(client_for, patient_a):
    body = {**NEW, "patient": patient_a.pk}
    body["params"] = {**NEW["params"], "scheme": {"start_mg": "0.05", "interval_days": 0}}
    response = send(client_for("clinician"), "post", "/api/v1/plans", body)
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert "0.1 mg minimum" in fields["start_mg"]
    assert "interval_days" in fields
    assert not Plan.objects.exists()


def test_an_unknown_protocol_or_scheme_is_422(client_for, patient_a):
    client = client_for("clinician")
    body = {**NEW, "patient": patient_a.pk, "protocol": "nope"}
    response = send(client, "post", "/api/v1/plans", body)
    assert (response.status_code, list(response.json()["fields"])) == (422, ["protocol"])
    body = {**NEW, "patient": patient_a.pk, "params": {"scheme_code": "nope"}}
    response = send(client, "post", "/api/v1/plans", body)
    assert (response.status_code, list(response.json()["fields"])) == (422, ["params.scheme_code"])


def test_unknown_fields_and_bad_json_are_refused(client_for, patient_a):
    client = client_for("clinician")
    response = send(client, "post", "/api/v1/plans", {**NEW, "patient": patient_a.pk, "x": 1})
    assert response.status_code == 422
    assert response.json()["fields"] == {"x": "Unknown field."}
    assert send(client, "post", "/api/v1/plans", "{not json").status_code == 400


@pytest.mark.parametrize(
    ("persona", "status"),
    [("frontdesk", 403), ("patient", 403), ("patient2", 404), ("other_staff", 404)],
)
def test_only_clinicians_and_admins_draft(client_for, patient_a, persona, status):
    response = send(client_for(persona), "post", "/api/v1/plans", {**NEW, "patient": patient_a.pk})
    assert response.status_code == status
    assert set(response.json()) == {"error", "fields"}
    assert not Plan.objects.exists()


def test_a_read_only_token_cannot_draft(users, clinic, patient_a):
    _, raw = do_create_api_token(
        Actor.system(), users["clinician"], name="ro", clinic=clinic, read_only=True
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = send(client, "post", "/api/v1/plans", {**NEW, "patient": patient_a.pk})
    assert response.status_code == 403
    assert send(client, "get", "/api/v1/plans").status_code == 200


def test_reading_a_plan_is_audited(client_for, draft, patient_a):
    response = send(client_for("frontdesk"), "get", f"/api/v1/plans/{draft.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == draft.pk
    event = AuditEvent.objects.filter(code=Event.PLAN_VIEWED).latest("id")
    assert (event.patient, event.via, event.subject_id) == (patient_a, "api", str(draft.pk))


@pytest.mark.parametrize(
    ("persona", "status"),
    [("patient", 200), ("patient2", 404), ("other_staff", 404), ("anonymous", 401)],
)
def test_patients_read_their_own_plans_only(client_for, draft, persona, status):
    response = send(client_for(persona), "get", f"/api/v1/plans/{draft.pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["current_version"]["created_by"] is None  # staff names hidden


def test_the_list_filters_by_patient_and_status(
    client_for, active, patient_a, patient_b, actor, dermatitis
):
    make_plan(actor, patient_b, dermatitis)
    client = client_for("clinician")
    everything = send(client, "get", "/api/v1/plans").json()
    assert everything["page"]["count"] == 2
    mine = send(client, "get", f"/api/v1/plans?patient={patient_a.pk}&status=active").json()
    assert [p["id"] for p in mine["items"]] == [active.pk]
    assert mine["items"][0]["start_date"] == "2026-03-02"
    assert send(client, "get", "/api/v1/plans?status=nonsense").status_code == 400
    own = send(client_for("patient"), "get", "/api/v1/plans").json()
    assert [p["id"] for p in own["items"]] == [active.pk]
    assert send(client_for("other_staff"), "get", "/api/v1/plans").json()["items"] == []


def test_patch_edits_a_draft_into_a_new_version(client_for, draft):
    client = client_for("clinician")
    path = f"/api/v1/plans/{draft.pk}"
    response = send(
        client, "patch", path, {"params": {"scheme_code": "standard"}, "reason": "Faster"}
    )
    assert response.status_code == 200, response.json()
    version = response.json()["current_version"]
    assert (version["number"], version["kind"], version["reason"]) == (2, "edited", "Faster")
    assert version["params"]["scheme"]["start_mg"] == "1.5"  # the new scheme's defaults
    response = send(client, "patch", path, {"params": {"scheme": {"timing": "morning"}}})
    assert response.json()["current_version"]["steps"][0]["timing"] == "morning"
    bad = send(client, "patch", path, {"params": {"duration_days": 0}})
    assert bad.status_code == 422 and "duration_days" in bad.json()["fields"]
    assert draft.versions.count() == 3


def test_patch_refuses_a_live_plan(client_for, active):
    response = send(client_for("clinician"), "patch", f"/api/v1/plans/{active.pk}", {"params": {}})
    assert response.status_code == 422
    assert "Only a draft" in response.json()["error"]


def test_activation_is_refused_while_the_screen_blocks(client_for, draft, patient_a, actor):
    screen_blocked(patient_a, actor)
    client = client_for("clinician")
    response = send(client, "post", f"/api/v1/plans/{draft.pk}/activate")
    assert response.status_code == 422
    assert "Safety screen" in response.json()["error"]
    screen_clear(patient_a, actor)
    response = send(client, "post", f"/api/v1/plans/{draft.pk}/activate")
    assert (response.status_code, response.json()["status"]) == (200, "active")


def test_a_second_live_plan_is_refused(client_for, active, patient_a, actor, psoriasis):
    second = make_plan(actor, patient_a, psoriasis)
    response = send(client_for("clinician"), "post", f"/api/v1/plans/{second.pk}/activate")
    assert response.status_code == 422
    assert "already has an active or paused plan" in response.json()["error"]


def test_adjust_pause_resume_stop(client_for, active):
    client = client_for("clinician")
    base = f"/api/v1/plans/{active.pk}"
    response = send(
        client,
        "post",
        f"{base}/adjust",
        {"kind": "morning", "reason": "Insomnia", "source": "side_effect"},
    )
    assert response.status_code == 200, response.json()
    version = response.json()["current_version"]
    assert (version["number"], version["kind"], version["effective_from"]) == (
        2,
        "adjusted",
        "2026-03-09",
    )
    assert response.json()["today"]["timing"] == "morning"
    response = send(
        client, "post", f"{base}/pause", {"reason": "Surgery", "effective_date": "2026-03-12"}
    )
    assert response.json()["status"] == "paused"
    response = send(
        client, "post", f"{base}/resume", {"reason": "Recovered", "effective_date": "2026-03-20"}
    )
    assert response.json()["status"] == "active"
    response = send(client, "post", f"{base}/stop", {"reason": ""})
    assert response.status_code == 422  # a stop needs its reason
    response = send(
        client, "post", f"{base}/stop", {"reason": "No benefit", "effective_date": "2026-03-25"}
    )
    assert (response.json()["status"], response.json()["stop_reason"]) == ("stopped", "No benefit")
    versions = send(client, "get", f"{base}/versions").json()["items"]
    assert [v["kind"] for v in versions] == ["stopped", "resumed", "paused", "adjusted", "created"]
    response = send(client, "post", f"{base}/adjust", {"kind": "hold", "days": 3, "reason": "x"})
    assert response.status_code == 422
    assert "only an active or paused plan can be adjusted" in response.json()["error"]
    assert PlanVersion.objects.filter(plan=active).count() == 5


def test_adjust_errors_are_field_errors(client_for, active, patient_b):
    client = client_for("clinician")
    base = f"/api/v1/plans/{active.pk}/adjust"
    response = send(client, "post", base, {"kind": "hold", "reason": "x"})
    assert (response.status_code, list(response.json()["fields"])) == (422, ["days"])
    response = send(
        client,
        "post",
        base,
        {"kind": "hold", "days": 3, "reason": "x", "effective_date": "2027-01-01"},
    )
    assert list(response.json()["fields"]) == ["effective_date"]
    response = send(client, "post", base, {"kind": "shrink", "reason": "x"})
    assert response.status_code == 422 and "kind" in response.json()["fields"]
    response = send(client, "post", base, {"kind": "morning", "reason": "x", "appointment": 999999})
    assert list(response.json()["fields"]) == ["appointment"]
    assert active.versions.count() == 1


def test_complete(client_for, active):
    response = send(client_for("clinician"), "post", f"/api/v1/plans/{active.pk}/complete")
    assert (response.status_code, response.json()["status"]) == (200, "completed")


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
def test_only_clinicians_and_admins_change_plans(client_for, active, persona, status):
    client = client_for(persona)
    base = f"/api/v1/plans/{active.pk}"
    calls = [
        ("patch", base, {"params": {}}),
        ("post", f"{base}/activate", None),
        ("post", f"{base}/adjust", {"kind": "morning", "reason": "x"}),
        ("post", f"{base}/pause", {"reason": "x"}),
        ("post", f"{base}/resume", {"reason": "x"}),
        ("post", f"{base}/stop", {"reason": "x"}),
        ("post", f"{base}/complete", None),
    ]
    for method, path, body in calls:
        assert send(client, method, path, body).status_code == status, path
    assert active.versions.count() == 1


def test_versions_for_the_patient_hide_staff(client_for, active):
    items = send(client_for("patient"), "get", f"/api/v1/plans/{active.pk}/versions").json()[
        "items"
    ]
    assert [v["created_by"] for v in items] == [None]
    assert (
        send(client_for("patient2"), "get", f"/api/v1/plans/{active.pk}/versions").status_code
        == 404
    )


def test_the_preview_route_is_not_shadowed(client_for):
    body = {
        "start_date": "2026-03-09",
        "start_mg": 1.5,
        "step_mg": 1.5,
        "interval_days": 7,
        "target_mg": 4.5,
        "duration_days": 28,
        "formulation": {"type": "capsule"},
    }
    response = send(client_for("clinician"), "post", "/api/v1/plans/preview", body)
    assert response.status_code == 200
    assert "steps" in response.json()
    assert send(client_for("clinician"), "get", "/api/v1/plans/preview").status_code in (404, 405)


def test_an_unknown_plan_is_404_json(client_for):
    response = send(client_for("clinician"), "get", "/api/v1/plans/999999")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found.", "fields": {}}


def test_the_action_refusal_leaves_no_version(client_for, active, monkeypatch):
    def broken(actor, plan, version):
        raise ValueError("boom")

    monkeypatch.setattr(actions.prescription_hooks, "plan_changed", broken)
    with pytest.raises(ValueError):
        send(client_for("clinician"), "post", f"/api/v1/plans/{active.pk}/pause", {"reason": "x"})
    assert active.versions.count() == 1


def test_the_list_does_not_grow_queries_with_plans(client_for, draft, actor, patient_b, dermatitis):
    client = client_for("clinician")
    send(client, "get", "/api/v1/plans")  # the first request of a session loads more
    with CaptureQueriesContext(connection) as one:
        assert send(client, "get", "/api/v1/plans").status_code == 200
    for _ in range(3):
        plan = make_plan(actor, patient_b, dermatitis)
        actions.do_edit_plan(actor, plan, params=plan.current_version.params)
    with CaptureQueriesContext(connection) as four:
        assert send(client, "get", "/api/v1/plans").json()["page"]["count"] == 4
    # One more audit row for the second patient listed, nothing per plan.
    assert len(four) == len(one) + 1
