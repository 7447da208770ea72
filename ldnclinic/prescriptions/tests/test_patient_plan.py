"""The patient's plan pages and the printable handout."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.plans.models import PlanStatus, VersionKind
from ldnclinic.prescriptions.guidance import guidance
from ldnclinic.prescriptions.tests.factories import CAPSULE, add_version, make_plan

pytestmark = pytest.mark.django_db

# 03:00 UTC on 10 March is still 9 March in New York: the clinic's day counts.
LATE_EVENING = datetime.datetime(2026, 3, 10, 3, 0, tzinfo=datetime.UTC)
DAY_10 = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clinic_phone(clinic):
    clinic.phone = "+1 555 0123"
    clinic.save()
    return clinic.phone


@time_machine.travel(LATE_EVENING, tick=False)
def test_it_shows_todays_dose_in_the_clinics_time_zone(client_for, plan, clinic_phone):
    html = client_for("patient").get(reverse("portal_plan", args=[plan.pk])).content.decode()
    assert "Today, Monday 9 March" in html
    assert "Take <strong>3 mL (3 mg)</strong> at bedtime." in html
    assert (
        "Next change on <strong>Monday 16 March 2026</strong>: 4.5 mL (4.5 mg) at bedtime" in html
    )
    assert "Vivid dreams" in html and "Trouble sleeping" in html and "Headache" in html
    assert "PMID 19453963" in html
    assert clinic_phone in html
    assert reverse("portal_plan_handout", args=[plan.pk]) in html


@time_machine.travel(DAY_10, tick=False)
def test_capsules_and_the_morning(client_for, patient_a):
    plan = make_plan(patient_a, formulation=CAPSULE)
    morning = {"kind": "morning", "effective_date": "2026-03-10", "reason": "Insomnia"}
    add_version(plan, adjustments=[morning], kind=VersionKind.ADJUSTED)
    html = client_for("patient").get(reverse("portal_plan", args=[plan.pk])).content.decode()
    assert "Take <strong>one 3 mg capsule</strong> in the morning." in html


@time_machine.travel(datetime.datetime(2026, 2, 20, 15, tzinfo=datetime.UTC), tick=False)
def test_before_the_start(client_for, plan):
    html = client_for("patient").get(reverse("portal_plan", args=[plan.pk])).content.decode()
    assert "Your plan starts on <strong>Monday 2 March 2026</strong>" in html


@time_machine.travel(DAY_10, tick=False)
def test_the_list_shows_live_plans_only(client_for, plan, patient_a):
    draft = make_plan(patient_a, status=PlanStatus.DRAFT)
    response = client_for("patient").get(reverse("portal_plans"))
    html = response.content.decode()
    assert reverse("portal_plan", args=[plan.pk]) in html
    assert reverse("portal_plan", args=[draft.pk]) not in html
    assert client_for("patient").get(reverse("portal_plan", args=[draft.pk])).status_code == 404
    assert AuditEvent.objects.filter(code=Event.PLAN_VIEWED, subject_id=str(plan.pk)).exists()


@time_machine.travel(DAY_10, tick=False)
def test_another_patients_plan_is_404(client_for, plan, patient_b, patient_y):
    assert client_for("patient2").get(reverse("portal_plan", args=[plan.pk])).status_code == 404
    handout = reverse("portal_plan_handout", args=[plan.pk])
    assert client_for("patient2").get(handout).status_code == 404
    html = client_for("patient2").get(reverse("portal_plans")).content.decode()
    assert "You have no active treatment plan." in html
    # Staff have no portal plans of their own.
    assert client_for("clinician").get(reverse("portal_plan", args=[plan.pk])).status_code == 404
    assert client_for("clinician").get(reverse("portal_plans")).status_code == 404


@time_machine.travel(DAY_10, tick=False)
def test_the_handout_is_a_pdf_with_the_calendar(client_for, plan, clinic_phone):
    response = client_for("patient").get(reverse("portal_plan_handout", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert b"Your dose calendar" in pdf
    assert b"2026-03-16" in pdf and b"2026-05-24" in pdf
    assert b"Take 3 mL \\(3 mg\\) at bedtime." in pdf
    assert clinic_phone.encode() in pdf
    event = AuditEvent.objects.get(code=Event.PLAN_HANDOUT_DOWNLOADED)
    assert event.patient_id == plan.patient_id


@time_machine.travel(DAY_10, tick=False)
def test_staff_print_the_handout_from_the_plan(client_for, plan):
    url = reverse("plan_handout", args=[plan.pk])
    for persona in ("admin", "clinician", "frontdesk"):
        assert client_for(persona).get(url).status_code == 200
    for persona in ("patient2", "other_staff"):
        assert client_for(persona).get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 302


def test_every_guidance_entry_has_a_source_and_grade():
    data = guidance()
    assert {e["code"] for e in data["first_weeks"]} >= {"vivid_dreams", "sleep", "headache"}
    for entry in data["first_weeks"] + data["important"]:
        assert entry["source"] and entry["grade"] in {"A", "B", "C", "D", "E", "—"}
