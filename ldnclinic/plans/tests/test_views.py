"""The plan pages: the chart tab, the builder and its htmx preview, the plan page with its
history, editing a draft, activating, adjusting; who may see and change what."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldnclinic.accounts.models import Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_user
from ldnclinic.intake import actions as intake_actions
from ldnclinic.plans import actions
from ldnclinic.plans.models import Plan
from ldnclinic.plans.tests.plan_fixtures import (
    CLEAR,
    NOW,
    make_plan,
    screen_blocked,
    screen_clear,
)
from ldnclinic.protocols.library import get_protocol_version

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def builder_post(psoriasis, **changes):
    data = {
        "condition": "psoriasis",
        "protocol": "psoriasis-ldn",
        "protocol_version": psoriasis.number,
        "scheme_code": "low-and-slow",
        "start_date": "2026-03-09",
        "duration_days": "84",
        "start_mg": "0.5",
        "step_mg": "0.5",
        "interval_days": "7",
        "target_mg": "4.5",
        "max_mg": "4.5",
        "timing": "bedtime",
        "formulation_type": "liquid",
        "concentration_mg_per_ml": "1",
        "adj_laser_included": "on",
        "adj_laser_sessions": "4",
        "adj_laser_interval_days": "28",
        "adj_laser_tolerance_before_days": "7",
        "adj_laser_tolerance_after_days": "7",
        "adj_laser_first_offset_days": "14",
        "action": "preview",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# The chart tab ----------------------------------------------------------------------------


def test_the_tab_lists_the_plans_with_todays_dose(client_for, active, patient_a):
    response = client_for("clinician").get(reverse("patient_plans", args=[patient_a.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Psoriasis" in page and "Active" in page
    assert "1 mg at bedtime" in page  # week 2 of low-and-slow
    assert reverse("plan_create", args=[patient_a.pk]) in page
    assert 'aria-current="page">Plans<' in page
    assert AuditEvent.objects.filter(code=Event.PLAN_VIEWED, patient=patient_a).exists()


def test_the_tab_warns_when_the_screen_blocks_ldn(client_for, patient_a, actor):
    screen_blocked(patient_a, actor)
    page = client_for("clinician").get(reverse("patient_plans", args=[patient_a.pk]))
    text = page.content.decode()
    assert "LDN cannot be started yet" in text
    assert reverse("patient_screening", args=[patient_a.pk]) in text


def test_the_front_desk_reads_but_gets_no_new_plan_button(client_for, draft, patient_a):
    response = client_for("frontdesk").get(reverse("patient_plans", args=[patient_a.pk]))
    assert response.status_code == 200
    assert reverse("plan_create", args=[patient_a.pk]) not in response.content.decode()


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_the_tab_is_hidden_from_patients_and_other_clinics(client_for, patient_a, persona):
    response = client_for(persona).get(reverse("patient_plans", args=[patient_a.pk]))
    assert response.status_code == 404


# The builder ------------------------------------------------------------------------------


def test_the_builder_suggests_the_intake_condition(client_for, patient_a, actor):
    intake_actions.do_edit_intake(actor, patient_a, CLEAR)  # names psoriasis
    response = client_for("clinician").get(reverse("plan_create", args=[patient_a.pk]))
    page = response.content.decode()
    assert "(from the intake)" in page
    # The one suggested condition with its one protocol is chosen: the form is there.
    assert 'name="start_mg"' in page
    assert "Standard 1.5" in page


def test_choosing_a_scheme_fills_the_form_and_previews_it(client_for, patient_a):
    url = reverse("plan_create", args=[patient_a.pk])
    response = client_for("clinician").get(
        url, {"condition": "psoriasis", "protocol": "psoriasis-ldn", "scheme": "low-and-slow"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="start_mg" value="0.5"' in page
    assert "Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days" in page
    assert "Laser" in page and "Session 1:" in page


def test_the_chooser_answers_htmx_with_the_builder_only(client_for, patient_a):
    url = reverse("plan_create", args=[patient_a.pk])
    response = client_for("clinician").get(url, {"condition": "psoriasis"}, **HTMX)
    page = response.content.decode()
    assert "<html" not in page
    assert 'name="start_mg"' in page


def test_the_preview_fragment_rerenders_the_calendar(client_for, patient_a, psoriasis):
    url = reverse("plan_preview_fragment", args=[patient_a.pk])
    response = client_for("clinician").post(url, builder_post(psoriasis), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "plan-calendar" in page
    assert "2026-03-09" in page
    assert "Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days, then take 1 mL" in page
    assert "Session 1: Mon 2026-03-23" in page  # start + 14 days
    assert "Beyond-use" in page and "14 days" in page


def test_the_preview_fragment_shows_field_errors(client_for, patient_a, psoriasis):
    url = reverse("plan_preview_fragment", args=[patient_a.pk])
    data = builder_post(psoriasis, start_mg="0.05", concentration_mg_per_ml="10")
    page = client_for("clinician").post(url, data, **HTMX).content.decode()
    assert "Start dose (mg): 0.05 mg is below the 0.1 mg minimum dose." in page
    assert "plan-calendar" not in page


def test_a_bad_dose_redisplays_the_page_with_the_error_and_saves_nothing(
    client_for, patient_a, psoriasis
):
    url = reverse("plan_create", args=[patient_a.pk])
    data = builder_post(psoriasis, start_mg="6", target_mg="6", action="save")
    response = client_for("clinician").post(url, data)
    assert response.status_code == 400
    assert "above the 4.5 mg low-dose range: confirm to go beyond" in response.content.decode()
    assert not Plan.objects.exists()


def test_preview_without_javascript_rerenders_the_whole_page(client_for, patient_a, psoriasis):
    url = reverse("plan_create", args=[patient_a.pk])
    response = client_for("clinician").post(url, builder_post(psoriasis, step_mg="1.5"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" in page
    assert "the last step is 4.5 mg" in page
    assert not Plan.objects.exists()


def test_saving_makes_a_draft_led_by_the_clinician(client_for, patient_a, psoriasis, lead):
    url = reverse("plan_create", args=[patient_a.pk])
    response = client_for("clinician").post(url, builder_post(psoriasis, action="save"))
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plan_detail", args=[plan.pk])
    assert (plan.status, plan.clinician, plan.protocol_version) == ("draft", lead, psoriasis)
    params = plan.current_version.params
    assert params["scheme_code"] == "low-and-slow"
    assert params["formulation"] == {
        "type": "liquid",
        "concentration_mg_per_ml": "1",
        "preserved": False,
    }
    laser = next(a for a in params["adjuncts"] if a["code"] == "laser")
    assert (laser["included"], laser["sessions"]) == (True, 4)
    topical = next(a for a in params["adjuncts"] if a["code"] == "topical")
    assert topical["included"] is False


@pytest.mark.parametrize(
    ("persona", "status"),
    [("frontdesk", 403), ("patient", 403), ("patient2", 404), ("other_staff", 404)],
)
def test_only_clinicians_and_admins_build_plans(client_for, patient_a, psoriasis, persona, status):
    client = client_for(persona)
    assert client.get(reverse("plan_create", args=[patient_a.pk])).status_code == status
    data = builder_post(psoriasis, action="save")
    assert client.post(reverse("plan_create", args=[patient_a.pk]), data).status_code == status
    fragment = reverse("plan_preview_fragment", args=[patient_a.pk])
    assert client.post(fragment, data).status_code == status
    assert not Plan.objects.exists()


# The plan page ----------------------------------------------------------------------------


def test_the_plan_page_shows_the_calendar_with_today_and_the_history(client_for, active):
    response = client_for("clinician").get(reverse("plan_detail", args=[active.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-current="date"' in page and "Today" in page
    assert "Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days" in page
    assert "Version history" in page
    assert reverse("plan_version", args=[active.pk, 1]) in page
    assert reverse("plan_adjust", args=[active.pk]) in page
    assert "Prescriptions" in page and "Sessions" in page  # the two panels
    assert AuditEvent.objects.filter(code=Event.PLAN_VIEWED, subject_id=str(active.pk)).exists()


def test_the_front_desk_reads_the_plan_without_buttons(client_for, active):
    page = client_for("frontdesk").get(reverse("plan_detail", args=[active.pk])).content.decode()
    assert "Dose calendar" in page
    assert reverse("plan_adjust", args=[active.pk]) not in page


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_the_plan_page_is_staff_of_the_clinic_only(client_for, draft, persona):
    assert client_for(persona).get(reverse("plan_detail", args=[draft.pk])).status_code == 404


def test_an_old_version_shows_its_calendar_as_it_was(client_for, active, actor):
    actions.do_adjust_plan(
        actor,
        active,
        adjustment={"kind": "morning", "effective_date": "2026-03-09"},
        reason="Insomnia",
        source="side_effect",
    )
    client = client_for("clinician")
    old = client.get(reverse("plan_version", args=[active.pk, 1])).content.decode()
    new = client.get(reverse("plan_version", args=[active.pk, 2])).content.decode()
    assert "superseded" in old and "In the morning" not in old
    assert "current" in new and "In the morning" in new
    assert "Dose moved to the morning from 2026-03-09: Insomnia" in new
    assert client.get(reverse("plan_version", args=[active.pk, 9])).status_code == 404


def test_activation_from_the_page_is_refused_while_the_screen_blocks(
    client_for, draft, patient_a, actor
):
    screen_blocked(patient_a, actor)
    client = client_for("clinician")
    response = client.post(reverse("plan_activate", args=[draft.pk]), follow=True)
    assert "Safety screen" in response.content.decode()
    assert Plan.objects.get(pk=draft.pk).status == "draft"
    screen_clear(patient_a, actor)
    client.post(reverse("plan_activate", args=[draft.pk]))
    assert Plan.objects.get(pk=draft.pk).status == "active"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("frontdesk", 403), ("patient", 403), ("patient2", 404), ("other_staff", 404)],
)
def test_only_clinicians_change_a_plan(client_for, draft, patient_a, actor, persona, status):
    screen_clear(patient_a, actor)
    client = client_for(persona)
    for name in ("plan_activate", "plan_complete", "plan_adjust_preview"):
        assert client.post(reverse(name, args=[draft.pk])).status_code == status
    for name in ("plan_edit", "plan_adjust"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == status
    assert Plan.objects.get(pk=draft.pk).status == "draft"


def test_editing_a_draft_from_the_page(client_for, draft, psoriasis):
    client = client_for("clinician")
    url = reverse("plan_edit", args=[draft.pk])
    page = client.get(url).content.decode()
    assert 'name="start_mg" value="0.5"' in page
    data = builder_post(psoriasis, action="save", start_date="2026-03-16", reason="Later start")
    response = client.post(url, data)
    assert response.status_code == 302
    version = draft.versions.get(number=2)
    assert (version.kind, version.reason, version.params["start_date"]) == (
        "edited",
        "Later start",
        "2026-03-16",
    )


def test_a_live_plan_is_not_edited_but_adjusted(client_for, active):
    response = client_for("clinician").get(reverse("plan_edit", args=[active.pk]))
    assert response.status_code == 302
    assert active.versions.count() == 1


# Adjusting --------------------------------------------------------------------------------


def test_the_adjust_page_offers_the_protocols_options_honestly(client_for, active):
    response = client_for("clinician").get(reverse("plan_adjust", args=[active.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Move the dose to the morning" in page
    assert "Patient-forum convention only" in page
    assert "Hold the current dose" in page and "Stop" in page
    assert "Resume" not in page  # not paused
    assert 'value="2026-03-09"' in page  # today in the clinic's time zone


def test_an_adjustment_is_previewed_then_saved(client_for, active):
    client = client_for("clinician")
    data = {
        "kind": "morning",
        "effective_date": "2026-03-09",
        "reason": "Insomnia",
        "source": "side_effect",
    }
    fragment = client.post(reverse("plan_adjust_preview", args=[active.pk]), data, **HTMX)
    assert "In the morning" in fragment.content.decode()
    assert active.versions.count() == 1
    response = client.post(reverse("plan_adjust", args=[active.pk]), {**data, "action": "save"})
    assert response.status_code == 302
    version = active.versions.get(number=2)
    assert (version.kind, version.source, version.reason) == ("adjusted", "side_effect", "Insomnia")


def test_a_stop_without_a_reason_is_refused_on_the_page(client_for, active):
    data = {"kind": "stop", "effective_date": "2026-03-09", "source": "visit", "action": "save"}
    response = client_for("clinician").post(reverse("plan_adjust", args=[active.pk]), data)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Plan.objects.get(pk=active.pk).status == "active"


def test_a_hold_needs_its_days(client_for, active):
    data = {"kind": "hold", "effective_date": "2026-03-09", "reason": "x", "source": "visit"}
    response = client_for("clinician").post(reverse("plan_adjust", args=[active.pk]), data)
    assert response.status_code == 400
    assert "how many more days" in response.content.decode()


def test_a_stopped_plan_cannot_be_adjusted_from_the_page(client_for, active, actor):
    actions.do_adjust_plan(
        actor,
        active,
        adjustment={"kind": "stop", "effective_date": "2026-03-09"},
        reason="Rash",
        source="side_effect",
    )
    response = client_for("clinician").get(reverse("plan_adjust", args=[active.pk]), follow=True)
    assert "only an active or paused plan can be adjusted" in response.content.decode()
    fragment = client_for("clinician").post(reverse("plan_adjust_preview", args=[active.pk]))
    assert fragment.status_code == 400
    assert "only an active or paused plan can be adjusted" in fragment.content.decode()


def test_completing_from_the_page(client_for, active):
    client_for("clinician").post(reverse("plan_complete", args=[active.pk]))
    assert Plan.objects.get(pk=active.pk).status == "completed"


def test_another_clinics_plan_is_invisible(client_for, patient_y, other_clinic):
    theirs_actor = Actor(user=make_user("doc@y.test", other_clinic, Role.CLINICIAN))
    plan = make_plan(theirs_actor, patient_y, get_protocol_version(other_clinic, "psoriasis-ldn"))
    for persona in ("admin", "clinician", "frontdesk"):
        client = client_for(persona)
        assert client.get(reverse("plan_detail", args=[plan.pk])).status_code == 404
        assert client.post(reverse("plan_activate", args=[plan.pk])).status_code == 404
    assert client_for("other_staff").get(reverse("plan_detail", args=[plan.pk])).status_code == 200


def test_changing_the_condition_drops_the_other_conditions_protocol(client_for, patient_a):
    url = reverse("plan_create", args=[patient_a.pk])
    query = {"condition": "atopic-dermatitis", "protocol": "psoriasis-ldn", "scheme": "fixed-4.5"}
    response = client_for("clinician").get(url, query, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="protocol" value="atopic-dermatitis-ldn"' in page
    assert 'name="scheme_code" value="low-and-slow"' in page  # that protocol's default


def test_a_weight_based_scheme_asks_for_the_weight(client_for, patient_a):
    url = reverse("plan_create", args=[patient_a.pk])
    query = {"condition": "crohns-disease", "protocol": "crohns-ldn", "scheme": "paediatric"}
    page = client_for("clinician").get(url, query).content.decode()
    assert "Give the patient&#x27;s weight with the mg/kg dose." in page
    url = reverse("plan_preview_fragment", args=[patient_a.pk])
    data = {
        "condition": "crohns-disease",
        "protocol": "crohns-ldn",
        "scheme_code": "paediatric",
        "start_date": "2026-03-09",
        "duration_days": "28",
        "start_mg": "4.5",
        "step_mg": "0",
        "interval_days": "7",
        "target_mg": "4.5",
        "max_mg": "4.5",
        "timing": "bedtime",
        "weight_kg": "32",
        "mg_per_kg": "0.1",
        "formulation_type": "capsule",
    }
    page = client_for("clinician").post(url, data, **HTMX).content.decode()
    assert "32 kg × 0.1 mg/kg = 3.2 mg" in page
    assert "Take one 3.2 mg capsule by mouth at bedtime daily until" in page


def test_the_tab_does_not_grow_queries_with_plans(client_for, draft, actor, patient_a, dermatitis):
    client = client_for("clinician")
    url = reverse("patient_plans", args=[patient_a.pk])
    client.get(url)  # the first request of a session loads more
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(3):
        make_plan(actor, patient_a, dermatitis)
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four) == len(one)


def test_a_paused_plan_offers_resume_and_stop(client_for, active, actor):
    actions.do_adjust_plan(
        actor,
        active,
        adjustment={"kind": "pause", "effective_date": "2026-03-05"},
        reason="Surgery",
        source="visit",
    )
    client = client_for("clinician")
    page = client.get(reverse("plan_adjust", args=[active.pk]) + "?kind=resume").content.decode()
    assert "Resume after the pause" in page and 'value="resume" checked' in page
    assert "Hold the current dose" not in page
    detail = client.get(reverse("plan_detail", args=[active.pk])).content.decode()
    assert "Paused" in detail and "?kind=resume" in detail
    data = {"kind": "resume", "effective_date": "2026-03-09", "reason": "Healed", "source": "visit"}
    client.post(reverse("plan_adjust", args=[active.pk]), {**data, "action": "save"})
    assert Plan.objects.get(pk=active.pk).status == "active"
    page = client.get(reverse("plan_detail", args=[active.pk])).content.decode()
    assert "Paused: no dose" in page  # the gap in the calendar


def test_the_adjust_preview_needs_no_reason_yet(client_for, active):
    data = {"kind": "hold", "effective_date": "2026-03-09", "days": "7"}
    url = reverse("plan_adjust_preview", args=[active.pk])
    page = client_for("clinician").post(url, data, **HTMX).content.decode()
    assert "plan-calendar" in page and "Reason" not in page
    page = client_for("clinician").post(url, {**data, "days": ""}, **HTMX).content.decode()
    assert "how many more days" in page
    assert active.versions.count() == 1
