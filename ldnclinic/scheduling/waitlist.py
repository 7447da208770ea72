"""The waitlist: patients asking for an earlier slot, and offers of slots that free up.

A freed slot (a cancellation or a move, through the hooks in `actions`, or any free slot
`offer_free_slots` finds) is offered by email to up to OFFERS_PER_SLOT waiting patients at
once, in the order they joined. The first to confirm books it through
`do_book_appointment`, which re-checks the slot inside its transaction: a later
confirmation loses with SlotTaken, and that offer is marked gone."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.models import Patient
from ldnclinic.scheduling.actions import SlotTaken, do_book_appointment, do_cancel_appointment
from ldnclinic.scheduling.availability import MAX_SEARCH_DAYS, find_service_slots
from ldnclinic.scheduling.links import offer_token
from ldnclinic.scheduling.models import (
    AppointmentStatus,
    BookingSource,
    Service,
    WaitlistEntry,
    WaitlistOffer,
)
from ldnclinic.scheduling.notify import absolute, clinic_contact, short_when, when_text

OFFERS_PER_SLOT = 3
OFFER_LIFETIME = dt.timedelta(hours=12)
NOTE_MAX = 300
# A current appointment in one of these can still be brought forward (and cancelled).
MOVABLE = (AppointmentStatus.BOOKED, AppointmentStatus.PENDING)

Status = WaitlistEntry.Status
OfferStatus = WaitlistOffer.Status


# Why an offer cannot be taken up: a title and a message for the patient.
CLOSED = {
    "accepted": (
        "You are already booked",
        "You have already confirmed this offer: the appointment is booked.",
    ),
    "booked": (
        "You are already booked",
        "You have already booked an earlier time from the waitlist.",
    ),
    "left": ("This offer was withdrawn", "You are no longer on this waitlist."),
    "gone": (
        "Someone else took this time",
        "Another person on the waitlist confirmed it first. You stay on the waitlist: "
        "we will email you when another time frees up.",
    ),
    "withdrawn": ("This offer was withdrawn", "This offer is no longer open."),
    "expired": (
        "This offer has expired",
        "This offer has expired. If you are still on the waitlist, we will email you "
        "when another time frees up.",
    ),
}


class OfferClosed(Exception):
    """The offer cannot be taken up any more; `code` is a key of CLOSED."""

    def __init__(self, code):
        self.code = code
        self.title, message = CLOSED[code]
        super().__init__(message)


def local_today(clinic, now):
    return now.astimezone(clinic.tz).date()


def last_bookable_date(service, now):
    return (now + dt.timedelta(days=service.horizon_days)).astimezone(service.clinic.tz).date()


def _long_date(day):
    return f"{day:%A} {day.day} {day:%B %Y}"


# Joining and leaving ---------------------------------------------------------------


def _join_errors(
    patient, service, earliest, latest, practitioner, current, note, by_staff, now
) -> dict:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if patient.clinic_id != service.clinic_id:
        add("patient", "That patient belongs to another clinic.")
    elif not patient.is_active:
        add("patient", "That patient's record is inactive.")
    if not service.is_active:
        add("service", "That service is not offered any more.")
    elif not service.online_bookable and not by_staff:
        add("service", "This service is booked through the clinic: please call or email us.")
    today = local_today(service.clinic, now)
    if earliest < today:
        add("earliest_date", "The first date cannot be in the past.")
    if latest < earliest:
        add("latest_date", "The last date must not be before the first.")
    last = last_bookable_date(service, now)
    if latest > last:
        add(
            "latest_date",
            f"{service.name} can be booked at most {service.horizon_days} days ahead: "
            f"choose {_long_date(last)} or earlier.",
        )
    if practitioner is not None and (
        practitioner.clinic_id != service.clinic_id
        or not practitioner.is_active
        or not service.practitioners.filter(pk=practitioner.pk).exists()
    ):
        add("practitioner", "That practitioner does not perform this service.")
    if current is not None:
        if current.patient_id != patient.pk:
            add("current_appointment", "Choose one of the patient's own appointments.")
        elif current.service_id != service.pk:
            add("current_appointment", f"Choose an appointment for {service.name}.")
        elif current.status not in MOVABLE or current.start <= now:
            add("current_appointment", "That appointment is no longer coming up.")
        else:
            current_day = current.start.astimezone(service.clinic.tz).date()
            if latest > current_day:
                add(
                    "latest_date",
                    "To bring your appointment forward, the last date must be on or before "
                    f"it ({_long_date(current_day)}).",
                )
    if len(note) > NOTE_MAX:
        add("note", f"Keep the note under {NOTE_MAX} characters.")
    return errors


@transaction.atomic
def do_join_waitlist(
    actor: Actor,
    *,
    patient,
    service,
    earliest_date,
    latest_date,
    practitioner=None,
    current_appointment=None,
    note="",
    by_staff=False,
    now=None,
) -> WaitlistEntry:
    """Put `patient` on the waitlist of `service`. Staff (`by_staff`) may also add
    patients for services that are not booked online."""
    now = now or timezone.now()
    note = (note or "").strip()
    errors = _join_errors(
        patient,
        service,
        earliest_date,
        latest_date,
        practitioner,
        current_appointment,
        note,
        by_staff,
        now,
    )
    if errors:
        raise ValidationError(errors)
    # Serialise joins per patient, so that two quick submissions cannot both pass the
    # one-entry-per-service check (SQLite's IMMEDIATE transactions do this already).
    list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
    existing = WaitlistEntry.objects.filter(
        patient=patient, service=service, status=Status.WAITING
    ).first()
    if existing is not None:
        who = "This patient is" if by_staff else "You are"
        raise ValidationError(
            {
                "service": [
                    f"{who} already on the waitlist for {service.name} "
                    f"(since {_long_date(existing.created_at.astimezone(service.clinic.tz))}). "
                    "Leave that entry first to change the dates."
                ]
            }
        )
    entry = WaitlistEntry(
        clinic=service.clinic,
        patient=patient,
        service=service,
        practitioner=practitioner,
        current_appointment=current_appointment,
        earliest_date=earliest_date,
        latest_date=latest_date,
        note=note,
    )
    entry._history_user = actor.user
    entry.save()
    record(
        Event.WAITLIST_JOINED,
        actor,
        patient=patient,
        subject=entry,
        service=service.slug,
        earliest=earliest_date.isoformat(),
        latest=latest_date.isoformat(),
        practitioner=getattr(practitioner, "pk", None),
        current_appointment=getattr(current_appointment, "pk", None),
        by_staff=by_staff,
    )
    return entry


def _close_entry(actor, entry, status, now, **payload):
    entry.status = status
    entry._history_user = actor.user
    entry.save(update_fields=["status"])
    entry.offers.filter(status=OfferStatus.OPEN).update(
        status=OfferStatus.DECLINED, responded_at=now
    )
    record(
        Event.WAITLIST_LEFT,
        actor,
        patient=entry.patient,
        subject=entry,
        service=entry.service.slug,
        status=status,
        **payload,
    )


@transaction.atomic
def do_leave_waitlist(actor: Actor, entry, *, by_staff=False, now=None) -> WaitlistEntry:
    """Take a waiting entry off the list; its open offers close."""
    now = now or timezone.now()
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != Status.WAITING:
        raise ValidationError("This entry is no longer on the waitlist.")
    _close_entry(actor, entry, Status.WITHDRAWN, now, by_staff=by_staff)
    return entry


def expire_waitlist_entries(clinic, now) -> int:
    """Entries whose last date has passed leave the list."""
    today = local_today(clinic, now)
    actor = Actor.system(via="system")
    stale = WaitlistEntry.objects.filter(
        clinic=clinic, status=Status.WAITING, latest_date__lt=today
    ).select_related("patient", "service")
    count = 0
    for entry in stale:
        with transaction.atomic():
            _close_entry(actor, entry, Status.EXPIRED, now, reason="last date passed")
        count += 1
    return count


# Offering --------------------------------------------------------------------------


def open_offers(now):
    return WaitlistOffer.objects.filter(status=OfferStatus.OPEN, expires_at__gt=now)


def offer_expiry(service, start, now):
    """The earlier of OFFER_LIFETIME from now and the last moment the slot may be booked."""
    return min(now + OFFER_LIFETIME, start - dt.timedelta(hours=service.min_notice_hours))


@dataclass
class _OfferBook:
    """What is already offered for a service: who was offered which slot, and how many
    offers per slot are still open."""

    offered: set  # (entry id, start, practitioner id), any status
    open_per_slot: Counter  # (start, practitioner id) -> open offers
    holding_open: set  # entry ids with an open offer

    @classmethod
    def load(cls, service, now):
        offered = set(
            WaitlistOffer.objects.filter(
                entry__service=service, entry__status=Status.WAITING
            ).values_list("entry_id", "start", "practitioner_id")
        )
        open_rows = list(
            open_offers(now)
            .filter(entry__service=service, entry__status=Status.WAITING)
            .values_list("entry_id", "start", "practitioner_id")
        )
        return cls(
            offered={(e, s.astimezone(dt.UTC), p) for e, s, p in offered},
            open_per_slot=Counter((s.astimezone(dt.UTC), p) for _, s, p in open_rows),
            holding_open={e for e, _, _ in open_rows},
        )


def _waiting_entries(service):
    # Lock the service's waiting entries first: a cancellation hook and the periodic
    # command offering at once would otherwise both see room for offers on one slot.
    list(
        WaitlistEntry.objects.select_for_update()
        .filter(service=service, status=Status.WAITING)
        .values_list("pk", flat=True)
    )
    return list(
        WaitlistEntry.objects.filter(
            service=service, status=Status.WAITING, patient__is_active=True
        )
        .exclude(patient__email="")
        .select_related("patient", "current_appointment")
        .order_by("created_at", "id")
    )


def _entry_wants(entry, slot, tz):
    day = slot.start.astimezone(tz).date()
    if not entry.earliest_date <= day <= entry.latest_date:
        return False
    if entry.practitioner_id is not None and entry.practitioner_id != slot.practitioner_id:
        return False
    current = entry.current_appointment
    # Bringing forward means earlier than the appointment the patient already has.
    return current is None or current.status not in MOVABLE or slot.start < current.start


def _offer_slot(service, slot, entries, book, now, *, skip=()):
    """Offer `slot` to the next matching entries, as many as there is room for."""
    key = (slot.start.astimezone(dt.UTC), slot.practitioner_id)
    room = OFFERS_PER_SLOT - book.open_per_slot[key]
    made = []
    for entry in entries:
        if room <= 0:
            break
        if entry.pk in skip or (entry.pk, *key) in book.offered:
            continue
        if not _entry_wants(entry, slot, service.clinic.tz):
            continue
        made.append(_make_offer(service, entry, slot, now))
        book.offered.add((entry.pk, *key))
        book.open_per_slot[key] += 1
        book.holding_open.add(entry.pk)
        room -= 1
    return made


def _make_offer(service, entry, slot, now):
    offer = WaitlistOffer.objects.create(
        entry=entry,
        start=slot.start,
        practitioner_id=slot.practitioner_id,
        expires_at=offer_expiry(service, slot.start, now),
    )
    record(
        Event.WAITLIST_OFFERED,
        Actor.system(via="system"),
        patient=entry.patient,
        subject=entry,
        offer=offer.pk,
        start=slot.start.isoformat(),
        practitioner=slot.practitioner_id,
        expires=offer.expires_at.isoformat(),
    )
    transaction.on_commit(lambda: send_offer_email(offer.pk), robust=True)
    return offer


@transaction.atomic
def offer_freed_slot(service_id, practitioner_id, start, *, freed_by_patient_id=None, now=None):
    """Called once a cancellation or a move has committed: offer the freed time to the
    service's waitlist, if it is still a free slot. Returns the offers made."""
    now = now or timezone.now()
    service = Service.objects.select_related("clinic", "resource").get(pk=service_id)
    if not service.is_active:
        return []
    entries = [e for e in _waiting_entries(service) if e.patient_id != freed_by_patient_id]
    if not entries:
        return []
    day = start.astimezone(service.clinic.tz).date()
    free = find_service_slots(service, day, day, practitioner_ids={practitioner_id}, now=now)
    slot = next((s for s in free if s.start == start), None)
    if slot is None:
        return []
    return _offer_slot(service, slot, entries, _OfferBook.load(service, now), now)


