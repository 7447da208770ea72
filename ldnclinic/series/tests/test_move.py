"""Moving a session shifts the later ones: from the series, and from the calendar."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.actions import do_reschedule_appointment
from ldnclinic.scheduling.tests.calendar_support import book
from ldnclinic.series.actions import do_confirm_series, do_move_session, do_propose_series
from ldnclinic.series.models import PlanSession, SessionStatus
from ldnclinic.series.tests.conftest import ACTOR, NEW_YORK, local

pytestmark = pytest.mark.django_db


def series(plan):
    return list(PlanSession.objects.live().filter(plan=plan).order_by("sequence"))


def local_day(moment):
    return moment.astimezone(NEW_YORK).date()


@pytest.fixture
def booked(plan):
    do_propose_series(ACTOR, plan)
    do_confirm_series(ACTOR, plan)
    return series(plan)


def test_moving_booked_session_2_shifts_3_and_4(booked):
    second, third, fourth = booked[1], booked[2], booked[3]
    before = [s.appointment.start for s in (third, fourth)]
    new_start = second.appointment.start + dt.timedelta(days=3)  # Friday 15 January
    do_move_session(ACTOR, second, new_start)
    second, third, fourth = series(second.plan)[1:]
    assert second.appointment.start == new_start
    assert second.proposed_start == new_start
    assert [s.appointment.start for s in (third, fourth)] == [
        b + dt.timedelta(days=3) for b in before
    ]
    assert third.target_date == local_day(new_start) + dt.timedelta(days=28)
    assert not third.flagged and not fourth.flagged
    shifted = AuditEvent.objects.get(code=Event.SERIES_SHIFTED)
    assert shifted.payload["days"] == 3


def test_a_calendar_move_shifts_the_later_sessions(booked):
    first, before = booked[0], booked[1].appointment.start
    new_start = local(dt.date(2026, 12, 17), 10)  # Thursday, two days later
    do_reschedule_appointment(ACTOR, first.appointment, start=new_start)
    first, second = series(first.plan)[:2]
    assert first.proposed_start == new_start
    assert second.appointment.start == before + dt.timedelta(days=2)
    # The shifted ones moved once each (the series' own moves do not shift again).
    assert AuditEvent.objects.filter(code=Event.SERIES_SHIFTED).count() == 1


def test_a_later_booking_that_cannot_move_is_flagged(booked, laser, patient_b):
    second, third = booked[1], booked[2]
    # Someone holds session 3's time three days later.
    book(patient_b, laser, third.appointment.start + dt.timedelta(days=3))
    do_move_session(ACTOR, second, second.appointment.start + dt.timedelta(days=3))
    third = series(second.plan)[2]
    assert third.appointment.start == booked[2].appointment.start
    assert third.flagged
    assert "Not moved" in third.note


def test_moving_a_proposed_session_proposes_the_later_ones_again(plan):
    proposed = do_propose_series(ACTOR, plan)
    second = proposed[1]
    new_start = local(dt.date(2027, 1, 15), 11)  # Friday, three days after its target
    do_move_session(ACTOR, second, new_start)
    _, second, third, fourth = series(plan)
    assert second.proposed_start == new_start
    assert third.target_date == dt.date(2027, 2, 12)
    assert local_day(third.proposed_start) == dt.date(2027, 2, 12)
    assert third.proposed_start.astimezone(NEW_YORK).time() == dt.time(11)
    assert fourth.target_date == dt.date(2027, 3, 12)
    assert PlanSession.objects.filter(plan=plan).count() == 4  # updated in place


def test_a_move_outside_the_window_is_refused(booked):
    second = booked[1]
    with pytest.raises(ValidationError) as caught:
        do_move_session(ACTOR, second, second.appointment.start + dt.timedelta(days=10))
    assert "window" in caught.value.message_dict["start"][0]


def test_a_proposed_move_to_a_taken_time_is_refused(plan, laser, patient_b):
    second = do_propose_series(ACTOR, plan)[1]
    taken = local(dt.date(2027, 1, 14), 10)
    book(patient_b, laser, taken)
    with pytest.raises(ValidationError, match="not free"):
        do_move_session(ACTOR, second, taken)


def test_a_naive_time_is_refused(plan):
    second = do_propose_series(ACTOR, plan)[1]
    with pytest.raises(ValidationError):
        do_move_session(ACTOR, second, dt.datetime(2027, 1, 14, 10))


def test_a_withdrawn_session_cannot_move(plan):
    second = do_propose_series(ACTOR, plan)[1]
    second.status = SessionStatus.WITHDRAWN
    second.save()
    with pytest.raises(ValidationError, match="proposed or booked"):
        do_move_session(ACTOR, second, local(dt.date(2027, 1, 14), 10))
