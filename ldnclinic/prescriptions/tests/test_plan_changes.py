"""Through the plans' own actions: an adjustment supersedes the signed prescription, and the
plan page's panel then asks for a new one."""

import pytest
import time_machine

from ldnclinic.conftest import PASSWORD
from ldnclinic.plans import actions as plan_actions
from ldnclinic.plans.tests.plan_fixtures import NOW, liquid_params, screen_clear
from ldnclinic.prescriptions import actions
from ldnclinic.prescriptions.models import Prescription, PrescriptionStatus
from ldnclinic.prescriptions.panels import needs_new_prescription
from ldnclinic.protocols.library import get_protocol_version

pytestmark = pytest.mark.django_db


@time_machine.travel(NOW, tick=False)
def test_moving_the_dose_to_the_morning_supersedes(actor, patient_a, clinic, pharmacy):
    protocol_version = get_protocol_version(clinic, "psoriasis-ldn")
    screen_clear(patient_a, actor)
    plan = plan_actions.do_create_plan(
        actor,
        patient_a,
        protocol_version=protocol_version,
        condition="psoriasis",
        params=liquid_params(protocol_version),
    )
    plan_actions.do_activate_plan(actor, plan)
    plan.refresh_from_db()
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    actions.do_sign_prescription(actor, rx, password=PASSWORD)
    plan_actions.do_adjust_plan(
        actor,
        plan,
        adjustment={"kind": "morning", "effective_date": "2026-03-10"},
        reason="Insomnia",
        source="side_effect",
    )
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.SUPERSEDED
    plan.refresh_from_db()
    assert needs_new_prescription(plan, list(Prescription.objects.filter(plan=plan)))
    new = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    assert new.plan_version.number == 2
    assert "in the morning" in new.sig
    actions.do_sign_prescription(actor, new, password=PASSWORD)
    assert not needs_new_prescription(plan, list(Prescription.objects.filter(plan=plan)))
