"""POST /api/v1/public/bookings: online booking without an account, for a clinic's own
website or app. Rate-limited per client address; send an Idempotency-Key to retry safely."""

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Router, Schema, Status
from pydantic import Field

from ldnclinic.api import ERRORS, ErrorOut, StrictSchema, error_response
from ldnclinic.audit.log import Actor
from ldnclinic.scheduling.api import ConflictOut, _bookable_service
from ldnclinic.scheduling.links import manage_path
from ldnclinic.scheduling.notify import absolute
from ldnclinic.scheduling.public import (
    PatientDetails,
    bookable_practitioner,
    do_public_booking,
    take_booking_attempt,
)

router = Router(tags=["online booking"])

PATIENT_FIELDS = {"given_name", "family_name", "email", "phone", "birth_date"}


class PublicPatientIn(StrictSchema):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    email: str = Field(min_length=1, max_length=254)
    phone: str = Field(min_length=1, max_length=30)
    birth_date: dt.date = Field(description="YYYY-MM-DD")


class PublicBookingIn(StrictSchema):
    service: str = Field(max_length=60, description="The service's slug")
    clinic: str | None = Field(
        None, max_length=60, description="The clinic's slug, when several offer the service"
    )
    practitioner: int | None = Field(None, description="Omit for the first available")
    start: dt.datetime = Field(description="A slot's start from /availability, with offset")
    patient: PublicPatientIn
    reason: str = Field("", max_length=500)


class PublicAppointmentOut(Schema):
    id: int
    start: dt.datetime
    end: dt.datetime
    service: str
    practitioner: int
    status: str
    manage_url: str = Field(description="Reschedule or cancel here; also sent by email")


def _out(appointment):
    tz = appointment.clinic.tz
    return {
        "id": appointment.pk,
        "start": appointment.start.astimezone(tz),
        "end": appointment.end.astimezone(tz),
        "service": appointment.service.slug,
        "practitioner": appointment.practitioner_id,
        "status": appointment.status,
        "manage_url": absolute(manage_path(appointment)),
    }


def _patient_fields(error):
    """The action names the person's fields plainly; here they sit under `patient`."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {
            (f"patient.{name}" if name in PATIENT_FIELDS else name): messages
            for name, messages in error.message_dict.items()
        }
    )


@router.post(
    "/public/bookings",
    auth=None,
    response={
        200: PublicAppointmentOut,
        201: PublicAppointmentOut,
        409: ConflictOut,
        429: ErrorOut,
        ERRORS: ErrorOut,
    },
    summary="Book an online-bookable service without an account (public, rate-limited)",
    description=(
        "201 with the appointment; 200 when an `Idempotency-Key` repeats an earlier "
        "request (the same appointment, never a second); 409 with the next free slots "
        "when the time was just taken; 422 when the time is not offered or a field is "
        "invalid; 429 with `Retry-After` when this address booked too often."
    ),
)
def create_public_booking(request, payload: PublicBookingIn):
    retry_after = take_booking_attempt(request)
    if retry_after is not None:
        response = error_response(
            request,
            f"Too many booking attempts from this address. Try again in "
            f"{-(-retry_after // 60)} minutes, or call the clinic.",
            429,
        )
        response["Retry-After"] = str(retry_after)
        return response
    service = _bookable_service(payload.service, payload.clinic)
    key = request.headers.get("Idempotency-Key", "").strip()[:100] or None
    person = payload.patient
    try:
        appointment, created = do_public_booking(
            Actor.from_request(request),
            service=service,
            start=payload.start,
            practitioner=bookable_practitioner(service, payload.practitioner),
            details=PatientDetails(
                given_name=person.given_name,
                family_name=person.family_name,
                email=person.email,
                phone=person.phone,
                birth_date=person.birth_date,
            ),
            reason=payload.reason,
            idempotency_key=key,
        )
    except ValidationError as error:
        raise _patient_fields(error) from None
    return Status(201 if created else 200, _out(appointment))
