"""Booking by patients themselves: on the public pages (no account), from the portal, and
through a manage link. Also the per-address limit that protects the public booking.

Matching a public booking to a record: an *active* patient of the clinic with the same
email (any case) and date of birth is that patient. Anything less certain (the email
alone, or the name and birth date alone) books under a new record and tells the front
desk what matched, by record number: two records of one person are fixed by a person,
one record of two people is a privacy breach that nobody notices.
"""

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ldnclinic.accounts.client_ip import client_ip
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.actions import do_create_patient
from ldnclinic.patients.models import FUTURE_BIRTH, Patient, phone_validator
from ldnclinic.scheduling.actions import (
    SlotTaken,
    do_book_appointment,
    do_cancel_appointment,
    do_reschedule_appointment,
)
from ldnclinic.scheduling.models import Appointment, AppointmentStatus, BookingSource

# What the booking form asks a new patient is interested in: the conditions the clinics
# treat. The slug is stored with the booking's reason; the label is what people read.
CONDITIONS_OF_INTEREST = (
    ("psoriasis", "Psoriasis"),
    ("atopic-dermatitis", "Atopic dermatitis / eczema"),
    ("vitiligo", "Vitiligo"),
    ("lichen-planopilaris", "Lichen planopilaris"),
    ("hailey-hailey", "Hailey-Hailey disease"),
    ("scars-keloids", "Scars or keloids"),
    ("chronic-wounds", "Chronic wounds"),
    ("acne", "Acne"),
    ("other", "Something else"),
)
CONDITION_LABELS = dict(CONDITIONS_OF_INTEREST)

NOT_PERFORMED = "That practitioner does not perform this service."
MOVE_BY_PHONE = "It is less than {hours} hours before the appointment: to move it, call {contact}."


@dataclass(frozen=True)
class PatientDetails:
    """Who is booking, as typed on the public form or sent to the public API."""

    given_name: str
    family_name: str
    email: str
    phone: str
    birth_date: dt.date

    def cleaned(self, clinic):
        """A stripped copy; raises ValidationError naming each bad field."""
        values = {
            "given_name": (self.given_name or "").strip(),
            "family_name": (self.family_name or "").strip(),
            "email": (self.email or "").strip(),
            "phone": (self.phone or "").strip(),
        }
        errors = {}
        for name, label in (("given_name", "first name"), ("family_name", "last name")):
            if not values[name]:
                errors[name] = [f"Enter your {label}."]
            elif len(values[name]) > 100:
                errors[name] = ["Keep it under 100 characters."]
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = ["Enter a valid email address, like name@example.com."]
        if not values["phone"]:
            errors["phone"] = ["Enter a phone number the clinic can reach you on."]
        else:
            try:
                phone_validator(values["phone"])
            except ValidationError as error:
                errors["phone"] = error.messages
        birth = self.birth_date
        if not isinstance(birth, dt.date):
            errors["birth_date"] = ["Enter your date of birth."]
        elif birth > timezone.localdate(timezone=clinic.tz):
            errors["birth_date"] = [FUTURE_BIRTH]
        elif birth < dt.date(1900, 1, 1):
            errors["birth_date"] = ["The date of birth cannot be before 1900."]
        if errors:
            raise ValidationError(errors)
        return PatientDetails(birth_date=birth, **values)


@dataclass(frozen=True)
class Match:
    patient: Patient | None
    outcome: str  # "exact", "partial" or "new"
    review: str = ""
    matched_ids: tuple[int, ...] = ()


def _mrns(patients):
    shown = [p.mrn for p in patients[:3]]
    more = len(patients) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def match_patient(clinic, details: PatientDetails) -> Match:
    """Which record of `clinic` an online booking belongs to; see the module docstring."""
    same_email = list(
        Patient.objects.filter(clinic=clinic, email__iexact=details.email).order_by("pk")
    )
    exact = [p for p in same_email if p.is_active and p.date_of_birth == details.birth_date]
    if len(exact) > 1:
        # Family members can share an email; the first name then tells them apart.
        exact = [p for p in exact if p.given_name.lower() == details.given_name.lower()] or exact
    if len(exact) == 1:
        patient = exact[0]
        review = ""
        if (patient.given_name.lower(), patient.family_name.lower()) != (
            details.given_name.lower(),
            details.family_name.lower(),
        ):
            review = (
                f"Booked online under {patient.mrn} (email and date of birth matched), "
                f'but the name given was "{details.given_name} {details.family_name}".'
            )
        return Match(patient, "exact", review[:300], (patient.pk,))

    same_name = list(
        Patient.objects.filter(
            clinic=clinic,
            given_name__iexact=details.given_name,
            family_name__iexact=details.family_name,
            date_of_birth=details.birth_date,
        )
        .exclude(email__iexact=details.email)
        .order_by("pk")
    )
    parts = []
    if len(exact) > 1:
        parts.append(
            f"the email, birth date and first name matched several records: {_mrns(exact)}"
        )
    else:
        inactive = [p for p in same_email if p.date_of_birth == details.birth_date]
        other_birth = [p for p in same_email if p.date_of_birth != details.birth_date]
        if inactive:
            parts.append(f"the email and date of birth matched inactive {_mrns(inactive)}")
        if other_birth:
            parts.append(f"the email matched {_mrns(other_birth)} but the date of birth did not")
    if same_name:
        parts.append(f"the name and date of birth matched {_mrns(same_name)} but the email did not")
    if not parts:
        return Match(None, "new")
    review = (
        "New record from an online booking: "
        + "; ".join(parts)
        + ". Check whether it is the same person; nothing was merged."
    )
    matched = tuple(p.pk for p in same_email + same_name)
    return Match(None, "partial", review[:300], matched)