def offer_free_slots(clinic, now=None) -> list[WaitlistOffer]:
    """Offer free slots to waiting entries of every service of `clinic`: for slots that
    freed up other than by a cancellation or a move (hours added, time off removed), and
    to re-offer slots whose offers expired. Run it periodically (offer_waitlist_slots).
    Each entry holds at most one open offer from this sweep, so runs do not pile up
    emails; entries past their last date leave the list first."""
    now = now or timezone.now()
    expire_waitlist_entries(clinic, now)
    made = []
    services = Service.objects.filter(
        clinic=clinic, is_active=True, waitlist__status=Status.WAITING
    ).distinct()
    for service in services.select_related("clinic", "resource"):
        with transaction.atomic():
            made += _offer_service_slots(service, now)
    return made


def _offer_service_slots(service, now):
    entries = _waiting_entries(service)
    if not entries:
        return []
    first = max(local_today(service.clinic, now), min(e.earliest_date for e in entries))
    last = min(
        max(e.latest_date for e in entries),
        last_bookable_date(service, now),
        first + dt.timedelta(days=MAX_SEARCH_DAYS - 1),
    )
    if last < first:
        return []
    book = _OfferBook.load(service, now)
    made = []
    for slot in find_service_slots(service, first, last, now=now):
        if all(e.pk in book.holding_open for e in entries):
            break
        made += _offer_slot(service, slot, entries, book, now, skip=book.holding_open)
    return made


