"""hooks.plan_changed: activation proposes, pause withdraws, resume proposes again, stop and
completion cancel future bookings."""

import datetime as dt

import pytest
import time_machine

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.plans.models import PlanStatus
from ldnclinic.scheduling.models import AppointmentStatus
from ldnclinic.series.actions import STOP_REASON, do_confirm_series
from ldnclinic.series.hooks import plan_changed
from ldnclinic.series.models import PlanSession, SessionStatus
from ldnclinic.series.tests.conftest import (
    ACTOR,
    LASER,
    NEW_YORK,
    TOPICAL,
    make_plan,
    new_version,
    params,
)

pytestmark = pytest.mark.django_db


def statuses(plan):
    return [
        s.status for s in PlanSession.objects.filter(plan=plan).order_by("sequence", "created_at")
    ]


def set_status(plan, status):
    plan.status = status
    plan.save()


def test_activation_proposes_the_series(plan):
    plan_changed(ACTOR, plan, plan.current_version)
    assert statuses(plan) == [SessionStatus.PROPOSED] * 4


def test_a_plan_without_sessions_proposes_nothing(clinic, patient_a, laser):
    plan = make_plan(clinic, patient_a, plan_params=params(TOPICAL))
    plan_changed(ACTOR, plan, plan.current_version)
    assert statuses(plan) == []


def test_a_dose_adjustment_leaves_the_series_alone(plan):
    plan_changed(ACTOR, plan, plan.current_version)
    version = new_version(plan, "adjusted", effective_from=dt.date(2026, 12, 8))
    plan_changed(ACTOR, plan, version)
    assert statuses(plan) == [SessionStatus.PROPOSED] * 4


def test_an_adjustment_that_changes_the_sessions_proposes_again(plan):
    plan_changed(ACTOR, plan, plan.current_version)
    changed = params({**LASER, "sessions": 3})
    version = new_version(
        plan, "adjusted", effective_from=dt.date(2026, 12, 8), plan_params=changed
    )
    plan_changed(ACTOR, plan, version)
    live = PlanSession.objects.live().filter(plan=plan)
    assert live.count() == 3
    assert PlanSession.objects.filter(plan=plan, status=SessionStatus.WITHDRAWN).count() == 4


def test_pause_withdraws_proposals_and_keeps_bookings_flagged(plan):
    plan_changed(ACTOR, plan, plan.current_version)
    do_confirm_series(ACTOR, plan)
    first = PlanSession.objects.get(plan=plan, sequence=1)
    # Sessions 2-4 back to proposals: only session 1 is booked when the plan pauses.
    PlanSession.objects.filter(plan=plan, sequence__gt=1).update(
        status=SessionStatus.PROPOSED, appointment=None
    )
    set_status(plan, PlanStatus.PAUSED)
    version = new_version(plan, "paused", effective_from=dt.date(2026, 12, 10))
    plan_changed(ACTOR, plan, version)
    first.refresh_from_db()
    assert first.status == SessionStatus.BOOKED and first.flagged
    assert first.appointment.status == AppointmentStatus.BOOKED
    assert statuses(plan).count(SessionStatus.WITHDRAWN) == 3
    event = AuditEvent.objects.get(code=Event.SERIES_WITHDRAWN)
    assert event.payload["booked_kept"] == [first.pk]


def test_resume_proposes_again_from_the_resume_date(plan):
    plan_changed(ACTOR, plan, plan.current_version)
    set_status(plan, PlanStatus.PAUSED)
    plan_changed(ACTOR, plan, new_version(plan, "paused", effective_from=dt.date(2026, 12, 3)))
    set_status(plan, PlanStatus.ACTIVE)
    resume = dt.date(2027, 1, 4)
    plan_changed(ACTOR, plan, new_version(plan, "resumed", effective_from=resume))
    live = list(PlanSession.objects.live().filter(plan=plan).order_by("sequence"))
    assert [s.sequence for s in live] == [1, 2, 3, 4]
    assert live[0].target_date == resume
    assert live[0].proposed_start.astimezone(NEW_YORK).date() >= resume


@pytest.mark.parametrize("status", [PlanStatus.STOPPED, PlanStatus.COMPLETED])
def test_stop_cancels_future_bookings_not_late(plan, status):
    plan_changed(ACTOR, plan, plan.current_version)
    do_confirm_series(ACTOR, plan)
    # Stopped after session 1 happened: it stays; the three to come are cancelled.
    with time_machine.travel(dt.datetime(2026, 12, 20, 15, tzinfo=dt.UTC), tick=False):
        set_status(plan, status)
        plan_changed(
            ACTOR, plan, new_version(plan, "stopped", effective_from=dt.date(2026, 12, 20))
        )
    sessions = list(PlanSession.objects.filter(plan=plan).order_by("sequence"))
    assert sessions[0].status == SessionStatus.BOOKED
    assert sessions[0].appointment.status == AppointmentStatus.BOOKED
    for later in sessions[1:]:
        assert later.status == SessionStatus.CANCELLED
        assert later.appointment.status == AppointmentStatus.CANCELLED
        assert later.appointment.cancelled_late is False
    cancels = AuditEvent.objects.filter(code=Event.APPOINTMENT_CANCELLED)
    assert cancels.count() == 3
    assert {e.payload["reason"] for e in cancels} == {STOP_REASON}
