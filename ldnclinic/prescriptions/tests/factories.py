"""Plans made directly (Plan + PlanVersion rows, steps from the engine), screenings and
pharmacies for prescription tests; importable by other apps' tests (the access matrix)."""

import datetime

from django.db.models import Max

from ldnclinic.audit.log import Actor
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.plans.models import Plan, PlanStatus, PlanVersion, VersionKind
from ldnclinic.plans.params import check_params
from ldnclinic.prescriptions.models import Pharmacy
from ldnclinic.protocols.models import Protocol, ProtocolVersion
from ldnclinic.screening import actions as screening_actions

START = datetime.date(2026, 3, 2)
# 14:00 UTC on the plan's start day is 09:00 in New York (clinic X).
NOW = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)
LIQUID = {"type": "liquid", "concentration_mg_per_ml": "1", "preserved": False}
CAPSULE = {"type": "capsule"}
STANDARD = {
    "start_mg": "1.5",
    "step_mg": "1.5",
    "interval_days": 7,
    "target_mg": "4.5",
    "max_mg": "4.5",
    "timing": "bedtime",
}
NO_OPIOIDS = {
    **COMPLETE,
    "current_medications": "vitamin D",
    "opioid_use": "no",
    "opioid_name": "",
    "opioid_last_dose_days": "",
    "opioid_long_acting": "",
}


def plan_params(*, start=START, duration=84, formulation=None, scheme=None):
    return {
        "scheme": dict(scheme or STANDARD),
        "scheme_code": "standard",
        "start_date": start.isoformat(),
        "duration_days": duration,
        "formulation": dict(formulation or LIQUID),
        "adjuncts": [],
    }


def protocol_version_for(clinic):
    protocol, _ = Protocol.objects.get_or_create(
        clinic=clinic, code="rx-test", defaults={"condition_slug": "psoriasis"}
    )
    version = protocol.versions.first()
    if version is None:
        version = ProtocolVersion.objects.create(
            protocol=protocol,
            number=1,
            data={
                "name": "Psoriasis test",
                "condition": {"slug": "psoriasis", "name": "Psoriasis"},
            },
        )
    return version


def add_version(plan, *, params=None, adjustments=(), kind=VersionKind.CREATED):
    params = params or plan.current_version.params
    checked = check_params(params, adjustments)
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return PlanVersion.objects.create(
        plan=plan,
        number=number,
        kind=kind,
        params=checked.params,
        adjustments=list(adjustments),
        steps=checked.calendar.to_list(),
        effective_from=checked.calendar.start_date,
    )


def make_plan(patient, *, status=PlanStatus.ACTIVE, **kwargs):
    plan = Plan.objects.create(
        clinic=patient.clinic,
        patient=patient,
        condition_slug="psoriasis",
        condition_name="Psoriasis",
        protocol_version=protocol_version_for(patient.clinic),
        status=status,
    )
    add_version(plan, params=plan_params(**kwargs))
    return plan


def clear_screen(patient, user):
    actor = Actor(user=user, ip=None, via="test")
    intake_actions.do_edit_intake(actor, patient, NO_OPIOIDS)
    return screening_actions.latest_screening(patient)


def make_pharmacy(clinic, name="Brooklyn Compounding"):
    return Pharmacy.objects.create(
        clinic=clinic,
        name=name,
        address="1 Main St, Brooklyn, NY",
        phone="+1 555 0100",
        fax="+1 555 0101",
        email="rx@pharmacy.test",
    )
