"""Confirming offers at the same moment, on whichever database the suite runs on: threads
with their own connections race through `do_accept_waitlist_offer`."""

import datetime as dt

import pytest
import time_machine

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling.models import Appointment, WaitlistOffer
from ldnclinic.scheduling.tests.conftest import consult_service, race
from ldnclinic.scheduling.waitlist import OfferClosed, do_accept_waitlist_offer, do_join_waitlist

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
RACERS = 3


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def offers(clinic, clinician):
    service = consult_service(clinic, clinician, min_notice_hours=0)
    made = []
    for i in range(RACERS):
        patient = make_patient(clinic, given_name=f"Racer{i}", email=f"r{i}@mail.test")
        entry = do_join_waitlist(
            Actor.system(),
            patient=patient,
            service=service,
            earliest_date=dt.date(2026, 11, 30),
            latest_date=dt.date(2026, 12, 4),
        )
        made.append(
            WaitlistOffer.objects.create(
                entry=entry,
                start=MONDAY_9,
                practitioner=clinician,
                expires_at=NOW + dt.timedelta(hours=12),
            )
        )
    return made


def accept(offer):
    return lambda: do_accept_waitlist_offer(Actor.system(), offer)


def test_patients_confirming_at_once_book_the_slot_once(offers):
    results = race([accept(offer) for offer in offers])

    booked = [r for r in results if isinstance(r, Appointment)]
    assert len(booked) == 1, results
    # The others lost: either the slot was taken when they tried (None), or their offer
    # was already marked gone by the winner (OfferClosed).
    losers = [r for r in results if r not in booked]
    assert all(r is None or isinstance(r, OfferClosed) for r in losers), losers
    assert Appointment.objects.holding().count() == 1
    statuses = sorted(WaitlistOffer.objects.values_list("status", flat=True))
    assert statuses == ["accepted"] + ["gone"] * (RACERS - 1)
    assert AuditEvent.objects.filter(code=Event.WAITLIST_ACCEPTED).count() == 1


def test_a_double_click_books_once(offers):
    results = race([accept(offers[0]) for _ in range(RACERS)])

    assert len([r for r in results if isinstance(r, Appointment)]) == 1, results
    assert Appointment.objects.holding().count() == 1
    assert AuditEvent.objects.filter(code=Event.APPOINTMENT_BOOKED).count() == 1
