"""Real concurrency through the public booking (SQLite and PostgreSQL): threads with
their own connections, as several web workers would be."""

import datetime as dt

import pytest
import time_machine

from ldnclinic.audit.log import Actor
from ldnclinic.patients.models import Patient
from ldnclinic.scheduling.actions import SlotTaken
from ldnclinic.scheduling.models import Appointment
from ldnclinic.scheduling.public import PatientDetails, do_public_booking
from ldnclinic.scheduling.tests.conftest import consult_service, race

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
RACERS = 6


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def person(i=0):
    return PatientDetails(
        f"New{i}", "Person", f"new{i}@example.test", "+1 555 0101", dt.date(1990, 1, 1)
    )


def test_retries_racing_with_one_key_make_one_patient_and_one_appointment(clinic, clinician):
    service = consult_service(clinic, clinician, min_notice_hours=0)
    results = race(
        [
            lambda i=i: do_public_booking(
                Actor.system(via="api"),
                service=service,
                start=MONDAY_9,
                details=person(),
                idempotency_key="same-retry",
            )
            for i in range(RACERS)
        ]
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert len({appointment.pk for appointment, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (RACERS - 1) + [True]
    assert Appointment.objects.count() == 1
    assert Patient.objects.count() == 1


def test_strangers_racing_for_one_slot_leave_no_orphan_records(clinic, clinician):
    service = consult_service(clinic, clinician, min_notice_hours=0)
    results = race(
        [
            lambda i=i: do_public_booking(
                Actor.system(via="api"), service=service, start=MONDAY_9, details=person(i)
            )
            for i in range(RACERS)
        ]
    )
    booked = [r for r in results if isinstance(r, tuple)]
    lost = [r for r in results if isinstance(r, SlotTaken)]
    assert (len(booked), len(lost)) == (1, RACERS - 1), results
    assert Appointment.objects.count() == 1
    # Each loser's new record went with its failed booking.
    assert list(Patient.objects.values_list("pk", flat=True)) == [booked[0][0].patient_id]
