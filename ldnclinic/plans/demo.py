"""Demo treatment plans for `seed_demo`: Maya Thompson on an active psoriasis plan (low and
slow, liquid 1 mg/mL, four laser sessions) started two weeks ago, and Daniel Okafor with an
atopic dermatitis draft waiting on a safety-screen caution. Made through the actions, so
the screening, the audit trail and the hooks see them as real. Idempotent: a patient who
has a plan for the condition is left alone."""

import datetime

from django.utils import timezone

from ldnclinic.accounts.models import Membership, Role
from ldnclinic.audit.log import Actor
from ldnclinic.intake.actions import do_submit_intake
from ldnclinic.patients.models import Patient
from ldnclinic.plans import actions
from ldnclinic.plans.params import default_params
from ldnclinic.prescriptions.actions import do_draft_prescription
from ldnclinic.prescriptions.models import Pharmacy
from ldnclinic.protocols.library import ensure_global_protocols, get_protocol_version

# Complete intake answers with nothing that blocks LDN.
CLEAR_INTAKE = {
    "condition_since": "2019-04-01",
    "condition_severity": "moderate",
    "takes_medications": "yes",
    "current_medications": "vitamin D",
    "has_allergies": "no",
    "naltrexone_allergy": "no",
    "opioid_use": "no",
    "planned_surgery": "no",
    "liver_disease": "none",
    "kidney_disease": "none",
    "pregnant": "no",
    "breastfeeding": "no",
    "planning_pregnancy": "no",
    "thyroid_disease": "none",
    "thyroid_hormone": "no",
    "immunosuppressed": "no",
    "depression": "no",
    "skin_procedures": "no",
}
LIQUID = {"type": "liquid", "concentration_mg_per_ml": "1", "preserved": False}


def seed_demo_plans(clinic, now=None):
    # A flushed database (transactional tests) has lost what the data migration seeded.
    ensure_global_protocols()
    today = (now or timezone.now()).astimezone(clinic.tz).date()
    lead = (
        Membership.objects.filter(clinic=clinic, role=Role.CLINICIAN, is_active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if lead is None:
        return
    staff = Actor(user=lead.user, ip=None, via="cli")
    pharmacy, _ = Pharmacy.objects.get_or_create(
        clinic=clinic,
        name="Brooklyn Compounding Pharmacy",
        defaults={
            "address": "210 Court St, Brooklyn, NY 11201",
            "phone": "+1 718 555 0190",
            "fax": "+1 718 555 0191",
            "email": "rx@brooklyn-compounding.example",
        },
    )
    maya = Patient.objects.filter(clinic=clinic, user__email="patient@demo.ldnclinic.test").first()
    if maya is not None and not maya.plans.filter(condition_slug="psoriasis").exists():
        if not maya.intake_responses.exists():
            do_submit_intake(
                Actor(user=maya.user, ip=None, via="cli"),
                maya,
                {**CLEAR_INTAKE, "conditions": ["psoriasis"]},
            )
        version = get_protocol_version(clinic, "psoriasis-ldn")
        params = default_params(
            version.data, start_date=today - datetime.timedelta(days=14), scheme_code="low-and-slow"
        )
        params["formulation"] = dict(LIQUID)
        for adjunct in params["adjuncts"]:
            adjunct["included"] = adjunct["code"] == "laser"
        plan = actions.do_create_plan(
            staff, maya, protocol_version=version, condition=None, params=params, clinician=lead
        )
        actions.do_activate_plan(staff, plan)
        # A draft for the clinician to check and sign with their password.
        do_draft_prescription(staff, plan, pharmacy=pharmacy, now=now)
    daniel = Patient.objects.filter(
        clinic=clinic, user__email="patient2@demo.ldnclinic.test"
    ).first()
    if daniel is not None and not daniel.plans.filter(condition_slug="atopic-dermatitis").exists():
        if not daniel.intake_responses.exists():
            # Thyroid hormone: a caution the clinician acknowledges before LDN starts.
            do_submit_intake(
                Actor(user=daniel.user, ip=None, via="cli"),
                daniel,
                {**CLEAR_INTAKE, "conditions": ["atopic_dermatitis"], "thyroid_hormone": "yes"},
            )
        version = get_protocol_version(clinic, "atopic-dermatitis-ldn")
        params = default_params(version.data, start_date=today + datetime.timedelta(days=7))
        params["formulation"] = {"type": "capsule"}
        actions.do_create_plan(
            staff, daniel, protocol_version=version, condition=None, params=params, clinician=lead
        )
