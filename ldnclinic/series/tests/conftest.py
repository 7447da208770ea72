"""A clinic with a laser service (Mon–Fri 09:00–12:00 New York), an active psoriasis plan
for patient A with 4 laser sessions every 28 ± 7 days from 14 days after its start, and the
clock frozen on Monday 30 November 2026, 08:00 in New York."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.log import Actor
from ldnclinic.plans.models import Plan, PlanStatus, PlanVersion
from ldnclinic.protocols.models import Protocol, ProtocolVersion
from ldnclinic.scheduling.tests.conftest import consult_service

NEW_YORK = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC)
START = dt.date(2026, 12, 1)
ACTOR = Actor.system(via="test")

LASER = {
    "code": "laser",
    "name": "Laser (Nd:YAG)",
    "kind": "session",
    "service_slug": "laser-session",
    "sessions": 4,
    "interval_days": 28,
    "tolerance_before_days": 7,
    "tolerance_after_days": 7,
    "first_offset_days": 14,
    "default": True,
    "included": True,
    "notes": "",
    "source": "",
    "grade": "D",
}
TOPICAL = {
    "code": "topical",
    "name": "Topical",
    "kind": "home",
    "frequency": "daily",
    "duration_days": 84,
    "default": False,
    "included": True,
}


def local(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK)


def params(*adjuncts, start=START):
    return {
        "scheme": {
            "start_mg": "1.5",
            "step_mg": "1.5",
            "interval_days": 7,
            "target_mg": "4.5",
            "max_mg": "4.5",
            "timing": "bedtime",
        },
        "scheme_code": "standard",
        "start_date": start.isoformat(),
        "duration_days": 84,
        "formulation": {"type": "capsule"},
        "adjuncts": list(adjuncts) if adjuncts else [dict(LASER), dict(TOPICAL)],
    }


def make_plan(clinic, patient, *, status=PlanStatus.ACTIVE, plan_params=None, kind="created"):
    protocol, _ = Protocol.objects.get_or_create(
        clinic=clinic, code="series-test", defaults={"condition_slug": "psoriasis"}
    )
    version = protocol.latest_version or ProtocolVersion.objects.create(
        protocol=protocol, number=1, data={"code": "series-test"}
    )
    plan = Plan.objects.create(
        clinic=clinic,
        patient=patient,
        condition_slug=f"psoriasis-{Plan.objects.count()}",
        condition_name="Psoriasis",
        protocol_version=version,
        status=status,
    )
    PlanVersion.objects.create(
        plan=plan,
        number=1,
        kind=kind,
        params=plan_params or params(),
        effective_from=START,
    )
    return plan


def new_version(plan, kind, *, effective_from, plan_params=None):
    last = plan.current_version
    return PlanVersion.objects.create(
        plan=plan,
        number=last.number + 1,
        kind=kind,
        params=plan_params or last.params,
        effective_from=effective_from,
    )


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def practitioner(users):
    return Membership.objects.get(user=users["clinician"])


@pytest.fixture
def laser(clinic, practitioner):
    return consult_service(
        clinic,
        practitioner,
        name="Laser session",
        slug="laser-session",
        duration_minutes=60,
        buffer_after_minutes=0,
        min_notice_hours=0,
        horizon_days=365,
    )


@pytest.fixture
def plan(clinic, patient_a, laser):
    return make_plan(clinic, patient_a)
