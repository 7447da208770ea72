import datetime as dt

from django.db.models import Prefetch
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from ldnclinic.accounts.models import Membership
from ldnclinic.api import ERRORS, ErrorOut
from ldnclinic.scheduling.availability import MAX_SEARCH_DAYS, find_service_slots
from ldnclinic.scheduling.models import Service

router = Router(tags=["scheduling"])


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    practitioner: int


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
