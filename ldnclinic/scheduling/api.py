import datetime as dt
from typing import Literal

from django.db.models import Prefetch
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from ldnclinic.accounts.access import (
    WRITE_ROLES,
    current_membership,
    require_staff,
    require_write,
)
from ldnclinic.accounts.models import Membership
from ldnclinic.api import ERRORS, ErrorOut, Page, StrictSchema, paginate
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.access import get_patient_for_update
from ldnclinic.scheduling.access import appointments_for_request, get_appointment_for_update
from ldnclinic.scheduling.actions import (
    do_book_appointment,
    do_cancel_appointment,
    do_reschedule_appointment,
    do_set_appointment_status,
)
from ldnclinic.scheduling.availability import (
    MAX_SEARCH_DAYS,
    find_service_slots,
    local_day_bounds,
)
from ldnclinic.scheduling.models import Service

router = Router(tags=["scheduling"])


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    practitioner: int


class ConflictOut(Schema):
    error: str
    fields: dict[str, str] = {}
    next_slots: list[SlotOut]


class AvailabilityOut(Schema):
    service: str
    clinic: str
    time_zone: str
    slots: list[SlotOut]


class AvailabilityQuery(Schema):
    service: str = Field(max_length=60, description="The service's slug")
    start: dt.date = Field(description="First local date, YYYY-MM-DD")
    end: dt.date = Field(description="Last local date (inclusive), YYYY-MM-DD")
    practitioner: int | None = Field(None, description="Only this practitioner's slots")
    clinic: str | None = Field(
        None, max_length=60, description="The clinic's slug, when several offer the service"
    )


def _bookable_service(slug, clinic_slug):
    services = Service.objects.filter(
        slug=slug, online_bookable=True, is_active=True
    ).select_related("clinic", "resource")
    if clinic_slug:
        services = services.filter(clinic__slug=clinic_slug)
    services = services.prefetch_related(
        Prefetch("practitioners", queryset=Membership.objects.filter(is_active=True))
    )
    found = list(services[:2])
    if not found:
        raise HttpError(404, f"No online-bookable service {slug!r}.")
    if len(found) > 1:
        raise HttpError(400, "Several clinics offer this service: add clinic=<slug>.")
    return found[0]


@router.get(
    "/availability",
    auth=None,
    response={200: AvailabilityOut, ERRORS: ErrorOut},
    summary="Free appointment slots for an online-bookable service (public)",
)
def availability(request, query: Query[AvailabilityQuery]):
    if query.end < query.start:
        raise HttpError(400, "end is before start.")
    if (query.end - query.start).days >= MAX_SEARCH_DAYS:
        raise HttpError(400, f"Search at most {MAX_SEARCH_DAYS} days at a time.")
    service = _bookable_service(query.service, query.clinic)
    practitioner_ids = None
    if query.practitioner is not None:
        if query.practitioner not in {m.pk for m in service.practitioners.all()}:
            raise HttpError(422, "That practitioner does not perform this service.")
        practitioner_ids = {query.practitioner}
    tz = service.clinic.tz
    found = find_service_slots(service, query.start, query.end, practitioner_ids=practitioner_ids)
    return {
        "service": service.slug,
        "clinic": service.clinic.slug,
        "time_zone": service.clinic.time_zone,
        "slots": [
            {
                "start": slot.start.astimezone(tz),
                "end": slot.end.astimezone(tz),
                "practitioner": slot.practitioner_id,
            }
            for slot in found
        ],
    }


# Appointments (staff) ----------------------------------------------------------------


class AppointmentOut(Schema):
    id: int
    patient: int = Field(alias="patient_id")
    service: str = Field(alias="service.slug")
    practitioner: int = Field(alias="practitioner_id")
    location: int | None = Field(alias="location_id")
    start: dt.datetime
    end: dt.datetime
    status: str
    telehealth: bool
    cancelled_late: bool


class AppointmentListOut(Schema):
    items: list[AppointmentOut]
    page: Page


class AppointmentIn(StrictSchema):
    patient: int
    service: str = Field(max_length=60)
    start: dt.datetime
    practitioner: int | None = None
    reason: str = Field("", max_length=500)
    telehealth: bool = False


class RescheduleIn(StrictSchema):
    start: dt.datetime
    practitioner: int | None = None


class CancelIn(StrictSchema):
    reason: str = Field("", max_length=200)


class StatusIn(StrictSchema):
    status: Literal["booked", "arrived", "fulfilled", "noshow"]


