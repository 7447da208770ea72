"""seed_demo's calendar: a lively fortnight of appointments, booked through the actions."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from ldnclinic.accounts.models import Clinic
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.models import Appointment, AppointmentStatus, BookingSource

WEDNESDAY_MORNING = dt.datetime(2026, 11, 25, 15, 40, tzinfo=dt.UTC)  # 10:40 in New York


def seed(at):
    with time_machine.travel(at, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    return Clinic.objects.get(slug="demo")


def test_it_fills_this_week_and_the_next(db):
    demo = seed(WEDNESDAY_MORNING)
    tz = demo.tz
    appointments = list(Appointment.objects.filter(clinic=demo).select_related("service"))
    assert len(appointments) >= 36
    days = {a.start.astimezone(tz).date() for a in appointments}
    assert min(days) >= dt.date(2026, 11, 23) and max(days) <= dt.date(2026, 12, 6)
    assert {a.service.slug for a in appointments} == {
        "ldn-consultation",
        "ldn-follow-up",
        "laser-session",
        "microneedling-prp",
        "led-therapy",
        "topical-review",
    }
    assert len({a.practitioner_id for a in appointments}) == 2
    # Every one went through do_book_appointment, which audits.
    booked = AuditEvent.objects.filter(code=Event.APPOINTMENT_BOOKED, clinic=demo)
    assert booked.count() == len(appointments)


def test_the_past_is_settled_and_today_is_under_way(db):
    demo = seed(WEDNESDAY_MORNING)
    tz = demo.tz
    today = WEDNESDAY_MORNING.astimezone(tz).date()
    appointments = Appointment.objects.filter(clinic=demo)
    for appointment in appointments.filter(start__lt=WEDNESDAY_MORNING):
        if appointment.start.astimezone(tz).date() < today:
            assert appointment.status in (AppointmentStatus.FULFILLED, AppointmentStatus.NOSHOW)
    todays = [a for a in appointments if a.start.astimezone(tz).date() == today]
    seen = [a for a in todays if a.status in (AppointmentStatus.ARRIVED, "fulfilled")]
    assert len(seen) >= 2
    assert appointments.filter(status=AppointmentStatus.NOSHOW).exists()
    assert not appointments.filter(
        start__gt=WEDNESDAY_MORNING, status=AppointmentStatus.FULFILLED
    ).exists()


def test_one_late_cancellation_and_one_online_booking_to_check(db):
    demo = seed(WEDNESDAY_MORNING)
    appointments = Appointment.objects.filter(clinic=demo)
    (cancelled,) = appointments.filter(status=AppointmentStatus.CANCELLED)
    assert cancelled.cancelled_late
    assert cancelled.start > WEDNESDAY_MORNING
    (online,) = appointments.exclude(identity_review="")
    assert online.source == BookingSource.ONLINE
    assert online.status == AppointmentStatus.BOOKED
    assert online.start > WEDNESDAY_MORNING


@pytest.mark.parametrize(
    "at",
    [
        WEDNESDAY_MORNING,
        dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC),  # Sunday 20:00
        dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.UTC),  # Monday 06:00, nobody in yet
        dt.datetime(2026, 11, 28, 23, 0, tzinfo=dt.UTC),  # Saturday evening
    ],
    ids=["wednesday", "sunday-night", "monday-dawn", "saturday-evening"],
)
def test_it_is_idempotent_whatever_the_day(db, at):
    demo = seed(at)
    count = Appointment.objects.filter(clinic=demo).count()
    assert count >= 30
    seed(at)
    assert Appointment.objects.filter(clinic=demo).count() == count
