"""The waitlist actions: joining and leaving, offers when a slot frees up, confirming."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from ldnclinic.accounts.models import Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient, make_user
from ldnclinic.scheduling.actions import (
    do_book_appointment,
    do_cancel_appointment,
    do_reschedule_appointment,
)
from ldnclinic.scheduling.models import Appointment, Service, WaitlistEntry, WaitlistOffer
from ldnclinic.scheduling.tests.conftest import consult_service
from ldnclinic.scheduling.waitlist import (
    OfferClosed,
    do_accept_waitlist_offer,
    do_join_waitlist,
    do_leave_waitlist,
    offer_free_slots,
)

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # Wednesday, 07:00 in New York
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
STAFF = Actor.system(via="test")


def at(day, hour, minute=0):
    """A time on a date of December 2026 (or 30 November), in the clinic's zone."""
    month = 11 if day == 30 else 12
    return dt.datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def date(day):
    return at(day, 0).date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


@pytest.fixture
def waiting(clinic):
    """make_waiting("Cara", service, ...) -> a waiting entry of a new patient with an email."""
    count = iter(range(100))

    def make(name, service, earliest=30, latest=4, **fields):
        patient = make_patient(
            clinic, given_name=name, family_name="Waiting", email=f"{name.lower()}@mail.test"
        )
        entry = do_join_waitlist(
            STAFF,
            patient=patient,
            service=service,
            earliest_date=date(earliest) if isinstance(earliest, int) else earliest,
            latest_date=date(latest),
            **fields,
        )
        # Joining order is creation order: keep the stamps apart even with time frozen.
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            created_at=NOW - dt.timedelta(minutes=100 - next(count))
        )
        entry.refresh_from_db()
        return entry

    return make


def offer_mails():
    """Waitlist offers among the emails sent (bookings and cancellations send their own)."""
    return [m for m in mail.outbox if m.subject.startswith("An earlier appointment is free")]


def book(patient, service, start):
    appointment, _ = do_book_appointment(STAFF, patient=patient, service=service, start=start)
    return appointment


def cancel(appointment, capture):
    with capture(execute=True):
        do_cancel_appointment(STAFF, appointment)


# Joining ---------------------------------------------------------------------------


def test_it_joins_and_audits(service, patient_a):
    entry = do_join_waitlist(
        STAFF, patient=patient_a, service=service, earliest_date=date(1), latest_date=date(4)
    )
    assert entry.status == "waiting"
    assert entry.clinic == service.clinic
    event = AuditEvent.objects.get(code=Event.WAITLIST_JOINED)
    assert event.patient == patient_a
    assert event.payload["service"] == "consult"


def join_errors(**values):
    try:
        do_join_waitlist(STAFF, **values)
    except ValidationError as error:
        return error.message_dict
    raise AssertionError("the join was accepted")


def test_it_refuses_dates_out_of_order(service, patient_a):
    errors = join_errors(
        patient=patient_a, service=service, earliest_date=date(4), latest_date=date(1)
    )
    assert errors == {"latest_date": ["The last date must not be before the first."]}


def test_it_refuses_a_first_date_in_the_past(service, patient_a):
    errors = join_errors(
        patient=patient_a,
        service=service,
        earliest_date=dt.date(2026, 11, 24),
        latest_date=date(4),
    )
    assert errors == {"earliest_date": ["The first date cannot be in the past."]}


def test_it_refuses_a_last_date_beyond_the_horizon(service, patient_a):
    errors = join_errors(
        patient=patient_a, service=service, earliest_date=date(1), latest_date=dt.date(2027, 2, 1)
    )
    assert "at most 60 days ahead" in errors["latest_date"][0]
    assert "Sunday 24 January 2027" in errors["latest_date"][0]


def test_it_refuses_a_practitioner_who_does_not_give_the_service(service, patient_a, users):
    from ldnclinic.accounts.models import Membership

    frontdesk = Membership.objects.get(user=users["frontdesk"])
    errors = join_errors(
        patient=patient_a,
        service=service,
        earliest_date=date(1),
        latest_date=date(4),
        practitioner=frontdesk,
    )
    assert errors == {"practitioner": ["That practitioner does not perform this service."]}