class AppointmentFilters(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    practitioner: int | None = None
    patient: int | None = None
    page: int = 1
    page_size: int | None = Field(None, ge=1, le=100)


def _local(appointment):
    tz = appointment.clinic.tz
    appointment.start = appointment.start.astimezone(tz)
    appointment.end = appointment.end.astimezone(tz)
    return appointment


def _clinic_service(membership, slug):
    service = (
        Service.objects.filter(clinic=membership.clinic, slug=slug, is_active=True)
        .select_related("clinic", "resource", "location")
        .prefetch_related("practitioners")
        .first()
    )
    if service is None:
        raise HttpError(404, f"No service {slug!r} in this clinic.")
    return service


def _clinic_practitioner(membership, pk):
    if pk is None:
        return None
    found = Membership.objects.filter(clinic=membership.clinic, pk=pk, is_active=True).first()
    if found is None:
        raise HttpError(422, "No such practitioner in this clinic.")
    return found


@router.get(
    "/appointments",
    response={200: AppointmentListOut, ERRORS: ErrorOut},
    summary="List appointments (staff: their clinic; patients: their own)",
)
def list_appointments(request, filters: Query[AppointmentFilters]):
    appointments = appointments_for_request(request)
    membership = current_membership(request)
    tz = membership.clinic.tz if membership else dt.UTC
    if filters.start:
        appointments = appointments.filter(
            start__gte=local_day_bounds(filters.start, filters.start, tz)[0]
        )
    if filters.end:
        appointments = appointments.filter(
            start__lt=local_day_bounds(filters.end, filters.end, tz)[1]
        )
    if filters.practitioner:
        appointments = appointments.filter(practitioner_id=filters.practitioner)
    if filters.patient:
        appointments = appointments.filter(patient_id=filters.patient)
    items, page = paginate(appointments, filters.page, filters.page_size)
    record(
        Event.APPOINTMENT_LIST_VIEWED,
        Actor.from_request(request),
        clinic=membership.clinic if membership else None,
        appointment_ids=[a.pk for a in items],
    )
    return {"items": [_local(a) for a in items], "page": page}


@router.post(
    "/appointments",
    response={200: AppointmentOut, 201: AppointmentOut, ERRORS: ErrorOut, 409: ConflictOut},
    summary="Book an appointment (staff). Send Idempotency-Key to make retries safe.",
)
def create_appointment(request, payload: AppointmentIn):
    membership = require_staff(request, WRITE_ROLES)
    require_write(request)
    patient = get_patient_for_update(request, payload.patient, roles=WRITE_ROLES)
    service = _clinic_service(membership, payload.service)
    key = request.headers.get("Idempotency-Key", "").strip()[:100] or None
    appointment, created = do_book_appointment(
        Actor.from_request(request),
        patient=patient,
        service=service,
        start=payload.start,
        practitioner=_clinic_practitioner(membership, payload.practitioner),
        reason=payload.reason,
        telehealth=payload.telehealth,
        idempotency_key=key,
    )
    return Status(201 if created else 200, _local(appointment))


@router.post(
    "/appointments/{int:appointment_id}/reschedule",
    response={200: AppointmentOut, ERRORS: ErrorOut, 409: ConflictOut},
    summary="Move an appointment (staff)",
)
def reschedule_appointment(request, appointment_id: int, payload: RescheduleIn):
    appointment = get_appointment_for_update(request, appointment_id)
    membership = require_staff(request, WRITE_ROLES)
    return _local(
        do_reschedule_appointment(
            Actor.from_request(request),
            appointment,
            start=payload.start,
            practitioner=_clinic_practitioner(membership, payload.practitioner),
        )
    )


@router.post(
    "/appointments/{int:appointment_id}/cancel",
    response={200: AppointmentOut, ERRORS: ErrorOut},
    summary="Cancel an appointment (staff)",
)
def cancel_appointment(request, appointment_id: int, payload: CancelIn):
    appointment = get_appointment_for_update(request, appointment_id)
    return _local(
        do_cancel_appointment(Actor.from_request(request), appointment, reason=payload.reason)
    )


@router.post(
    "/appointments/{int:appointment_id}/status",
    response={200: AppointmentOut, ERRORS: ErrorOut},
    summary="Mark arrived, completed or no-show (staff)",
)
def set_appointment_status(request, appointment_id: int, payload: StatusIn):
    appointment = get_appointment_for_update(request, appointment_id)
    return _local(
        do_set_appointment_status(Actor.from_request(request), appointment, payload.status)
    )