def offer_url(offer):
    return absolute(reverse("waitlist_offer", args=[offer_token(offer)]))


def offer_context(offer):
    """What an offer email or page shows: service, time, place, clinic contact."""
    entry = offer.entry
    service, clinic = entry.service, entry.clinic
    if service.location_id:
        location = service.location
        place = ", ".join(p for p in (location.name, location.address_line1, location.city) if p)
    else:
        place = clinic.name
    current = entry.current_appointment
    if current is not None and (current.status not in MOVABLE or current.start <= offer.start):
        current = None
    tz = clinic.tz
    return {
        "offer": offer,
        "service": service,
        "clinic": clinic,
        "when": when_text(offer.start, offer.start + service.duration, tz),
        "minutes": service.duration_minutes,
        "expires": short_when(offer.expires_at, tz),
        "place": place,
        "contact": clinic_contact(clinic),
        "practitioner": offer.practitioner.user.full_name,
        "current": current,
        "current_when": short_when(current.start, tz) if current else "",
    }


def send_offer_email(offer_id):
    offer = WaitlistOffer.objects.select_related(
        "entry__clinic",
        "entry__service__location",
        "entry__patient",
        "entry__current_appointment",
        "practitioner__user",
    ).get(pk=offer_id)
    if offer.status != OfferStatus.OPEN:
        return
    context = {**offer_context(offer), "url": offer_url(offer)}
    send_mail(
        subject=f"An earlier appointment is free at {offer.entry.clinic.name}",
        message=render_to_string("scheduling/email/waitlist_offer.txt", context),
        html_message=render_to_string("scheduling/email/waitlist_offer.html", context),
        from_email=None,
        recipient_list=[offer.entry.patient.email],
    )


