"""Real concurrency, on whichever database the suite runs on (SQLite and PostgreSQL in CI):
threads with their own connections race through `do_book_appointment`."""

import datetime as dt

import pytest
import time_machine

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling.actions import SlotTaken, do_book_appointment
from ldnclinic.scheduling.models import Appointment, Resource
from ldnclinic.scheduling.tests.conftest import consult_service, race

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
RACERS = 8


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_many_clients_racing_for_one_slot_book_it_once(clinic, clinician):
    service = consult_service(clinic, clinician, min_notice_hours=0)
    patients = [make_patient(clinic, given_name=f"Racer{i}") for i in range(RACERS)]

    results = race(
        [
            lambda i=i: do_book_appointment(
                Actor.system(), patient=patients[i], service=service, start=MONDAY_9
            )
            for i in range(RACERS)
        ]
    )

    booked = [r for r in results if isinstance(r, tuple)]
    lost = [r for r in results if isinstance(r, SlotTaken)]
    assert len(booked) == 1, results
    assert len(lost) == RACERS - 1, results
    # The losers are told where to go next: the next free slot after the buffer.
    assert lost[0].next_slots[0].start == MONDAY_9 + dt.timedelta(minutes=45)
    assert Appointment.objects.holding().count() == 1
    assert AuditEvent.objects.filter(code=Event.APPOINTMENT_BOOKED).count() == 1


def test_retries_with_one_idempotency_key_racing_make_one_appointment(clinic, clinician):
    service = consult_service(clinic, clinician, min_notice_hours=0)
    patient = make_patient(clinic)

    results = race(
        [
            lambda i=i: do_book_appointment(
                Actor.system(),
                patient=patient,
                service=service,
                start=MONDAY_9,
                idempotency_key="retry-7f3a",
            )
            for i in range(RACERS)
        ]
    )

    assert all(isinstance(r, tuple) for r in results), results
    assert len({appointment.pk for appointment, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Appointment.objects.count() == 1
    assert Appointment.history.count() == 1


def test_a_device_with_two_units_takes_two_racers_and_no_third(clinic, users):
    from ldnclinic.accounts.models import Membership

    laser = Resource.objects.create(
        clinic=clinic, location=clinic.locations.first(), name="Laser", kind="device", capacity=2
    )
    practitioners = [
        Membership.objects.get(user=users[name]) for name in ("clinician", "admin", "frontdesk")
    ]
    service = consult_service(clinic, practitioners[0], resource=laser, min_notice_hours=0)
    for member in practitioners[1:]:
        service.practitioners.add(member)
        for weekday in range(5):
            member.working_hours.create(
                location=clinic.locations.first(),
                weekday=weekday,
                start=dt.time(9),
                end=dt.time(12),
            )
    patients = [make_patient(clinic, given_name=f"Racer{i}") for i in range(3)]

    results = race(
        [
            lambda i=i: do_book_appointment(
                Actor.system(),
                patient=patients[i],
                service=service,
                start=MONDAY_9,
                practitioner=practitioners[i],
            )
            for i in range(3)
        ]
    )

    booked = [r[0] for r in results if isinstance(r, tuple)]
    assert len(booked) == 2, results
    assert sorted(a.resource_unit for a in booked) == [0, 1]
    assert sum(isinstance(r, SlotTaken) for r in results) == 1, results