def test_it_refuses_a_second_waiting_entry_for_the_same_service(service, patient_a):
    values = {"patient": patient_a, "service": service, "earliest_date": date(1)}
    do_join_waitlist(STAFF, latest_date=date(4), **values)
    errors = join_errors(latest_date=date(9), **values)
    assert errors["service"][0].startswith(
        "You are already on the waitlist for Consultation (since Wednesday 25 November 2026)."
    )
    assert WaitlistEntry.objects.count() == 1


def test_a_patient_may_rejoin_after_leaving(service, patient_a):
    values = {"patient": patient_a, "service": service, "earliest_date": date(1)}
    entry = do_join_waitlist(STAFF, latest_date=date(4), **values)
    do_leave_waitlist(STAFF, entry)
    assert do_join_waitlist(STAFF, latest_date=date(9), **values).status == "waiting"
    assert AuditEvent.objects.filter(code=Event.WAITLIST_LEFT).count() == 1


def test_only_staff_may_add_to_a_service_not_booked_online(service, patient_a):
    service.online_bookable = False
    service.save()
    values = {"patient": patient_a, "service": service, "earliest_date": date(1)}
    errors = join_errors(latest_date=date(4), **values)
    assert "booked through the clinic" in errors["service"][0]
    entry = do_join_waitlist(STAFF, latest_date=date(4), by_staff=True, **values)
    assert entry.status == "waiting"


def test_a_current_appointment_must_be_the_patients_own_and_later(service, patient_a, patient_b):
    theirs = book(patient_b, service, at(9, 10))
    errors = join_errors(
        patient=patient_a,
        service=service,
        earliest_date=date(1),
        latest_date=date(4),
        current_appointment=theirs,
    )
    assert errors == {"current_appointment": ["Choose one of the patient's own appointments."]}
    mine = book(patient_a, service, at(3, 10))
    errors = join_errors(
        patient=patient_a,
        service=service,
        earliest_date=date(1),
        latest_date=date(4),
        current_appointment=mine,
    )
    assert errors["latest_date"] == [
        "To bring your appointment forward, the last date must be on or before it "
        "(Thursday 3 December 2026)."
    ]


def test_it_refuses_another_clinics_patient(service, patient_y):
    errors = join_errors(
        patient=patient_y, service=service, earliest_date=date(1), latest_date=date(4)
    )
    assert errors == {"patient": ["That patient belongs to another clinic."]}


def test_leaving_twice_is_refused(service, patient_a):
    entry = do_join_waitlist(
        STAFF, patient=patient_a, service=service, earliest_date=date(1), latest_date=date(4)
    )
    do_leave_waitlist(STAFF, entry)
    with pytest.raises(ValidationError, match="no longer on the waitlist"):
        do_leave_waitlist(STAFF, entry)


# Offering --------------------------------------------------------------------------


def test_a_cancellation_offers_the_slot_to_the_first_three_in_order(
    service, patient_b, waiting, django_capture_on_commit_callbacks
):
    appointment = book(patient_b, service, at(30, 9))
    first, second, third, fourth = (waiting(n, service) for n in ("Ann", "Ben", "Cy", "Di"))
    cancel(appointment, django_capture_on_commit_callbacks)
    offers = list(WaitlistOffer.objects.order_by("id"))
    assert [o.entry for o in offers] == [first, second, third]
    assert {o.start for o in offers} == {at(30, 9)}
    # Twelve hours, as the slot is days away.
    assert {o.expires_at for o in offers} == {NOW + dt.timedelta(hours=12)}
    assert [m.to for m in offer_mails()] == [["ann@mail.test"], ["ben@mail.test"], ["cy@mail.test"]]
    assert AuditEvent.objects.filter(code=Event.WAITLIST_OFFERED).count() == 3
    assert fourth.offers.count() == 0


def test_offers_go_only_to_entries_that_match_the_slot(
    clinic, service, patient_b, waiting, django_capture_on_commit_callbacks
):
    other = make_user("other.doc@x.test", clinic, Role.CLINICIAN).memberships.get()
    service.practitioners.add(other)
    follow_up = Service.objects.create(
        clinic=clinic, name="Follow-up", slug="follow-up", duration_minutes=20
    )
    follow_up.practitioners.add(service.practitioners.first())
    appointment = book(patient_b, service, at(30, 9))
    waiting("Later", service, earliest=1, latest=4)
    waiting("Other", service, practitioner=other)
    waiting("Wrong", follow_up)
    anyone = waiting("Anyone", service)
    match = waiting("Match", service, practitioner=appointment.practitioner)
    cancel(appointment, django_capture_on_commit_callbacks)
    assert [o.entry for o in WaitlistOffer.objects.order_by("id")] == [anyone, match]


