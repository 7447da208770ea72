"""The demo assessments: Maya's baseline PASI, itch NRS and DLQI on her plan's first day;
and the questionnaire command leaves her day-0 requests alone (already scored)."""

import datetime
import io

import time_machine
from django.core.management import call_command

from ldnclinic.outcomes.demo import seed_demo_assessments
from ldnclinic.outcomes.models import AssessmentRequest
from ldnclinic.patients.models import Patient

NOW = datetime.datetime(2026, 3, 9, 15, 0, tzinfo=datetime.UTC)


def test_maya_has_a_baseline_and_it_is_idempotent(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        maya = Patient.objects.get(user__email="patient@demo.ldnclinic.test")
        seed_demo_assessments(maya.clinic)
        seed_demo_assessments(maya.clinic)
        rows = {a.instrument: a for a in maya.assessments.all()}
        assert sorted(rows) == ["DLQI", "ITCH_NRS", "PASI"]
        plan = maya.plans.get(condition_slug="psoriasis")
        assert {a.plan_id for a in rows.values()} == {plan.pk}
        local = rows["PASI"].assessed_at.astimezone(maya.clinic.tz)
        assert local.date() == datetime.date(2026, 2, 23)  # the plan's start
        assert (rows["PASI"].source, rows["DLQI"].source) == ("clinician", "patient")
        assert rows["PASI"].band and rows["DLQI"].band
        call_command("send_assessment_requests", stdout=io.StringIO())
        start = datetime.date(2026, 2, 23)
        assert not AssessmentRequest.objects.filter(patient=maya, due_date=start).exists()
