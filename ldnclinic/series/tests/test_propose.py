"""propose_series: targets, windows, hours, preferences, no slot, no service."""

import datetime as dt
from unittest import mock

import pytest

from ldnclinic.accounts.models import Membership, Role
from ldnclinic.conftest import make_user
from ldnclinic.scheduling.models import ClinicClosure, TimeOff, WorkingHours
from ldnclinic.scheduling.tests.calendar_support import book
from ldnclinic.series import propose
from ldnclinic.series.propose import NO_SLOT, propose_series
from ldnclinic.series.tests.conftest import LASER, NEW_YORK, START, local, make_plan, params

pytestmark = pytest.mark.django_db


def day(proposal):
    return proposal.start.astimezone(NEW_YORK).date()


def test_it_proposes_each_session_on_its_target_inside_working_hours(plan, practitioner):
    proposals = propose_series(plan, plan.current_version)
    assert [p.sequence for p in proposals] == [1, 2, 3, 4]
    targets = [
        dt.date(2026, 12, 15),
        dt.date(2027, 1, 12),
        dt.date(2027, 2, 9),
        dt.date(2027, 3, 9),
    ]
    assert [p.target_date for p in proposals] == targets
    for p, target in zip(proposals, targets, strict=True):
        assert p.earliest_date == target - dt.timedelta(days=7)
        assert p.latest_date == target + dt.timedelta(days=7)
        assert day(p) == target
        start = p.start.astimezone(NEW_YORK)
        assert dt.time(9) <= start.time() and start + dt.timedelta(hours=1) <= local(target, 12)
        assert p.practitioner_id == practitioner.pk
        assert p.status == "proposed" and p.note == ""


def test_the_topical_is_never_a_session(plan):
    assert {p.adjunct_code for p in propose_series(plan, plan.current_version)} == {"laser"}


def test_a_weekend_target_takes_the_nearest_working_day(clinic, patient_a, laser):
    # Start + 11 days is Saturday 12 December: Friday the 11th is one day away.
    plan = make_plan(clinic, patient_a, plan_params=params({**LASER, "first_offset_days": 11}))
    first = propose_series(plan, plan.current_version)[0]
    assert first.target_date == dt.date(2026, 12, 12)
    assert day(first) == dt.date(2026, 12, 11)


def test_a_closed_target_day_moves_to_the_nearest_open_one(clinic, plan):
    ClinicClosure.objects.create(clinic=clinic, date=dt.date(2026, 12, 15))
    first = propose_series(plan, plan.current_version)[0]
    assert day(first) in (dt.date(2026, 12, 14), dt.date(2026, 12, 16))


def test_the_next_session_keeps_the_time_of_day_and_the_practitioner(
    clinic, plan, laser, patient_b, practitioner
):
    # The target day's 09:00 and 10:00 are taken: session 1 is at 11:00, and so the rest.
    book(patient_b, laser, local(dt.date(2026, 12, 15), 9))
    book(patient_b, laser, local(dt.date(2026, 12, 15), 10))
    other = Membership.objects.create(
        user=make_user("second@x.test"), clinic=clinic, role=Role.CLINICIAN
    )
    laser.practitioners.add(other)
    for weekday in range(5):
        WorkingHours.objects.create(
            practitioner=other,
            location=clinic.locations.first(),
            weekday=weekday,
            start=dt.time(9),
            end=dt.time(12),
        )
    proposals = propose_series(plan, plan.current_version)
    first = proposals[0]
    assert day(first) == dt.date(2026, 12, 15)
    later = proposals[1:]
    assert all(
        p.start.astimezone(NEW_YORK).time() == first.start.astimezone(NEW_YORK).time()
        for p in later
    )
    assert {p.practitioner_id for p in proposals} == {first.practitioner_id}


def test_no_slot_in_the_window_proposes_without_a_time(plan, practitioner):
    # The practitioner is away for session 2's whole window (5–19 January).
    for offset in range(15):
        TimeOff.objects.create(
            practitioner=practitioner, date=dt.date(2027, 1, 5) + dt.timedelta(offset)
        )
    proposals = propose_series(plan, plan.current_version)
    second, third = proposals[1], proposals[2]
    assert second.start is None and second.note == NO_SLOT
    assert second.status == "proposed"
    # The next one targets from session 2's target date.
    assert third.target_date == second.target_date + dt.timedelta(days=28)
    assert third.start is not None


def test_a_window_past_the_booking_horizon_says_when_to_confirm(plan, laser):
    laser.horizon_days = 60
    laser.save()
    proposals = propose_series(plan, plan.current_version)
    # Day 60 is 29 January: session 2's window (5–19 January) is inside, session 3's not.
    assert proposals[1].start is not None
    assert proposals[2].start is None
    assert "booking horizon" in proposals[2].note


def test_a_clinic_without_the_service_cannot_schedule(clinic, patient_a):
    plan = make_plan(clinic, patient_a)
    proposals = propose_series(plan, plan.current_version)
    assert len(proposals) == 4
    assert {p.status for p in proposals} == {"unschedulable"}
    assert "laser-session" in proposals[0].note


def test_nothing_is_proposed_before_today(clinic, patient_a, laser):
    plan = make_plan(clinic, patient_a, plan_params=params(start=START - dt.timedelta(days=30)))
    first = propose_series(plan, plan.current_version)[0]
    today = dt.date(2026, 11, 30)
    assert first.earliest_date >= today
    assert day(first) >= today


def test_a_resume_date_is_the_earliest_day(plan):
    resume = dt.date(2027, 1, 4)
    first = propose_series(plan, plan.current_version, from_date=resume)[0]
    assert first.target_date == resume
    assert day(first) >= resume


def test_it_searches_slots_once_per_session(plan):
    with mock.patch.object(propose, "find_service_slots", wraps=propose.find_service_slots) as spy:
        propose_series(plan, plan.current_version)
    assert spy.call_count == 4


def test_kept_sessions_anchor_the_next(plan, practitioner):
    kept = {("laser", 1): propose.Anchor(dt.date(2026, 12, 18), practitioner.pk, None)}
    proposals = propose_series(plan, plan.current_version, kept=kept)
    assert [p.sequence for p in proposals] == [2, 3, 4]
    assert proposals[0].target_date == dt.date(2027, 1, 15)


def test_the_first_session_goes_to_the_plans_clinician(clinic, patient_a, laser):
    other = Membership.objects.create(
        user=make_user("second@x.test"), clinic=clinic, role=Role.CLINICIAN
    )
    laser.practitioners.add(other)
    for weekday in range(5):
        WorkingHours.objects.create(
            practitioner=other,
            location=clinic.locations.first(),
            weekday=weekday,
            start=dt.time(9),
            end=dt.time(12),
        )
    plan = make_plan(clinic, patient_a)
    plan.clinician = other
    plan.save()
    proposals = propose_series(plan, plan.current_version)
    assert {p.practitioner_id for p in proposals} == {other.pk}
