"""The demo plans seed_demo makes: Maya on an active psoriasis plan, Daniel with a draft."""

import datetime
import io

import time_machine
from django.core.management import call_command

from ldnclinic.plans.models import Plan
from ldnclinic.screening.status import blocking_findings

NOW = datetime.datetime(2026, 3, 9, 15, 0, tzinfo=datetime.UTC)


def test_the_demo_has_an_active_plan_and_a_draft_and_is_idempotent(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
    maya = Plan.objects.get(patient__user__email="patient@demo.ldnclinic.test")
    assert (maya.condition_slug, maya.status) == ("psoriasis", "active")
    params = maya.current_version.params
    assert params["scheme_code"] == "low-and-slow"
    assert params["start_date"] == "2026-02-23"  # two weeks before the clinic's today
    assert params["formulation"]["type"] == "liquid"
    laser = next(a for a in params["adjuncts"] if a["code"] == "laser")
    assert (laser["included"], laser["sessions"]) == (True, 4)
    daniel = Plan.objects.get(patient__user__email="patient2@demo.ldnclinic.test")
    assert (daniel.condition_slug, daniel.status) == ("atopic-dermatitis", "draft")
    assert [f["rule"] for f in blocking_findings(daniel.patient)] == ["ldn.thyroid"]
    assert Plan.objects.count() == 2