def test_it_only_offers_earlier_than_the_appointment_to_bring_forward(
    clinic, service, patient_a, patient_b, waiting, django_capture_on_commit_callbacks
):
    later = book(patient_b, service, at(30, 11))
    earlier_than_freed = book(patient_a, service, at(30, 10))
    waiting_patient = make_patient(clinic, given_name="Eve", email="eve@mail.test")
    own = book(waiting_patient, service, at(1, 9))
    do_join_waitlist(
        STAFF,
        patient=patient_a,
        service=service,
        earliest_date=date(30),
        latest_date=date(30),
        current_appointment=earlier_than_freed,
    )
    entry = do_join_waitlist(
        STAFF,
        patient=waiting_patient,
        service=service,
        earliest_date=date(30),
        latest_date=date(1),
        current_appointment=own,
    )
    cancel(later, django_capture_on_commit_callbacks)
    # 11:00 is later than patient A's 10:00, but earlier than Eve's 1 December.
    assert [o.entry for o in WaitlistOffer.objects.all()] == [entry]


def test_a_slot_that_is_not_free_after_all_is_not_offered(
    service, patient_a, patient_b, waiting, django_capture_on_commit_callbacks
):
    appointment = book(patient_b, service, at(30, 9))
    waiting("Ann", service)
    with django_capture_on_commit_callbacks(execute=True):
        do_cancel_appointment(STAFF, appointment)
        # Booked again before the cancellation's offers went out.
        book(patient_a, service, at(30, 9))
    assert WaitlistOffer.objects.count() == 0
    assert offer_mails() == []


def test_the_patient_who_cancels_is_not_offered_their_own_slot(
    service, waiting, django_capture_on_commit_callbacks
):
    entry = waiting("Ann", service)
    appointment = book(entry.patient, service, at(30, 9))
    cancel(appointment, django_capture_on_commit_callbacks)
    assert WaitlistOffer.objects.count() == 0


def test_a_move_offers_the_old_time(
    service, patient_b, waiting, django_capture_on_commit_callbacks
):
    appointment = book(patient_b, service, at(30, 9))
    entry = waiting("Ann", service)
    with django_capture_on_commit_callbacks(execute=True):
        do_reschedule_appointment(STAFF, appointment, start=at(2, 11))
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.start) == (entry, at(30, 9))


