"""do_propose_series and do_confirm_series: one step books every session, or nothing."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.plans.models import PlanStatus
from ldnclinic.scheduling import actions as scheduling_actions
from ldnclinic.scheduling.models import Appointment, AppointmentStatus, BookingSource, TimeOff
from ldnclinic.scheduling.tests.calendar_support import book
from ldnclinic.series.actions import do_confirm_series, do_propose_series
from ldnclinic.series.models import PlanSession, SessionStatus
from ldnclinic.series.tests.conftest import ACTOR, NEW_YORK

pytestmark = pytest.mark.django_db(transaction=False)


def sessions(plan, status=None):
    found = PlanSession.objects.filter(plan=plan).order_by("sequence", "id")
    return list(found.filter(status=status) if status else found)


def test_proposing_saves_the_sessions_and_audits(plan):
    created = do_propose_series(ACTOR, plan)
    assert [s.sequence for s in created] == [1, 2, 3, 4]
    assert all(s.status == SessionStatus.PROPOSED and s.proposed_start for s in created)
    assert created[0].service.slug == "laser-session"
    assert created[0].plan_version == plan.current_version
    assert AuditEvent.objects.filter(code=Event.SERIES_PROPOSED, patient=plan.patient).exists()


def test_proposing_again_replaces_open_proposals_and_keeps_booked(plan):
    do_propose_series(ACTOR, plan)
    do_confirm_series(ACTOR, plan)
    first = sessions(plan)[0]
    # Session 2 to 4 back to proposals, as if the front desk had only booked the first.
    for later in sessions(plan)[1:]:
        later.status = SessionStatus.PROPOSED
        later.appointment = None
        later.save()
    do_propose_series(ACTOR, plan)
    assert sessions(plan, SessionStatus.BOOKED) == [first]
    assert len(sessions(plan, SessionStatus.WITHDRAWN)) == 3
    assert [s.sequence for s in sessions(plan, SessionStatus.PROPOSED)] == [2, 3, 4]


def test_confirm_books_every_session_in_one_step(plan):
    proposed = do_propose_series(ACTOR, plan)
    booked, waiting = do_confirm_series(ACTOR, plan)
    assert waiting == []
    assert [s.sequence for s in booked] == [1, 2, 3, 4]
    appointments = list(Appointment.objects.filter(patient=plan.patient).order_by("start"))
    assert [a.start for a in appointments] == [s.proposed_start for s in proposed]
    assert {a.status for a in appointments} == {AppointmentStatus.BOOKED}
    assert {a.source for a in appointments} == {BookingSource.STAFF}
    assert appointments[1].reason == "Laser (Nd:YAG), session 2 of 4"
    assert [s.appointment_id for s in sessions(plan)] == [a.pk for a in appointments]
    event = AuditEvent.objects.get(code=Event.SERIES_CONFIRMED)
    assert len(event.payload["booked"]) == 4


def test_a_slot_taken_meanwhile_is_proposed_again_inside_its_window(plan, laser, patient_b):
    do_propose_series(ACTOR, plan)
    second = sessions(plan)[1]
    taken = book(patient_b, laser, second.proposed_start)
    do_confirm_series(ACTOR, plan)
    second.refresh_from_db()
    assert second.status == SessionStatus.BOOKED
    assert second.appointment.start != taken.start
    local_day = second.appointment.start.astimezone(NEW_YORK).date()
    assert second.earliest_date <= local_day <= second.latest_date


def test_no_slot_in_a_window_books_nothing_and_names_the_session(plan, practitioner):
    do_propose_series(ACTOR, plan)
    third = sessions(plan)[2]
    for offset in range((third.latest_date - third.earliest_date).days + 1):
        TimeOff.objects.create(
            practitioner=practitioner, date=third.earliest_date + dt.timedelta(offset)
        )
    with pytest.raises(ValidationError) as caught:
        do_confirm_series(ACTOR, plan)
    message = " ".join(caught.value.messages)
    assert "Laser (Nd:YAG) session 3" in message
    assert "nothing was booked" in message
    assert Appointment.objects.count() == 0
    assert len(sessions(plan, SessionStatus.PROPOSED)) == 4
    assert len(mail.outbox) == 0


def test_sessions_past_the_horizon_wait_and_the_rest_are_booked(plan, laser):
    laser.horizon_days = 60
    laser.save()
    do_propose_series(ACTOR, plan)
    booked, waiting = do_confirm_series(ACTOR, plan)
    assert [s.sequence for s in booked] == [1, 2]
    assert [s.sequence for s in waiting] == [3, 4]
    assert "booking horizon" in sessions(plan)[2].note


def test_confirm_refuses_when_there_is_nothing_to_book(plan):
    with pytest.raises(ValidationError, match="no proposed sessions"):
        do_confirm_series(ACTOR, plan)


def test_confirm_refuses_a_plan_that_is_not_active(plan):
    do_propose_series(ACTOR, plan)
    plan.status = PlanStatus.PAUSED
    plan.save()
    with pytest.raises(ValidationError, match="active plan"):
        do_confirm_series(ACTOR, plan)
    assert Appointment.objects.count() == 0


def test_an_unschedulable_session_blocks_the_confirmation(clinic, patient_a):
    from ldnclinic.series.tests.conftest import make_plan

    plan = make_plan(clinic, patient_a)
    do_propose_series(ACTOR, plan)
    with pytest.raises(ValidationError, match="cannot be scheduled"):
        do_confirm_series(ACTOR, plan)


def test_sessions_are_never_deleted(plan):
    session = do_propose_series(ACTOR, plan)[0]
    with pytest.raises(ValueError):
        session.delete()
    assert session.history.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraints are PostgreSQL's"
)
def test_a_slot_lost_at_insert_does_not_poison_the_transaction(plan, laser, patient_b):
    """Another booking commits between the check and the insert: the exclusion constraint
    refuses ours inside a savepoint, and the session is booked at another time."""
    do_propose_series(ACTOR, plan)
    second = sessions(plan)[1]
    taken = book(patient_b, laser, second.proposed_start)
    real_check = scheduling_actions._check_slot
    calls = []

    def stale_check(service, practitioner_ids, start, now, *, ignore=None):
        calls.append(start)
        if start == taken.start and len(calls) <= 2:
            return taken.practitioner_id  # what a check just before the other commit saw
        return real_check(service, practitioner_ids, start, now, ignore=ignore)

    with mock.patch.object(scheduling_actions, "_check_slot", stale_check):
        booked, _ = do_confirm_series(ACTOR, plan)
    assert len(booked) == 4
    second.refresh_from_db()
    assert second.appointment.start != taken.start
    assert Appointment.objects.filter(patient=plan.patient).count() == 4