def bookable_practitioner(service, practitioner_id):
    """The Membership `practitioner_id` names, if it performs `service`; None for "first
    available". Another clinic's staff get the same answer as a stranger."""
    if practitioner_id in (None, ""):
        return None
    for membership in service.practitioners.all():
        if str(membership.pk) == str(practitioner_id) and membership.is_active:
            return membership
    raise ValidationError({"practitioner": [NOT_PERFORMED]})


def booking_reason(condition, reason):
    """The appointment's reason: the condition of interest, then the patient's words."""
    label = CONDITION_LABELS.get(condition or "", "")
    reason = (reason or "").strip()
    if label and reason:
        return f"Condition of interest: {label}. {reason}"
    return f"Condition of interest: {label}." if label else reason


def _check_online(service):
    if not service.online_bookable or not service.is_active:
        raise ValidationError({"service": ["This service cannot be booked online."]})


def _new_patients_only(service):
    contact = f" or call {service.clinic.phone}" if service.clinic.phone else ""
    return ValidationError(
        {
            "service": [
                f"{service.name} is for new patients only, and you already have a record "
                f"with {service.clinic.name}. Choose another service{contact}."
            ]
        }
    )


def _replay(service, details, idempotency_key):
    """The appointment a retry with this Idempotency-Key already booked, if any."""
    if not idempotency_key:
        return None
    existing = (
        Appointment.objects.filter(clinic=service.clinic, idempotency_key=idempotency_key)
        .select_related("patient", "clinic", "service")
        .first()
    )
    if existing is None:
        return None
    patient = existing.patient
    if (
        existing.service_id != service.pk
        or patient.email.lower() != details.email.lower()
        or patient.date_of_birth != details.birth_date
    ):
        raise ValidationError("This Idempotency-Key was already used for a different booking.")
    return existing


@transaction.atomic
def do_public_booking(
    actor: Actor,
    *,
    service,
    start,
    details: PatientDetails,
    practitioner=None,
    condition="",
    reason="",
    idempotency_key=None,
    now=None,
) -> tuple[Appointment, bool]:
    """Book `service` at `start` for the person in `details`, finding or creating their
    record. Returns (appointment, created); a repeated idempotency key returns the first
    appointment. One transaction: on any error no patient or appointment is left."""
    now = now or timezone.now()
    _check_online(service)
    details = details.cleaned(service.clinic)
    existing = _replay(service, details, idempotency_key)
    if existing is not None:
        return existing, False
    match = match_patient(service.clinic, details)
    if match.patient is not None and service.new_patients_only:
        raise _new_patients_only(service)
    try:
        with transaction.atomic():
            patient = match.patient or do_create_patient(
                actor,
                service.clinic,
                given_name=details.given_name,
                family_name=details.family_name,
                email=details.email,
                phone=details.phone,
                date_of_birth=details.birth_date,
            )
            appointment, created = do_book_appointment(
                actor,
                patient=patient,
                service=service,
                start=start,
                practitioner=practitioner,
                reason=booking_reason(condition, reason),
                idempotency_key=idempotency_key,
                source=BookingSource.ONLINE,
                now=now,
            )
    except (SlotTaken, ValidationError):
        # A retry racing its first attempt (PostgreSQL: both found no record, both made
        # one) loses here; the savepoint took its new record back. Answer with what
        # the first attempt booked.
        existing = _replay(service, details, idempotency_key)
        if existing is not None:
            return existing, False
        raise
    if match.review:
        appointment.identity_review = match.review
        appointment._history_user = actor.user
        appointment.save(update_fields=["identity_review"])
    record(
        Event.APPOINTMENT_IDENTITY_CHECKED,
        actor,
        patient=patient,
        subject=appointment,
        outcome=match.outcome,
        matched_patients=list(match.matched_ids),
    )
    return appointment, created


