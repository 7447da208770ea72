"""State changes for the clinic's scheduling configuration: services, resources, weekly
working hours, time off and extra hours, and clinic closures.

Each action validates what only it can (another clinic's objects, duplicates, overlaps,
dates in the past), saves with the actor as simple-history's user, and writes one audit
row saying what changed. Nothing here touches appointments: a service or resource is
deactivated, never deleted, so the appointments that use it keep their meaning.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.text import slugify

from ldnclinic.accounts.models import Clinic, Location, Membership, Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.scheduling.models import (
    HOLDING_STATUSES,
    Appointment,
    ClinicClosure,
    Resource,
    Service,
    TimeOff,
    WorkingHours,
)

PRACTITIONER_ROLES = (Role.ADMIN, Role.CLINICIAN)

SERVICE_FIELDS = (
    "name",
    "slug",
    "description",
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "price_display",
    "location",
    "resource",
    "online_bookable",
    "new_patients_only",
    "min_notice_hours",
    "horizon_days",
    "daily_cap",
    "telehealth_allowed",
    "is_active",
)
RESOURCE_FIELDS = ("name", "kind", "location", "capacity", "is_active")

DUPLICATE_SLUG = "This clinic already has a service with that slug."
DUPLICATE_RESOURCE = "This clinic already has a resource with that name."
DUPLICATE_CLOSURE = "The clinic is already closed that day."
PAST_DATE = "Choose today or a later date."
NOT_OURS = "Choose one of this clinic's {what}."


def _changes(before: dict, after: dict):
    changed = sorted(k for k in after if after[k] != before.get(k))
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def clinic_today(clinic: Clinic, now=None) -> dt.date:
    return (now or timezone.now()).astimezone(clinic.tz).date()


def _set_fields(instance, allowed, values):
    for name, value in values.items():
        if name not in allowed:
            raise ValidationError({name: ["Unknown field."]})
        setattr(instance, name, value)


def _check_location(clinic, location, field="location"):
    if location is not None and location.clinic_id != clinic.pk:
        raise ValidationError({field: [NOT_OURS.format(what="locations")]})


# Services -----------------------------------------------------------------------------


def _service_snapshot(service, practitioner_ids):
    values = model_to_dict(service, fields=SERVICE_FIELDS)
    values["practitioners"] = sorted(practitioner_ids)
    return values


def _check_practitioners(clinic, service, practitioners):
    """Practitioners must be this clinic's clinicians or admins; one already on the
    service may stay while inactive, a new one must be active."""
    current = set(service.practitioners.values_list("pk", flat=True)) if service.pk else set()
    for member in practitioners:
        if (
            member.clinic_id != clinic.pk
            or member.role not in PRACTITIONER_ROLES
            or (not member.is_active and member.pk not in current)
        ):
            raise ValidationError(
                {"practitioners": [NOT_OURS.format(what="active clinicians or admins")]}
            )


@transaction.atomic
def do_save_service(
    actor: Actor, clinic: Clinic, service: Service | None, *, practitioners=(), **values
) -> Service:
    """Create (service=None) or change a service and the practitioners who perform it."""
    creating = service is None
    service = service or Service(clinic=clinic)
    before = (
        {}
        if creating
        else _service_snapshot(service, service.practitioners.values_list("pk", flat=True))
    )
    _set_fields(service, SERVICE_FIELDS, values)
    service.name = (service.name or "").strip()
    service.slug = (service.slug or "").strip() or slugify(service.name)[:60]
    _check_location(clinic, service.location)
    if service.resource is not None and service.resource.clinic_id != clinic.pk:
        raise ValidationError({"resource": [NOT_OURS.format(what="rooms or devices")]})
    if service.resource is not None and service.location is None:
        # A service that needs a room or device takes place where that is.
        service.location = service.resource.location
    practitioners = list(practitioners)
    _check_practitioners(clinic, service, practitioners)
    if (
        service.slug
        and Service.objects.filter(clinic=clinic, slug=service.slug).exclude(pk=service.pk).exists()
    ):
        raise ValidationError({"slug": [DUPLICATE_SLUG]})
    service.full_clean(exclude=["practitioners"])
    if (
        service.resource
        and service.location
        and service.resource.location_id != service.location_id
    ):
        raise ValidationError(
            {
                "resource": [
                    f"{service.resource.name} is at {service.resource.location.name}, "
                    f"not at {service.location.name}."
                ]
            }
        )
    old, new = _changes(before, _service_snapshot(service, [m.pk for m in practitioners]))
    if not new:
        return service
    service._history_user = actor.user
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:  # the same slug saved by someone else a moment ago
        raise ValidationError({"slug": [DUPLICATE_SLUG]}) from None
    if creating or "practitioners" in new:
        service.practitioners.set(practitioners)
    record(
        Event.SERVICE_SAVED,
        actor,
        clinic=clinic,
        subject=service,
        created=creating,
        before=old,
        after=new,
    )
    return service


# Resources ----------------------------------------------------------------------------


@transaction.atomic
def do_save_resource(actor: Actor, clinic: Clinic, resource: Resource | None, **values):
    creating = resource is None
    resource = resource or Resource(clinic=clinic)
    before = {} if creating else model_to_dict(resource, fields=RESOURCE_FIELDS)
    _set_fields(resource, RESOURCE_FIELDS, values)
    resource.name = (resource.name or "").strip()
    _check_location(clinic, resource.location)
    if (
        Resource.objects.filter(clinic=clinic, name__iexact=resource.name)
        .exclude(pk=resource.pk)
        .exists()
    ):
        raise ValidationError({"name": [DUPLICATE_RESOURCE]})
    resource.full_clean()
    old, new = _changes(before, model_to_dict(resource, fields=RESOURCE_FIELDS))
    if not new:
        return resource
    resource._history_user = actor.user
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError:
        raise ValidationError({"name": [DUPLICATE_RESOURCE]}) from None
    record(
        Event.RESOURCE_SAVED,
        actor,
        clinic=clinic,
        subject=resource,
        created=creating,
        before=old,
        after=new,
    )
    return resource


# Weekly working hours -----------------------------------------------------------------


@dataclass(frozen=True)
class HoursRow:
    """One weekly interval as the editor submits it."""

    weekday: int
    start: dt.time
    end: dt.time
    location: Location

    @property
    def key(self):
        return (self.weekday, self.location.pk, self.start, self.end)

    @property
    def order(self):
        return (self.weekday, self.start, self.end, self.location.pk)

    def describe(self):
        day = WorkingHours.Weekday(self.weekday).label
        return f"{day} {self.start:%H:%M}–{self.end:%H:%M} ({self.location.name})"


def overlap_messages(rows) -> list[str]:
    """One message per pair of intervals on the same weekday that overlap. A person
    cannot be at two locations at once, so intervals at different locations count too;
    intervals that only touch (12:00 end, 12:00 start) do not overlap."""
    messages = []
    ordered = sorted(rows, key=lambda r: r.order)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second.weekday != first.weekday or second.start >= first.end:
                continue
            day = WorkingHours.Weekday(first.weekday).label
            if first.location.pk == second.location.pk:
                where = f" at {first.location.name}"
                a = f"{first.start:%H:%M}–{first.end:%H:%M}"
                b = f"{second.start:%H:%M}–{second.end:%H:%M}"
            else:
                where = ""
                a = f"{first.start:%H:%M}–{first.end:%H:%M} at {first.location.name}"
                b = f"{second.start:%H:%M}–{second.end:%H:%M} at {second.location.name}"
            messages.append(f"{day}: {a} overlaps {b}{where}.")
    return messages


@transaction.atomic
def do_set_working_hours(actor: Actor, practitioner: Membership, rows) -> list[WorkingHours]:
    """Replace all of `practitioner`'s weekly hours with `rows` (HoursRow). Unchanged
    intervals are kept, so the history shows only what was really added or removed."""
    # Two admins saving the same week at once: the second waits for the first.
    Membership.objects.select_for_update().filter(pk=practitioner.pk).first()
    rows = list(rows)
    for row in rows:
        _check_location(practitioner.clinic, row.location)
        if row.end <= row.start:
            day = WorkingHours.Weekday(row.weekday).label
            raise ValidationError(f"{day}: the end must be after the start.")
    overlaps = overlap_messages(rows)
    if overlaps:
        raise ValidationError(overlaps)
    existing = {
        (h.weekday, h.location_id, h.start, h.end): h
        for h in WorkingHours.objects.filter(practitioner=practitioner).select_related("location")
    }
    wanted = {row.key: row for row in rows}
    removed = [h for key, h in existing.items() if key not in wanted]
    added = [row for key, row in wanted.items() if key not in existing]
    for hours in removed:
        hours._history_user = actor.user
        hours.delete()
    for row in sorted(added, key=lambda r: r.order):
        hours = WorkingHours(
            practitioner=practitioner,
            location=row.location,
            weekday=row.weekday,
            start=row.start,
            end=row.end,
        )
        hours.full_clean()
        hours._history_user = actor.user
        hours.save()
    if removed or added:
        record(
            Event.WORKING_HOURS_CHANGED,
            actor,
            clinic=practitioner.clinic,
            subject=practitioner,
            practitioner=practitioner.user.email,
            removed=[
                HoursRow(h.weekday, h.start, h.end, h.location).describe()
                for h in sorted(removed, key=lambda h: (h.weekday, h.start))
            ],
            added=[row.describe() for row in sorted(added, key=lambda r: r.order)],
        )
    return list(WorkingHours.objects.filter(practitioner=practitioner))


# Time off and extra hours -------------------------------------------------------------


def _time_off_payload(time_off):
    return {
        "practitioner": time_off.practitioner.user.email,
        "date": time_off.date.isoformat(),
        "start": time_off.start.strftime("%H:%M") if time_off.start else None,
        "end": time_off.end.strftime("%H:%M") if time_off.end else None,
        "extra_hours": time_off.extra_hours,
        "location": time_off.location.name if time_off.location else None,
        "note": time_off.note,
    }


@transaction.atomic
def do_save_time_off(
    actor: Actor,
    practitioner: Membership,
    *,
    date,
    start=None,
    end=None,
    extra_hours=False,
    location=None,
    note="",
    now=None,
) -> TimeOff:
    """Add a day (or part of one) off, or extra hours at a location, for a practitioner."""
    clinic = practitioner.clinic
    if date is not None and date < clinic_today(clinic, now):
        raise ValidationError({"date": [PAST_DATE]})
    _check_location(clinic, location)
    time_off = TimeOff(
        practitioner=practitioner,
        date=date,
        start=start,
        end=end,
        extra_hours=extra_hours,
        # Time off applies wherever the practitioner works; only extra hours have a place.
        location=location if extra_hours else None,
        note=note.strip(),
    )
    time_off.full_clean()
    time_off._history_user = actor.user
    time_off.save()
    record(
        Event.TIME_OFF_SAVED,
        actor,
        clinic=clinic,
        subject=time_off,
        change="added",
        **_time_off_payload(time_off),
    )
    return time_off


@transaction.atomic
def do_remove_time_off(actor: Actor, time_off: TimeOff, *, now=None):
    """Remove a future exception. It is configuration, not a clinical record: the row
    goes, simple-history and the audit trail keep what it was."""
    clinic = time_off.practitioner.clinic
    if time_off.date < clinic_today(clinic, now):
        raise ValidationError("Past time off stays on record; only today's or later can go.")
    payload = _time_off_payload(time_off)
    pk = time_off.pk
    time_off._history_user = actor.user
    time_off.delete()
    time_off.pk = pk  # for the audit row's subject
    record(
        Event.TIME_OFF_SAVED, actor, clinic=clinic, subject=time_off, change="removed", **payload
    )


# Clinic closures ----------------------------------------------------------------------


@transaction.atomic
def do_save_closure(actor: Actor, clinic: Clinic, *, date, reason="", now=None) -> ClinicClosure:
    if date is not None and date < clinic_today(clinic, now):
        raise ValidationError({"date": [PAST_DATE]})
    if ClinicClosure.objects.filter(clinic=clinic, date=date).exists():
        raise ValidationError({"date": [DUPLICATE_CLOSURE]})
    closure = ClinicClosure(clinic=clinic, date=date, reason=reason.strip())
    closure.full_clean()
    closure._history_user = actor.user
    try:
        with transaction.atomic():
            closure.save()
    except IntegrityError:
        raise ValidationError({"date": [DUPLICATE_CLOSURE]}) from None
    record(
        Event.CLOSURE_SAVED,
        actor,
        clinic=clinic,
        subject=closure,
        change="added",
        date=closure.date.isoformat(),
        reason=closure.reason,
    )
    return closure


@transaction.atomic
def do_remove_closure(actor: Actor, closure: ClinicClosure, *, now=None):
    if closure.date < clinic_today(closure.clinic, now):
        raise ValidationError("Past closures stay on record; only today's or later can go.")
    pk = closure.pk
    closure._history_user = actor.user
    closure.delete()
    closure.pk = pk
    record(
        Event.CLOSURE_SAVED,
        actor,
        clinic=closure.clinic,
        subject=closure,
        change="removed",
        date=closure.date.isoformat(),
        reason=closure.reason,
    )


def appointments_on(clinic: Clinic, date, practitioner=None) -> int:
    """How many appointments hold time on `date` (the clinic's local day), for the
    warning after a closure or time off is added: those are not cancelled by it."""
    tz = clinic.tz
    start = dt.datetime.combine(date, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    appointments = Appointment.objects.filter(
        clinic=clinic, status__in=HOLDING_STATUSES, start__gte=start, start__lt=end
    )
    if practitioner is not None:
        appointments = appointments.filter(practitioner=practitioner)
    return appointments.count()
