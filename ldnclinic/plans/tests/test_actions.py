"""The plan actions: drafting, editing, activating, adjusting, completing; each refusal
leaves nothing half-saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.plans import actions
from ldnclinic.plans.models import Plan, PlanStatus, PlanVersion
from ldnclinic.plans.tests.plan_fixtures import (
    START,
    liquid_params,
    make_plan,
    screen_blocked,
    screen_clear,
)
from ldnclinic.protocols.models import Protocol, ProtocolVersion
from ldnclinic.scheduling.models import Appointment, Service
from ldnclinic.screening import actions as screening_actions
from ldnclinic.screening.actions import latest_screening

pytestmark = pytest.mark.django_db


def codes(event):
    return AuditEvent.objects.filter(code=int(event)).count()


def day(n):
    return START + datetime.timedelta(days=n)


def adjust(actor, plan, kind, on, *, days=None, reason="Vivid dreams", source="side_effect"):
    return actions.do_adjust_plan(
        actor,
        plan,
        adjustment={"kind": kind, "effective_date": on.isoformat(), "days": days},
        reason=reason,
        source=source,
    )


# Drafting ---------------------------------------------------------------------------------


def test_it_drafts_version_1_with_the_calendar(draft, patient_a, psoriasis, lead):
    assert draft.status == PlanStatus.DRAFT
    assert draft.condition_slug == "psoriasis"
    assert draft.condition_name == "Psoriasis"
    assert draft.protocol_version == psoriasis
    assert draft.clinician == lead
    version = draft.current_version
    assert (version.number, version.kind, version.adjustments) == (1, "created", [])
    assert version.effective_from == START
    assert version.params["scheme_code"] == "low-and-slow"
    assert version.params["scheme"]["start_mg"] == "0.5"
    assert version.steps[0] == {
        "start_date": "2026-03-02",
        "end_date": "2026-03-08",
        "dose_mg": "0.5",
        "timing": "bedtime",
    }
    assert version.steps[-1]["dose_mg"] == "4.5"
    assert codes(Event.PLAN_CREATED) == 1


def test_bad_params_are_field_errors_and_nothing_is_saved(actor, patient_a, psoriasis):
    params = liquid_params(psoriasis)
    params["scheme"] = {**params["scheme"], "start_mg": "0.05", "interval_days": 0}
    params["duration_days"] = 0
    with pytest.raises(ValidationError) as caught:
        actions.do_create_plan(
            actor, patient_a, protocol_version=psoriasis, condition=None, params=params
        )
    errors = caught.value.message_dict
    assert "0.1 mg minimum" in errors["start_mg"][0]
    assert "interval" in errors["interval_days"][0]
    assert "duration_days" in errors
    assert not Plan.objects.exists()
    assert not PlanVersion.objects.exists()
    assert codes(Event.PLAN_CREATED) == 0


def test_a_dose_above_4_5_mg_needs_confirmation_and_50_is_refused(actor, patient_a, psoriasis):
    params = liquid_params(psoriasis)
    params["scheme"] = {**params["scheme"], "target_mg": "6", "max_mg": "6"}
    with pytest.raises(ValidationError) as caught:
        actions.do_create_plan(
            actor, patient_a, protocol_version=psoriasis, condition=None, params=params
        )
    assert "confirm to go beyond" in caught.value.message_dict["target_mg"][0]
    params["scheme"] = {**params["scheme"], "target_mg": "60", "beyond_low_dose_confirmed": True}
    with pytest.raises(ValidationError) as caught:
        actions.do_create_plan(
            actor, patient_a, protocol_version=psoriasis, condition=None, params=params
        )
    assert "refused" in caught.value.message_dict["target_mg"][0]
    assert not Plan.objects.exists()


def test_a_liquid_dose_under_0_1_ml_suggests_a_weaker_concentration(actor, patient_a, psoriasis):
    params = liquid_params(psoriasis)
    params["formulation"] = {"type": "liquid", "concentration_mg_per_ml": "10"}
    with pytest.raises(ValidationError) as caught:
        actions.do_create_plan(
            actor, patient_a, protocol_version=psoriasis, condition=None, params=params
        )
    message = caught.value.message_dict["formulation.concentration_mg_per_ml"][0]
    assert "weaker concentration" in message
    assert not Plan.objects.exists()


def test_an_overshooting_step_is_clamped_with_a_notice_not_refused(actor, patient_a, psoriasis):
    plan = make_plan(actor, patient_a, psoriasis, scheme="standard")
    params = plan.current_version.params
    params["scheme"] = {**params["scheme"], "step_mg": "2"}
    plan = actions.do_edit_plan(actor, plan, params=params)
    doses = [s["dose_mg"] for s in plan.current_version.steps]
    assert doses == ["1.5", "3.5", "4.5"]


def test_unknown_params_and_bad_adjuncts_are_refused(actor, patient_a, psoriasis):
    params = liquid_params(psoriasis, colour="blue")
    params["adjuncts"][0]["sessions"] = 0
    with pytest.raises(ValidationError) as caught:
        actions.do_create_plan(
            actor, patient_a, protocol_version=psoriasis, condition=None, params=params
        )
    assert set(caught.value.message_dict) == {"colour", "adjuncts.laser.sessions"}


def test_it_refuses_another_clinics_protocol(actor, patient_a, other_clinic, psoriasis):
    protocol = Protocol.objects.create(
        clinic=other_clinic, code="their-psoriasis", condition_slug="psoriasis"
    )
    theirs = ProtocolVersion.objects.create(protocol=protocol, number=1, data=psoriasis.data)
    with pytest.raises(ValidationError) as caught:
        make_plan(actor, patient_a, theirs)
    assert "protocol" in caught.value.message_dict


def test_it_refuses_a_condition_the_protocol_is_not_for(actor, patient_a, psoriasis):
    with pytest.raises(ValidationError) as caught:
        actions.do_create_plan(
            actor,
            patient_a,
            protocol_version=psoriasis,
            condition="vitiligo",
            params=liquid_params(psoriasis),
        )
    assert caught.value.message_dict["condition"] == ["This protocol is for Psoriasis."]


def test_it_refuses_a_lead_from_another_clinic_or_the_front_desk(
    actor, patient_a, psoriasis, users
):
    for who in ("other_staff", "frontdesk"):
        membership = Membership.objects.get(user=users[who])
        with pytest.raises(ValidationError) as caught:
            make_plan(actor, patient_a, psoriasis, membership)
        assert "clinician" in caught.value.message_dict
    assert not Plan.objects.exists()


# Editing ----------------------------------------------------------------------------------


def test_editing_a_draft_adds_a_version_and_keeps_the_first(actor, draft, psoriasis):
    params = liquid_params(psoriasis, scheme="standard", start=day(7))
    plan = actions.do_edit_plan(actor, draft, params=params, reason="Faster")
    versions = list(plan.versions.order_by("number"))
    assert [(v.number, v.kind) for v in versions] == [(1, "created"), (2, "edited")]
    assert versions[0].params["scheme_code"] == "low-and-slow"
    assert versions[1].params["scheme_code"] == "standard"
    assert versions[1].effective_from == day(7)
    assert versions[1].reason == "Faster"
    assert codes(Event.PLAN_EDITED) == 1


def test_only_a_draft_can_be_edited(actor, active, psoriasis):
    with pytest.raises(ValidationError, match="Only a draft"):
        actions.do_edit_plan(actor, active, params=liquid_params(psoriasis))
    assert active.versions.count() == 1


def test_versions_are_frozen(draft):
    version = draft.current_version
    version.reason = "changed"
    with pytest.raises(ValueError, match="cannot change"):
        version.save()
    with pytest.raises(ValueError):
        version.delete()


# Activating -------------------------------------------------------------------------------


def test_it_activates_after_a_clear_screen(actor, draft, patient_a):
    screen_clear(patient_a, actor)
    plan = actions.do_activate_plan(actor, draft)
    assert plan.status == PlanStatus.ACTIVE
    assert Plan.objects.get(pk=plan.pk).status == "active"
    assert codes(Event.PLAN_ACTIVATED) == 1


def test_it_refuses_to_activate_without_a_screen(actor, draft):
    with pytest.raises(ValidationError) as caught:
        actions.do_activate_plan(actor, draft)
    assert "No safety screen has been run" in caught.value.messages[0]
    assert Plan.objects.get(pk=draft.pk).status == "draft"


def test_it_refuses_to_activate_with_an_unacknowledged_contraindication(actor, draft, patient_a):
    screen_blocked(patient_a, actor)
    with pytest.raises(ValidationError) as caught:
        actions.do_activate_plan(actor, draft)
    message = caught.value.messages[0]
    assert "Safety screen" in message
    screening = latest_screening(patient_a)
    titles = [f["title"] for f in screening.findings if f["severity"] == "contraindicated"]
    assert titles and all(title in message for title in titles)
    assert Plan.objects.get(pk=draft.pk).status == "draft"
    assert codes(Event.PLAN_ACTIVATED) == 0
    for finding in screening.findings:
        if finding["severity"] == "contraindicated":
            screening_actions.do_override_finding(
                actor, screening, finding["rule"], "Opioid stopped; washout confirmed."
            )
    assert actions.do_activate_plan(actor, draft).status == "active"


def test_it_refuses_a_second_live_plan_for_the_condition(actor, active, patient_a, psoriasis):
    second = make_plan(actor, patient_a, psoriasis)
    with pytest.raises(ValidationError, match="already has an active or paused plan"):
        actions.do_activate_plan(actor, second)
    assert Plan.objects.get(pk=second.pk).status == "draft"


def test_a_lost_race_is_a_validation_error_not_a_crash(
    actor, active, patient_a, psoriasis, monkeypatch
):
    second = make_plan(actor, patient_a, psoriasis)
    # As if the other activation committed between the check and the save.
    monkeypatch.setattr(actions, "_refuse_second_live", lambda plan: None)
    with pytest.raises(ValidationError, match="already has an active or paused plan"):
        actions.do_activate_plan(actor, second)
    assert Plan.objects.get(pk=second.pk).status == "draft"


def test_the_database_holds_one_live_plan_per_patient_and_condition(active):
    clone = Plan(
        clinic=active.clinic,
        patient=active.patient,
        condition_slug=active.condition_slug,
        condition_name=active.condition_name,
        protocol_version=active.protocol_version,
        status=PlanStatus.PAUSED,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    clone.status = PlanStatus.STOPPED
    clone.save()  # a stopped plan is not live


def test_another_condition_may_be_live_at_the_same_time(actor, active, patient_a, dermatitis):
    other = make_plan(actor, patient_a, dermatitis)
    assert actions.do_activate_plan(actor, other).status == "active"


def test_only_a_draft_can_be_activated(actor, active):
    with pytest.raises(ValidationError, match="Only a draft"):
        actions.do_activate_plan(actor, active)


# Adjusting --------------------------------------------------------------------------------


def test_a_hold_makes_version_2_from_its_date(actor, active):
    plan = adjust(actor, active, "hold", day(8), days=7, reason="Headache")
    first, second = plan.versions.order_by("number")
    assert (second.number, second.kind, second.reason, second.source) == (
        2,
        "adjusted",
        "Headache",
        "side_effect",
    )
    assert second.effective_from == day(8)
    assert second.params == first.params
    assert second.adjustments == [
        {"kind": "hold", "effective_date": "2026-03-10", "days": 7, "reason": "Headache"}
    ]
    assert first.adjustments == []  # the history is kept as it was
    assert second.steps[1] == {
        "start_date": "2026-03-09",
        "end_date": "2026-03-22",
        "dose_mg": "1",
        "timing": "bedtime",
    }
    assert second.steps[-1]["end_date"] == first.steps[-1]["end_date"]
    assert plan.status == "active"
    assert codes(Event.PLAN_ADJUSTED) == 1


def test_moving_to_the_morning_then_stepping_back(actor, active):
    plan = adjust(actor, active, "morning", day(10), reason="Insomnia")
    steps = plan.current_version.steps
    assert steps[1]["timing"] == "bedtime" and steps[1]["end_date"] == "2026-03-11"
    assert {s["timing"] for s in steps[2:]} == {"morning"}
    plan = adjust(actor, plan, "step_back", day(15), reason="Still poorly")
    version = plan.current_version
    assert version.number == 3
    assert [a["kind"] for a in version.adjustments] == ["morning", "step_back"]
    assert version.steps[-2:] != active.versions.get(number=1).steps[-2:]


def test_pause_resume_and_stop_change_the_state(actor, active):
    plan = adjust(actor, active, "pause", day(10), reason="Surgery", source="visit")
    assert plan.status == "paused"
    assert plan.current_version.kind == "paused"
    assert plan.current_version.steps[-1]["end_date"] == "2026-03-11"
    plan = adjust(actor, plan, "resume", day(20), reason="Off opioids", source="visit")
    assert plan.status == "active"
    assert plan.current_version.kind == "resumed"
    plan = adjust(actor, plan, "stop", day(30), reason="No benefit", source="visit")
    assert (plan.status, plan.stop_reason) == ("stopped", "No benefit")
    assert plan.current_version.kind == "stopped"
    assert [v.kind for v in plan.versions.order_by("number")] == [
        "created",
        "paused",
        "resumed",
        "stopped",
    ]
    for event in (Event.PLAN_PAUSED, Event.PLAN_RESUMED, Event.PLAN_STOPPED):
        assert codes(event) == 1


def test_a_stop_needs_a_reason(actor, active):
    with pytest.raises(ValidationError) as caught:
        adjust(actor, active, "stop", day(10), reason="  ")
    assert caught.value.message_dict["reason"] == ["Say why the plan stops."]
    assert Plan.objects.get(pk=active.pk).status == "active"
    assert active.versions.count() == 1


@pytest.mark.parametrize("state", ["stopped", "completed", "draft"])
def test_only_a_live_plan_can_be_adjusted(actor, active, patient_a, dermatitis, state):
    plan = make_plan(actor, patient_a, dermatitis)
    if state == "stopped":
        plan = adjust(actor, active, "stop", day(10), reason="Rash")
    elif state == "completed":
        plan = actions.do_complete_plan(actor, active)
    before = plan.versions.count()
    with pytest.raises(ValidationError, match="only an active or paused plan can be adjusted"):
        adjust(actor, plan, "hold", day(12), days=3)
    assert plan.versions.count() == before


def test_resume_needs_a_pause(actor, active):
    with pytest.raises(ValidationError) as caught:
        adjust(actor, active, "resume", day(10))
    assert "not paused" in caught.value.message_dict["kind"][0]


def test_an_adjustment_outside_the_calendar_is_refused(actor, active):
    with pytest.raises(ValidationError) as caught:
        adjust(actor, active, "hold", day(200), days=3)
    assert "outside the dose calendar" in caught.value.message_dict["effective_date"][0]
    assert active.versions.count() == 1


def test_an_adjustment_cannot_go_before_the_last_one(actor, active):
    plan = adjust(actor, active, "morning", day(20))
    with pytest.raises(ValidationError) as caught:
        adjust(actor, plan, "hold", day(10), days=3)
    assert "2026-03-22" in caught.value.message_dict["effective_date"][0]


def test_hold_days_and_source_are_checked(actor, active):
    with pytest.raises(ValidationError) as caught:
        adjust(actor, active, "hold", day(10), days=200)
    assert "days" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        adjust(actor, active, "hold", day(10), days=3, source="astrology")
    assert "source" in caught.value.message_dict


def test_an_appointment_of_another_patient_is_refused(actor, active, patient_b, users, clinic):
    service = Service.objects.create(clinic=clinic, name="Visit", slug="visit", duration_minutes=30)
    start = datetime.datetime(2026, 3, 10, 14, tzinfo=datetime.UTC)
    theirs = Appointment.objects.create(
        clinic=clinic,
        patient=patient_b,
        service=service,
        practitioner=Membership.objects.get(user=users["clinician"]),
        start=start,
        end=start + datetime.timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + datetime.timedelta(minutes=30),
    )
    with pytest.raises(ValidationError) as caught:
        actions.do_adjust_plan(
            actor,
            active,
            adjustment={"kind": "morning", "effective_date": "2026-03-10"},
            reason="Insomnia",
            source="visit",
            appointment=theirs,
        )
    assert "appointment" in caught.value.message_dict


def test_a_failing_hook_leaves_nothing_half_saved(actor, active, monkeypatch):
    def broken(actor, plan, version):
        raise RuntimeError("series down")

    monkeypatch.setattr(actions.series_hooks, "plan_changed", broken)
    with pytest.raises(RuntimeError):
        adjust(actor, active, "pause", day(10), reason="Surgery")
    assert Plan.objects.get(pk=active.pk).status == "active"
    assert active.versions.count() == 1
    assert codes(Event.PLAN_PAUSED) == 0


def test_the_hooks_hear_every_change(actor, draft, patient_a, monkeypatch):
    heard = []
    monkeypatch.setattr(
        actions.prescription_hooks, "plan_changed", lambda a, p, v: heard.append(("rx", v.number))
    )
    monkeypatch.setattr(
        actions.series_hooks, "plan_changed", lambda a, p, v: heard.append(("series", v.number))
    )
    screen_clear(patient_a, actor)
    plan = actions.do_activate_plan(actor, draft)
    plan = adjust(actor, plan, "hold", day(8), days=2)
    actions.do_complete_plan(actor, plan)
    assert heard == [("rx", 1), ("series", 1), ("rx", 2), ("series", 2), ("rx", 2), ("series", 2)]


# Completing -------------------------------------------------------------------------------


def test_it_completes_a_live_plan_only(actor, active, draft):
    plan = actions.do_complete_plan(actor, active, reason="Course done")
    assert plan.status == "completed"
    assert codes(Event.PLAN_COMPLETED) == 1
    with pytest.raises(ValidationError, match="only an active or paused plan can be completed"):
        actions.do_complete_plan(actor, plan)


def test_a_plan_stopped_before_its_first_dose_stops_from_its_first_day(
    actor, patient_a, dermatitis
):
    plan = make_plan(actor, patient_a, dermatitis, start=day(14))
    screen_clear(patient_a, actor)
    plan = actions.do_activate_plan(actor, plan)
    plan = adjust(actor, plan, "stop", day(3), reason="Changed her mind", source="patient_request")
    version = plan.current_version
    assert (plan.status, version.steps) == ("stopped", [])
    assert version.effective_from == day(14)
    assert version.adjustments[-1]["effective_date"] == day(14).isoformat()