def test_an_offer_close_to_the_slot_expires_at_the_minimum_notice(
    service, patient_b, waiting, django_capture_on_commit_callbacks
):
    thursday_9 = dt.datetime(2026, 11, 26, 9, tzinfo=NEW_YORK)
    appointment = book(patient_b, service, thursday_9)
    waiting("Ann", service, earliest=thursday_9.date())
    # At 23:00 the evening before: 10 hours away, and the service needs 2 hours' notice.
    with time_machine.travel(thursday_9 - dt.timedelta(hours=10), tick=False):
        cancel(appointment, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    assert offer.expires_at == thursday_9 - dt.timedelta(hours=2)


# Confirming ------------------------------------------------------------------------


@pytest.fixture
def offered(service, patient_b, waiting, django_capture_on_commit_callbacks):
    """Monday 09:00 freed and offered to Ann, then Ben."""
    appointment = book(patient_b, service, at(30, 9))
    waiting("Ann", service)
    waiting("Ben", service)
    cancel(appointment, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    return list(WaitlistOffer.objects.order_by("id"))


def test_the_first_to_confirm_books_the_slot(offered):
    ann, ben = offered
    appointment = do_accept_waitlist_offer(STAFF, ann)
    assert appointment.start == at(30, 9)
    assert appointment.source == "waitlist"
    assert appointment.patient == ann.entry.patient
    ann.refresh_from_db()
    ann.entry.refresh_from_db()
    ben.refresh_from_db()
    assert ann.status == "accepted"
    assert (ann.entry.status, ann.entry.booked_appointment) == ("booked", appointment)
    assert ben.status == "gone"
    event = AuditEvent.objects.get(code=Event.WAITLIST_ACCEPTED)
    assert event.payload["gone"] == [ben.pk]


def test_the_second_to_confirm_loses_and_stays_waiting(offered, patient_a):
    ann, ben = offered
    # Someone outside the waitlist books the slot first.
    book(patient_a, ann.entry.service, at(30, 9))
    assert do_accept_waitlist_offer(STAFF, ben) is None
    ben.refresh_from_db()
    assert ben.status == "gone"
    assert ben.entry.status == "waiting"
    assert Appointment.objects.filter(patient=ben.entry.patient).count() == 0


def test_a_gone_offer_cannot_be_confirmed(offered):
    ann, ben = offered
    do_accept_waitlist_offer(STAFF, ann)
    with pytest.raises(OfferClosed, match="confirmed it first"):
        do_accept_waitlist_offer(STAFF, ben)


def test_an_offer_cannot_be_confirmed_twice(offered):
    ann, _ = offered
    do_accept_waitlist_offer(STAFF, ann)
    with pytest.raises(OfferClosed, match="already confirmed"):
        do_accept_waitlist_offer(STAFF, ann)
    assert Appointment.objects.filter(source="waitlist").count() == 1


def test_an_expired_offer_cannot_be_confirmed(offered):
    ann, _ = offered
    with pytest.raises(OfferClosed, match="expired"):
        do_accept_waitlist_offer(STAFF, ann, now=ann.expires_at)


def test_confirming_closes_the_patients_offers_of_other_slots(offered, service):
    ann, _ = offered
    other_slot = WaitlistOffer.objects.create(
        entry=ann.entry,
        start=at(1, 10),
        practitioner=ann.practitioner,
        expires_at=NOW + dt.timedelta(hours=12),
    )
    do_accept_waitlist_offer(STAFF, ann)
    other_slot.refresh_from_db()
    assert other_slot.status == "declined"
    with pytest.raises(OfferClosed, match="already booked an earlier time"):
        do_accept_waitlist_offer(STAFF, other_slot)


def test_an_offer_closes_when_the_patient_leaves(offered):
    ann, _ = offered
    do_leave_waitlist(STAFF, ann.entry)
    ann.refresh_from_db()
    assert ann.status == "declined"
    with pytest.raises(OfferClosed, match="no longer on this waitlist"):
        do_accept_waitlist_offer(STAFF, ann)


def test_confirming_cancels_the_appointment_brought_forward_not_late(
    clinic, service, patient_b, django_capture_on_commit_callbacks
):
    patient = make_patient(clinic, given_name="Flo", email="flo@mail.test")
    current = book(patient, service, at(30, 11, 30))
    do_join_waitlist(
        STAFF,
        patient=patient,
        service=service,
        earliest_date=date(30),
        latest_date=date(30),
        current_appointment=current,
    )
    freed = book(patient_b, service, at(30, 9, 30))
    # On the morning itself: well inside the 24-hour cancellation window.
    with time_machine.travel(at(30, 7), tick=False):
        cancel(freed, django_capture_on_commit_callbacks)
        offer = WaitlistOffer.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            appointment = do_accept_waitlist_offer(STAFF, offer)
    current.refresh_from_db()
    assert appointment.start == at(30, 9, 30)
    assert current.status == "cancelled"
    assert current.cancelled_late is False
    assert AuditEvent.objects.get(code=Event.WAITLIST_ACCEPTED).payload["replaced"] == current.pk
    # Patient B's 09:30 went to Flo; Flo's 11:30 is free now, with no one left to offer it.
    assert WaitlistOffer.objects.count() == 1


# The periodic sweep ----------------------------------------------------------------


def test_the_sweep_offers_free_slots_once_per_entry(clinic, service, waiting):
    ann = waiting("Ann", service, earliest=1, latest=4)
    made = offer_free_slots(clinic)
    assert [(o.entry, o.start) for o in made] == [(ann, at(1, 9))]
    assert offer_free_slots(clinic) == []
    # Once the offer has expired unanswered, the next free slot goes out.
    with time_machine.travel(NOW + dt.timedelta(hours=13), tick=False):
        again = offer_free_slots(clinic)
    assert [(o.entry, o.start) for o in again] == [(ann, at(1, 9, 15))]


def test_the_sweep_expires_entries_past_their_last_date(clinic, service, waiting):
    entry = waiting("Ann", service, earliest=30, latest=30)
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        offer_free_slots(clinic)
    entry.refresh_from_db()
    assert entry.status == "expired"
    assert AuditEvent.objects.get(code=Event.WAITLIST_LEFT).payload["status"] == "expired"