@transaction.atomic
def do_portal_booking(
    actor: Actor, *, patient, service, start, practitioner=None, condition="", reason="", now=None
) -> Appointment:
    """A signed-in patient books for themselves."""
    _check_online(service)
    if service.new_patients_only:
        raise _new_patients_only(service)
    appointment, _ = do_book_appointment(
        actor,
        patient=patient,
        service=service,
        start=start,
        practitioner=practitioner,
        reason=booking_reason(condition, reason),
        source=BookingSource.PORTAL,
        now=now,
    )
    return appointment


# Changes by the patient (manage link or portal) -----------------------------------


@dataclass(frozen=True)
class OnlineChanges:
    """What a patient may still do to an appointment themselves."""

    active: bool  # booked and not started: it can be cancelled
    late: bool  # a cancellation now is a late one
    move_refusal: str  # why it cannot be moved online; "" when it can

    @property
    def can_move(self):
        return not self.move_refusal


def online_changes(appointment, now=None) -> OnlineChanges:
    now = now or timezone.now()
    clinic, service = appointment.clinic, appointment.service
    active = (
        appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING)
        and appointment.start > now
    )
    late = active and appointment.start - now < dt.timedelta(hours=clinic.cancellation_window_hours)
    contact = clinic.phone or clinic.email or clinic.name
    if not active:
        refusal = "This appointment can no longer be changed online."
    elif late:
        refusal = MOVE_BY_PHONE.format(hours=clinic.cancellation_window_hours, contact=contact)
    elif not (service.online_bookable and service.is_active):
        # Booked by the staff for a service the clinic does not offer online.
        refusal = f"To move this appointment, please contact {contact}."
    else:
        refusal = ""
    return OnlineChanges(active=active, late=late, move_refusal=refusal)


@transaction.atomic
def do_reschedule_online(actor: Actor, appointment, *, start, practitioner=None, now=None):
    """The patient moves their own appointment: only outside the clinic's window."""
    now = now or timezone.now()
    changes = online_changes(appointment, now)
    if not changes.can_move:
        raise ValidationError(changes.move_refusal)
    return do_reschedule_appointment(
        actor, appointment, start=start, practitioner=practitioner, now=now
    )


@transaction.atomic
def do_cancel_online(actor: Actor, appointment, *, now=None):
    """The patient cancels; inside the window it is allowed but recorded as late."""
    now = now or timezone.now()
    if not online_changes(appointment, now).active:
        raise ValidationError("This appointment can no longer be changed online.")
    return do_cancel_appointment(actor, appointment, reason="Cancelled by the patient", now=now)


# Rate limit -------------------------------------------------------------------------

RATE_WINDOW_SECONDS = 3600


def take_booking_attempt(request) -> int | None:
    """Count one public booking attempt (limit settings.PUBLIC_BOOKING_PER_HOUR)."""
    return take_hourly_attempt(request, "public-booking", settings.PUBLIC_BOOKING_PER_HOUR)


def take_hourly_attempt(request, scope: str, limit: int) -> int | None:
    """Count one attempt at `scope` from the request's address. None when allowed; when
    over `limit` this hour, the seconds until the next hour starts."""
    return take_hourly_claim(f"{scope}:{client_ip(request) or 'unknown'}", limit)


def hourly_claims_used_up(key: str, limit: int) -> bool:
    """Whether `key` has used its `limit` claims this hour (read only; the ...:next hint
    can lag a racing claim by one, which a lockout can afford)."""
    window = int(time.time() // RATE_WINDOW_SECONDS)
    return cache.get(f"{key}:{window}:next", 0) >= limit


def take_hourly_claim(key: str, limit: int) -> int | None:
    """Count one attempt under `key`. None when allowed; when over `limit` this hour, the
    seconds until the next hour starts.

    Counting uses only `cache.add`, which is atomic on every shared backend (a database
    row insert, memcached, redis), whereas `cache.incr` is a read then a write on the
    database cache: attempt number n claims the key ...:n, so however many workers race,
    at most `limit` claims succeed per hour. The ...:next key is only a hint where to
    start claiming."""
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    base = f"{key}:{window}"
    timeout = RATE_WINDOW_SECONDS + 60
    first = cache.get(f"{base}:next", 0)
    for attempt in range(min(first, limit), limit):
        if cache.add(f"{base}:{attempt}", 1, timeout=timeout):
            cache.set(f"{base}:next", attempt + 1, timeout=timeout)
            return None
    return max(int((window + 1) * RATE_WINDOW_SECONDS - now), 1)
