"""Booking, rescheduling, cancelling: every change to an appointment goes through here.

No double booking: on SQLite the transaction is IMMEDIATE (settings), so the re-check of
the slot inside it cannot race; on PostgreSQL the exclusion constraints of migration 0002
refuse an overlap that slips between the check and the insert.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.scheduling import notify, slots
from ldnclinic.scheduling.availability import find_service_slots, rule_for
from ldnclinic.scheduling.models import (
    HOLDING_STATUSES,
    Appointment,
    AppointmentStatus,
    BookingSource,
    new_nonce,
)

NEXT_SLOTS = 5


class SlotTaken(Exception):
    """Someone else holds that time; `next_slots` are the next free ones."""

    def __init__(self, next_slots, tz):
        super().__init__("That time has just been taken.")
        self.next_slots = next_slots
        self.tz = tz


def next_free_slots(service, after, practitioner_ids=None, count=NEXT_SLOTS):
    tz = service.clinic.tz
    first = after.astimezone(tz).date()
    found = find_service_slots(
        service, first, first + dt.timedelta(days=13), practitioner_ids=practitioner_ids
    )
    return [s for s in found if s.start >= after][:count]


def _why_not_offered(service, start, now):
    """A specific reason why `start` is not an offered slot, ignoring other bookings."""
    rule = rule_for(service)
    if start <= now:
        return "That time is in the past."
    if start < now + rule.min_notice:
        return f"This service needs {service.min_notice_hours} hours' notice."
    if start >= now + rule.horizon:
        return f"This service can be booked at most {service.horizon_days} days ahead."
    return "That time is not offered: outside working hours or off the booking grid."


def _check_slot(service, practitioner_ids, start, now, *, ignore=None):
    """The practitioner id whose slot `start` is; raises SlotTaken or ValidationError."""
    local_day = start.astimezone(service.clinic.tz).date()
    offered = find_service_slots(
        service,
        local_day,
        local_day,
        practitioner_ids=practitioner_ids,
        now=now,
        ignore_appointment=ignore,
    )
    for slot in offered:
        if slot.start == start:
            return slot.practitioner_id
    free_of_bookings = find_service_slots(
        service,
        local_day,
        local_day,
        practitioner_ids=practitioner_ids,
        now=now,
        ignore_bookings=True,
    )
    if any(slot.start == start for slot in free_of_bookings):
        raise SlotTaken(next_free_slots(service, start, practitioner_ids), service.clinic.tz)
    raise ValidationError({"start": [_why_not_offered(service, start, now)]})


def _resource_unit(service, blocked, ignore=None):
    if not service.resource_id:
        return None
    used = set(
        Appointment.objects.holding()
        .filter(resource_id=service.resource_id)
        .overlapping(blocked.start, blocked.end)
        .exclude(pk=getattr(ignore, "pk", None))
        .values_list("resource_unit", flat=True)
    )
    for unit in range(service.resource.capacity):
        if unit not in used:
            return unit
    return -1


def _practitioner_ids(service, practitioner):
    performers = {m.pk for m in service.practitioners.all() if m.is_active}
    if practitioner is None:
        return performers
    if practitioner.pk not in performers:
        raise ValidationError(
            {"practitioner": ["That practitioner does not perform this service."]}
        )
    return {practitioner.pk}


def _replayed(service, patient, idempotency_key):
    """The appointment an earlier request with this Idempotency-Key booked, if any."""
    if not idempotency_key:
        return None
    existing = Appointment.objects.filter(
        clinic=service.clinic, idempotency_key=idempotency_key
    ).first()
    if existing is not None and (
        existing.patient_id != patient.pk or existing.service_id != service.pk
    ):
        raise ValidationError("This Idempotency-Key was already used for a different booking.")
    return existing


def _save_holding(appointment, service, start, *, ignore=None):
    """Insert or update inside a savepoint; an exclusion-constraint refusal is a lost race.

    When another booking took our resource unit in the meantime (PostgreSQL: both saw it
    free), a still-free unit is tried before giving up."""
    blocked = slots.Interval(appointment.blocked_start, appointment.blocked_end)
    tries = service.resource.capacity if service.resource_id else 1
    for _ in range(tries):
        try:
            with transaction.atomic():
                appointment.save()
            return
        except IntegrityError as error:
            if "overlap" not in str(error):
                raise
            if "appointment_no_resource_overlap" in str(error):
                unit = _resource_unit(service, blocked, ignore=ignore)
                if unit not in (-1, appointment.resource_unit):
                    appointment.resource_unit = unit
                    continue
            raise SlotTaken(next_free_slots(service, start), service.clinic.tz) from error
    raise SlotTaken(next_free_slots(service, start), service.clinic.tz)


@transaction.atomic
def do_book_appointment(
    actor: Actor,
    *,
    patient,
    service,
    start,
    practitioner=None,
    reason="",
    telehealth=False,
    idempotency_key=None,
    source=BookingSource.STAFF,
    now=None,
) -> tuple[Appointment, bool]:
    """Book `service` for `patient` at `start`. Returns (appointment, created); a repeated
    idempotency key returns the first appointment and created=False."""
    now = now or timezone.now()
    existing = _replayed(service, patient, idempotency_key)
    if existing is not None:
        return existing, False
    if patient.clinic_id != service.clinic_id:
        raise ValidationError({"patient": ["That patient belongs to another clinic."]})
    if not patient.is_active:
        raise ValidationError({"patient": ["That patient's record is inactive."]})
    if not service.is_active:
        raise ValidationError({"service": ["That service is not offered any more."]})
    if telehealth and not service.telehealth_allowed:
        raise ValidationError({"telehealth": ["This service is not offered by video."]})
    if start.tzinfo is None:
        raise ValidationError({"start": ["Give the time with its UTC offset."]})
    start = start.astimezone(dt.UTC)
    try:
        practitioner_id = _check_slot(service, _practitioner_ids(service, practitioner), start, now)
        rule = rule_for(service)
        blocked = rule.blocked(start)
        unit = _resource_unit(service, blocked)
        if unit == -1:
            raise SlotTaken(next_free_slots(service, start), service.clinic.tz)
        appointment = Appointment(
            clinic=service.clinic,
            patient=patient,
            service=service,
            practitioner_id=practitioner_id,
            location=service.location,
            resource=service.resource,
            resource_unit=unit,
            start=start,
            end=start + rule.duration,
            blocked_start=blocked.start,
            blocked_end=blocked.end,
            status=AppointmentStatus.BOOKED,
            telehealth=telehealth,
            reason=reason.strip()[:500],
            idempotency_key=idempotency_key,
            source=source,
        )
        # Field checks only: the related rows are the objects in hand (full_clean would fetch
        # each again), and the database enforces the constraints (times in order, overlaps).
        appointment.clean_fields(
            exclude=["clinic", "patient", "service", "practitioner", "location", "resource"]
        )
        appointment._history_user = actor.user
        _save_holding(appointment, service, start)
    except (SlotTaken, IntegrityError):
        # On PostgreSQL a retry racing its first attempt loses to it here (the slot or
        # the key is taken by then): answer with what the first attempt booked.
        existing = _replayed(service, patient, idempotency_key)
        if existing is not None:
            return existing, False
        raise
    record(
        Event.APPOINTMENT_BOOKED,
        actor,
        patient=patient,
        subject=appointment,
        service=service.slug,
        start=start.isoformat(),
        practitioner=practitioner_id,
    )
    notify.queue_appointment_email(appointment, notify.CONFIRMATION)
    return appointment, True


@transaction.atomic
def do_reschedule_appointment(actor: Actor, appointment, *, start, practitioner=None, now=None):
    now = now or timezone.now()
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING):
        raise ValidationError("Only a booked appointment can be moved.")
    service = appointment.service
    if start.tzinfo is None:
        raise ValidationError({"start": ["Give the time with its UTC offset."]})
    start = start.astimezone(dt.UTC)
    before = {"start": appointment.start.isoformat(), "practitioner": appointment.practitioner_id}
    freed = (appointment.start, appointment.practitioner_id)
    practitioner_id = _check_slot(
        service, _practitioner_ids(service, practitioner), start, now, ignore=appointment
    )
    rule = rule_for(service)
    blocked = rule.blocked(start)
    unit = _resource_unit(service, blocked, ignore=appointment)
    if unit == -1:
        raise SlotTaken(next_free_slots(service, start), service.clinic.tz)
    appointment.practitioner_id = practitioner_id
    appointment.start, appointment.end = start, start + rule.duration
    appointment.blocked_start, appointment.blocked_end = blocked.start, blocked.end
    appointment.resource_unit = unit
    # A new nonce: the manage link in earlier emails stops working.
    appointment.manage_nonce = new_nonce()
    appointment._history_user = actor.user
    _save_holding(appointment, service, start, ignore=appointment)
    record(
        Event.APPOINTMENT_RESCHEDULED,
        actor,
        patient=appointment.patient,
        subject=appointment,
        before=before,
        after={"start": start.isoformat(), "practitioner": practitioner_id},
    )
    notify.queue_appointment_email(appointment, notify.RESCHEDULED, previous_start=freed[0])
    _offer_to_waitlist(appointment, *freed)
    from ldnclinic.series.actions import shift_after_reschedule  # series books through here

    # A plan session moved: the later sessions of its series follow.
    shift_after_reschedule(actor, appointment, now=now)
    return appointment


@transaction.atomic
def do_cancel_appointment(actor: Actor, appointment, *, reason="", now=None, late=None):
    """Cancel; `late` overrides the policy window (None: late if inside it)."""
    now = now or timezone.now()
    if appointment.status not in HOLDING_STATUSES or appointment.status in (
        AppointmentStatus.ARRIVED,
        AppointmentStatus.FULFILLED,
    ):
        raise ValidationError("This appointment cannot be cancelled.")
    window = dt.timedelta(hours=appointment.clinic.cancellation_window_hours)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancelled_late = appointment.start - now < window if late is None else late
    appointment.manage_nonce = new_nonce()
    appointment._history_user = actor.user
    appointment.save(update_fields=["status", "cancelled_at", "cancelled_late", "manage_nonce"])
    record(
        Event.APPOINTMENT_CANCELLED,
        actor,
        patient=appointment.patient,
        subject=appointment,
        late=appointment.cancelled_late,
        reason=reason.strip()[:200],
    )
    notify.queue_appointment_email(appointment, notify.CANCELLED)
    _offer_to_waitlist(appointment, appointment.start, appointment.practitioner_id)
    return appointment


def _offer_to_waitlist(appointment, start, practitioner_id):
    """Once the change has committed, offer the freed time to the service's waitlist.
    `robust`: a failure there (an email server down) must not fail the cancellation."""
    from ldnclinic.scheduling.waitlist import offer_freed_slot  # it books through here

    service_id, patient_id = appointment.service_id, appointment.patient_id
    transaction.on_commit(
        lambda: offer_freed_slot(
            service_id, practitioner_id, start, freed_by_patient_id=patient_id
        ),
        robust=True,
    )


# Which status may follow which, at the desk.
STATUS_MOVES = {
    AppointmentStatus.BOOKED: {AppointmentStatus.ARRIVED, AppointmentStatus.NOSHOW},
    AppointmentStatus.PENDING: {AppointmentStatus.BOOKED},
    AppointmentStatus.ARRIVED: {AppointmentStatus.FULFILLED},
}


@transaction.atomic
def do_set_appointment_status(actor: Actor, appointment, status, *, now=None):
    now = now or timezone.now()
    allowed = STATUS_MOVES.get(appointment.status, set())
    if status not in allowed:
        names = ", ".join(sorted(allowed)) or "nothing"
        raise ValidationError(
            {"status": [f"A {appointment.status} appointment can become: {names}."]}
        )
    if status in (AppointmentStatus.ARRIVED, AppointmentStatus.NOSHOW) and (
        appointment.start - now > dt.timedelta(hours=12)
    ):
        raise ValidationError({"status": ["That is too early: the appointment is not today."]})
    before = appointment.status
    appointment.status = status
    appointment._history_user = actor.user
    appointment.save(update_fields=["status"])
    record(
        Event.APPOINTMENT_STATUS_CHANGED,
        actor,
        patient=appointment.patient,
        subject=appointment,
        before=before,
        after=status,
    )
    return appointment


@transaction.atomic
def do_clear_identity_review(actor: Actor, appointment):
    """The front desk has checked who booked online: clear the partial-match flag."""
    if not appointment.identity_review:
        raise ValidationError("This booking has no identity check pending.")
    before = appointment.identity_review
    appointment.identity_review = ""
    appointment._history_user = actor.user
    appointment.save(update_fields=["identity_review"])
    record(
        Event.APPOINTMENT_IDENTITY_CONFIRMED,
        actor,
        patient=appointment.patient,
        subject=appointment,
        before=before,
    )
    return appointment