# Confirming ------------------------------------------------------------------------


def closed_reason(offer, now) -> str:
    """Why `offer` cannot be taken up (a key of CLOSED), or "" if it can."""
    entry = offer.entry
    if offer.status == OfferStatus.ACCEPTED:
        return "accepted"
    if entry.status == Status.BOOKED:
        return "booked"
    if entry.status != Status.WAITING:
        return "left"
    if offer.status == OfferStatus.GONE:
        return "gone"
    if offer.status != OfferStatus.OPEN:
        return "withdrawn"
    if offer.expires_at <= now or offer.start <= now:
        return "expired"
    return ""


@transaction.atomic
def do_accept_waitlist_offer(actor: Actor, offer, *, now=None):
    """Book the offered slot for the entry's patient. Returns the appointment, or None
    when the slot has gone to someone else (the offer is then marked gone and the
    patient stays on the waitlist). Raises OfferClosed for used or expired offers."""
    now = now or timezone.now()
    # Locks, always in this order: the entry (a double click must not book twice), then
    # every offer of the slot by id. Patients confirming one slot at once thus queue
    # here, before booking; were they to lock only their own offer, the winner marking
    # the others gone would wait for a loser that waits for the winner's booking.
    entry = WaitlistEntry.objects.select_for_update().get(pk=offer.entry_id)
    list(
        WaitlistOffer.objects.select_for_update()
        .filter(start=offer.start, practitioner_id=offer.practitioner_id)
        .order_by("pk")
        .values_list("pk")
    )
    offer = WaitlistOffer.objects.get(pk=offer.pk)
    offer.entry = entry
    reason = closed_reason(offer, now)
    if reason:
        raise OfferClosed(reason)
    try:
        appointment, _ = do_book_appointment(
            actor,
            patient=entry.patient,
            service=entry.service,
            start=offer.start,
            practitioner=offer.practitioner,
            source=BookingSource.WAITLIST,
            now=now,
        )
    except (SlotTaken, ValidationError):
        # Taken, or no longer offered (hours changed, too close now): gone either way.
        offer.status, offer.responded_at = OfferStatus.GONE, now
        offer.save(update_fields=["status", "responded_at"])
        return None
    offer.status, offer.responded_at = OfferStatus.ACCEPTED, now
    offer.save(update_fields=["status", "responded_at"])
    # The practitioner is busy at that time now, whichever service another offer was for.
    same_slot = open_offers(now).filter(start=offer.start, practitioner=offer.practitioner_id)
    gone = list(same_slot.exclude(pk=offer.pk).values_list("pk", flat=True))
    WaitlistOffer.objects.filter(pk__in=gone).update(status=OfferStatus.GONE, responded_at=now)
    entry.status, entry.booked_appointment = Status.BOOKED, appointment
    entry._history_user = actor.user
    entry.save(update_fields=["status", "booked_appointment"])
    # The patient's offers of other slots close; one locked by someone confirming that
    # slot right now is left to them (closed_reason already refuses it for this entry).
    others = WaitlistOffer.objects.select_for_update(skip_locked=True).filter(
        entry=entry, status=OfferStatus.OPEN
    )
    WaitlistOffer.objects.filter(pk__in=list(others.values_list("pk", flat=True))).update(
        status=OfferStatus.DECLINED, responded_at=now
    )
    replaced = entry.current_appointment
    if replaced is not None and replaced.status in MOVABLE and replaced.start > now:
        # The patient asked for this: moving earlier is never a late cancellation.
        do_cancel_appointment(
            actor, replaced, reason="Brought forward from the waitlist", now=now, late=False
        )
    else:
        replaced = None
    record(
        Event.WAITLIST_ACCEPTED,
        actor,
        patient=entry.patient,
        subject=entry,
        offer=offer.pk,
        appointment=appointment.pk,
        replaced=getattr(replaced, "pk", None),
        gone=gone,
    )
    return appointment
