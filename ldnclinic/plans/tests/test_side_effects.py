"""Side effects the patient reports on a live plan: the portal form, the API, the action's
refusals, who may report and read, the clinician's email (no clinical detail), and the
clinician's review, by hand or by adjusting the plan from the report."""

import datetime
import json

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from ldnclinic.accounts.actions import do_create_api_token
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.plans import actions
from ldnclinic.plans.actions_side_effects import do_report_side_effect, do_review_side_effect
from ldnclinic.plans.models import SideEffectReport
from ldnclinic.plans.tests.plan_fixtures import NOW, make_plan, screen_clear
from ldnclinic.plans.views import report_reason
from ldnclinic.protocols.library import get_protocol_version

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 9)  # NOW in the clinic's time zone (New York)
FORM = {"symptom": "insomnia", "severity": "2", "started_on": "2026-03-07", "note": "Awake at 3"}
API = {"symptom": "insomnia", "severity": 2, "started_on": "2026-03-07", "note": "Awake at 3"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient_actor(users):
    return Actor(user=users["patient"], ip=None, via="test")


def report(patient_actor, plan, **changes):
    values = {
        "symptom": "insomnia",
        "severity": 2,
        "started_on": datetime.date(2026, 3, 7),
        "note": "Awake at 3",
    }
    values.update(changes)
    return do_report_side_effect(patient_actor, plan, **values)


def post_json(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def api_path(plan):
    return f"/api/v1/plans/{plan.pk}/side-effects"


# The action -------------------------------------------------------------------------------


def test_it_records_a_report_and_audits_it(patient_actor, active, users):
    made = report(patient_actor, active)
    assert (made.symptom, made.severity, made.status) == ("insomnia", 2, "new")
    assert made.reported_by == users["patient"]
    assert (made.clinic_id, made.patient_id) == (active.clinic_id, active.patient_id)
    event = AuditEvent.objects.get(code=Event.SIDE_EFFECT_REPORTED)
    assert event.subject_id == str(made.pk)
    assert event.payload["symptom"] == "insomnia"
    assert str(made) == "Insomnia (moderate)"


def test_it_refuses_a_start_date_in_the_future(patient_actor, active):
    with pytest.raises(ValidationError) as error:
        report(patient_actor, active, started_on=TODAY + datetime.timedelta(days=1))
    assert "started_on" in error.value.message_dict
    report(patient_actor, active, started_on=TODAY)  # today is fine


@pytest.mark.parametrize("severity", [0, 4, None])
def test_it_refuses_a_severity_outside_mild_to_severe(patient_actor, active, severity):
    with pytest.raises(ValidationError) as error:
        report(patient_actor, active, severity=severity)
    assert "severity" in error.value.message_dict
    assert not SideEffectReport.objects.exists()


def test_it_refuses_an_unknown_symptom_and_a_long_note(patient_actor, active):
    with pytest.raises(ValidationError) as error:
        report(patient_actor, active, symptom="itch", note="x" * 1001)
    assert set(error.value.message_dict) == {"symptom", "note"}


def test_it_refuses_a_stopped_plan(patient_actor, actor, active):
    actions.do_adjust_plan(
        actor,
        active,
        adjustment={"kind": "stop", "effective_date": "2026-03-09"},
        reason="Rash",
        source="visit",
    )
    with pytest.raises(ValidationError, match="only on an active or paused plan"):
        report(patient_actor, active)


def test_it_refuses_a_draft(patient_actor, draft):
    with pytest.raises(ValidationError):
        report(patient_actor, draft)


def test_another_patient_cannot_report(users, active):
    with pytest.raises(PermissionDenied):
        report(Actor(user=users["patient2"]), active)
    with pytest.raises(PermissionDenied):
        report(Actor(user=users["other_staff"]), active)


def test_it_emails_the_clinician_without_clinical_detail(
    patient_actor, active, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report(patient_actor, active, note="Nightmares about naltrexone")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clinician@x.test"]
    html = message.alternatives[0][0]
    assert reverse("plan_detail", args=[active.pk]) in message.body
    assert "sign in" in message.body.lower()
    for text in (message.subject, message.body, html):
        for secret in (
            "Insomnia",
            "insomnia",
            "moderate",
            "Nightmares",
            "naltrexone",
            "Psoriasis",
            "psoriasis",
            "Alice",
            "Adams",
            "LDN",
        ):
            assert secret not in text


def test_a_mail_server_that_is_down_does_not_lose_the_report(
    patient_actor, active, django_capture_on_commit_callbacks, monkeypatch
):
    def down(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("ldnclinic.plans.actions_side_effects.send_mail", down)
    with django_capture_on_commit_callbacks(execute=True):
        made = report(patient_actor, active)
    assert SideEffectReport.objects.filter(pk=made.pk).exists()


def test_without_a_clinician_it_emails_the_clinics_clinicians_and_admins(
    patient_actor, active, django_capture_on_commit_callbacks
):
    active.clinician.is_active = False
    active.clinician.save()
    with django_capture_on_commit_callbacks(execute=True):
        report(patient_actor, active)
    assert len(mail.outbox) == 1
    # The clinician has left the clinic: the admin hears; the front desk does not.
    assert mail.outbox[0].to == ["admin@x.test"]


def test_no_email_is_sent_when_the_report_rolls_back(patient_actor, active):
    with pytest.raises(ValidationError):
        report(patient_actor, active, severity=0)
    assert mail.outbox == []


def test_review_marks_it_reviewed_and_audits(patient_actor, actor, active):
    made = report(patient_actor, active)
    reviewed = do_review_side_effect(actor, made)
    assert (reviewed.status, reviewed.reviewed_by, reviewed.resolved_by_version) == (
        "reviewed",
        actor.user,
        None,
    )
    assert AuditEvent.objects.filter(code=Event.SIDE_EFFECT_REVIEWED).count() == 1
    with pytest.raises(ValidationError, match="already been reviewed"):
        do_review_side_effect(actor, reviewed)


def test_only_clinical_staff_review(patient_actor, users, active):
    made = report(patient_actor, active)
    for persona in ("patient", "frontdesk", "other_staff"):
        with pytest.raises(PermissionDenied):
            do_review_side_effect(Actor(user=users[persona]), made)


def test_reports_are_kept(patient_actor, active):
    made = report(patient_actor, active)
    with pytest.raises(ValueError):
        made.delete()


# The patient's page -----------------------------------------------------------------------


def test_the_patient_reports_from_their_plan_page(client_for, active):
    client = client_for("patient")
    page = client.get(reverse("portal_plan", args=[active.pk])).content.decode()
    assert "Report a side effect" in page
    assert 'name="started_on" value="2026-03-09"' in page  # today in the clinic zone
    url = reverse("portal_side_effect_report", args=[active.pk])
    response = client.post(url, FORM, follow=True)
    assert response.redirect_chain[0][1] == 302
    page = response.content.decode()
    assert "your report is with the clinic" in page
    assert "Insomnia" in page and "(moderate) since 7 March 2026" in page
    assert SideEffectReport.objects.get().note == "Awake at 3"


def test_the_page_shows_field_errors(client_for, active):
    url = reverse("portal_side_effect_report", args=[active.pk])
    data = {**FORM, "started_on": "2026-03-10", "severity": "0"}
    response = client_for("patient").post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page  # severity 0
    assert not SideEffectReport.objects.exists()
    response = client_for("patient").post(url, {**FORM, "started_on": "2026-03-10"})
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()


@pytest.mark.parametrize("persona", ["patient2", "clinician", "other_staff"])
def test_only_the_plans_own_patient_reports_from_the_portal(client_for, active, persona):
    url = reverse("portal_side_effect_report", args=[active.pk])
    assert client_for(persona).post(url, FORM).status_code == 404
    assert not SideEffectReport.objects.exists()


def test_the_portal_refuses_a_plan_that_is_not_live(client_for, actor, active):
    actions.do_complete_plan(actor, active)
    url = reverse("portal_side_effect_report", args=[active.pk])
    assert client_for("patient").post(url, FORM).status_code == 404
    page = client_for("patient").get(reverse("portal_plan", args=[active.pk])).content.decode()
    assert "nothing to report" in page


def test_a_get_is_not_allowed_and_anonymous_is_sent_to_sign_in(client_for, active):
    url = reverse("portal_side_effect_report", args=[active.pk])
    assert client_for("patient").get(url).status_code == 405
    assert client_for("anonymous").post(url, FORM).status_code == 302


# The clinician's pages --------------------------------------------------------------------


def test_the_plan_page_lists_reports_with_actions(client_for, patient_actor, active):
    made = report(patient_actor, active)
    page = client_for("clinician").get(reverse("plan_detail", args=[active.pk])).content.decode()
    assert "Side effects reported" in page
    assert "Insomnia" in page and "Moderate" in page and "Awake at 3" in page
    assert f"{reverse('plan_adjust', args=[active.pk])}?report={made.pk}" in page
    assert reverse("side_effect_review", args=[active.pk, made.pk]) in page
    tab = client_for("clinician").get(reverse("patient_plans", args=[active.patient_id]))
    assert "1 new side effect" in tab.content.decode()


def test_the_front_desk_sees_reports_without_actions(client_for, patient_actor, active):
    made = report(patient_actor, active)
    page = client_for("frontdesk").get(reverse("plan_detail", args=[active.pk])).content.decode()
    assert "Insomnia" in page
    assert reverse("side_effect_review", args=[active.pk, made.pk]) not in page


def test_mark_reviewed_button(client_for, patient_actor, active):
    made = report(patient_actor, active)
    url = reverse("side_effect_review", args=[active.pk, made.pk])
    assert client_for("frontdesk").post(url).status_code == 403
    assert client_for("other_staff").post(url).status_code == 404
    assert client_for("patient").post(url).status_code == 403  # may see the plan, not change
    assert client_for("patient2").post(url).status_code == 404
    assert client_for("clinician").post(url).status_code == 302
    made.refresh_from_db()
    assert made.status == "reviewed"
    tab = client_for("clinician").get(reverse("patient_plans", args=[active.patient_id]))
    assert "new side effect" not in tab.content.decode()


def test_a_report_of_another_plan_cannot_be_reviewed_through_this_one(
    client_for, patient_actor, actor, active, patient_b, psoriasis, lead
):
    screen_clear(patient_b, actor)
    other = actions.do_activate_plan(actor, make_plan(actor, patient_b, psoriasis, lead))
    made = report(Actor(user=patient_b.user), other)
    url = reverse("side_effect_review", args=[active.pk, made.pk])
    assert client_for("clinician").post(url).status_code == 404


def test_adjusting_from_a_report_marks_it_reviewed_with_the_version(
    client_for, patient_actor, active
):
    made = report(patient_actor, active)
    client = client_for("clinician")
    url = reverse("plan_adjust", args=[active.pk])
    page = client.get(url, {"report": made.pk}).content.decode()
    reason = "Insomnia (moderate) since 2026-03-07, reported by the patient"
    assert reason in page
    assert '<option value="side_effect" selected>' in page
    assert f'name="report" value="{made.pk}"' in page
    data = {
        "kind": "morning",
        "effective_date": "2026-03-09",
        "reason": reason,
        "source": "side_effect",
        "report": made.pk,
        "action": "save",
    }
    assert client.post(url, data).status_code == 302
    made.refresh_from_db()
    version = active.versions.get(number=2)
    assert (made.status, made.resolved_by_version) == ("reviewed", version)
    assert version.steps[-1]["timing"] == "morning"
    assert AuditEvent.objects.filter(code=Event.SIDE_EFFECT_REVIEWED).count() == 1


def test_a_refused_adjustment_leaves_the_report_new(client_for, patient_actor, active):
    made = report(patient_actor, active)
    data = {
        "kind": "morning",
        "effective_date": "2026-01-01",  # before the plan started
        "reason": "x",
        "source": "side_effect",
        "report": made.pk,
        "action": "save",
    }
    response = client_for("clinician").post(reverse("plan_adjust", args=[active.pk]), data)
    assert response.status_code == 400
    made.refresh_from_db()
    assert made.status == "new"
    assert active.versions.count() == 1


def test_the_reason_says_who_reported(patient_actor, actor, active):
    assert report_reason(report(patient_actor, active)).endswith("reported by the patient")
    assert report_reason(report(actor, active)).endswith("reported by the clinic")


# The API ----------------------------------------------------------------------------------


def test_the_patient_reports_and_reads_over_the_api(client_for, active):
    client = client_for("patient")
    response = post_json(client, api_path(active), API)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["symptom"] == "insomnia" and body["severity_label"] == "Moderate"
    assert body["reported_by_patient"] is True and body["status"] == "new"
    listed = client.get(api_path(active)).json()["items"]
    assert [r["id"] for r in listed] == [body["id"]]


def test_clinical_staff_report_and_read_the_front_desk_reads(client_for, active):
    assert post_json(client_for("clinician"), api_path(active), API).status_code == 201
    assert post_json(client_for("frontdesk"), api_path(active), API).status_code == 403
    response = client_for("frontdesk").get(api_path(active))
    assert response.status_code == 200
    assert response.json()["items"][0]["reported_by_patient"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity": 0}, "severity"),
        ({"severity": 4}, "severity"),
        ({"started_on": "2026-03-10"}, "started_on"),
        ({"symptom": "itch"}, "symptom"),
        ({"note": "x" * 1001}, "note"),
        ({"extra": 1}, "extra"),
    ],
)
def test_the_api_refuses_bad_input_with_422(client_for, active, change, field):
    response = post_json(client_for("patient"), api_path(active), {**API, **change})
    assert response.status_code == 422, response.json()
    assert field in response.json()["fields"]
    assert not SideEffectReport.objects.exists()


def test_the_api_refuses_a_stopped_plan(client_for, actor, active):
    actions.do_adjust_plan(
        actor,
        active,
        adjustment={"kind": "stop", "effective_date": "2026-03-09"},
        reason="Rash",
        source="visit",
    )
    response = post_json(client_for("patient"), api_path(active), API)
    assert response.status_code == 422
    assert "active or paused" in response.json()["error"]


@pytest.mark.parametrize("persona", ["patient2", "other_staff", "anonymous"])
def test_the_api_hides_the_plan_from_others(client_for, active, persona):
    client = client_for(persona)
    expected = 401 if persona == "anonymous" else 404
    assert client.get(api_path(active)).status_code == expected
    assert post_json(client, api_path(active), API).status_code == expected
    assert not SideEffectReport.objects.exists()


def test_clinic_y_staff_cannot_reach_a_clinic_y_plan_of_clinic_x(
    client_for, actor, other_clinic, users
):
    """And the other way round: clinic Y's plan is invisible to clinic X's clinician."""
    patient = make_patient(other_clinic, given_name="Yan", family_name="Yu")
    other_actor = Actor(user=users["other_staff"])
    screen_clear(patient, other_actor)
    protocol = get_protocol_version(other_clinic, "psoriasis-ldn")
    plan = actions.do_activate_plan(other_actor, make_plan(other_actor, patient, protocol))
    assert client_for("clinician").get(api_path(plan)).status_code == 404
    assert post_json(client_for("clinician"), api_path(plan), API).status_code == 404
    assert post_json(client_for("other_staff"), api_path(plan), API).status_code == 201


def test_a_read_only_token_reads_but_cannot_report(users, clinic, active):
    _, raw = do_create_api_token(
        Actor.system(), users["clinician"], name="ro", clinic=clinic, read_only=True
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert post_json(client, api_path(active), API).status_code == 403
    assert client.get(api_path(active)).status_code == 200
    assert not SideEffectReport.objects.exists()


def test_reading_reports_over_the_api_is_audited(client_for, patient_actor, active):
    report(patient_actor, active)
    assert client_for("clinician").get(api_path(active)).status_code == 200
    event = AuditEvent.objects.filter(code=Event.PLAN_VIEWED).latest("id")
    assert (event.via, event.subject_id) == ("api", str(active.pk))
