"""Demo assessments for `seed_demo`: Maya Thompson's baseline at the start of her psoriasis
plan: PASI scored by her clinician, itch NRS and DLQI reported by her. Made through the
action, so the audit trail sees them. Idempotent: a patient with assessments is left alone.
Call it after the demo plans exist."""

import datetime

from django.utils import timezone

from ldnclinic.accounts.models import Membership, Role
from ldnclinic.audit.log import Actor
from ldnclinic.outcomes.actions import do_record_assessment
from ldnclinic.outcomes.requests import plan_start
from ldnclinic.patients.models import Patient

BASELINE_PASI = {
    "regions": {
        "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area": 2},
        "upper_limbs": {"erythema": 2, "induration": 2, "desquamation": 1, "area": 2},
        "trunk": {"erythema": 3, "induration": 2, "desquamation": 2, "area": 3},
        "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 2, "area": 3},
    }
}
BASELINE_ITCH = {"score": 7}
BASELINE_DLQI = {
    "1": 3, "2": 2, "3": 1, "4": 2, "5": 1, "6": "not_relevant", "7": 1, "8": 0, "9": 1, "10": 1,
}  # fmt: skip


def seed_demo_assessments(clinic, now=None):
    now = now or timezone.now()
    maya = Patient.objects.filter(clinic=clinic, user__email="patient@demo.ldnclinic.test").first()
    if maya is None or maya.assessments.exists():
        return
    plan = maya.plans.filter(condition_slug="psoriasis").order_by("-created_at").first()
    lead = (
        Membership.objects.filter(clinic=clinic, role=Role.CLINICIAN, is_active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if plan is None or lead is None:
        return
    start = plan_start(plan) or now.astimezone(clinic.tz).date()
    # The baseline visit, mid-morning clinic time on the plan's first day.
    visit = datetime.datetime.combine(start, datetime.time(10, 30), clinic.tz)
    visit = min(visit, now)
    appointment = maya.appointments.filter(start__date=start).order_by("start").first()
    clinician = Actor(user=lead.user, ip=None, via="cli")
    patient = Actor(user=maya.user, ip=None, via="cli")
    do_record_assessment(
        clinician,
        maya,
        instrument_code="PASI",
        items=BASELINE_PASI,
        assessed_at=visit,
        appointment=appointment,
        plan=plan,
        source="clinician",
        note="Baseline before starting LDN.",
        now=now,
    )
    for code, items in (("ITCH_NRS", BASELINE_ITCH), ("DLQI", BASELINE_DLQI)):
        do_record_assessment(
            patient,
            maya,
            instrument_code=code,
            items=items,
            assessed_at=visit - datetime.timedelta(minutes=20),
            plan=plan,
            source="patient",
            now=now,
        )
