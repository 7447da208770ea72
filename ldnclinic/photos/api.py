"""Clinical photos API. Reading (list, one, the image): the clinic's staff and the patient
(their own active photos). Uploading and marking entered in error: the clinic's clinicians
and admins (front desk, the patient and read-only tokens: 403).

Upload answers: 201; 400 for a file that is not a readable image (including crafted ones),
an unknown body site or view, a bad date; 413 over the size cap (PHOTO_MAX_BYTES, 20 MB);
409 when the patient has not signed the current photography consent."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.api import ERRORS, ErrorOut, Page, StrictSchema, error_response, paginate
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.access import get_patient_for_update, get_patient_for_user
from ldnclinic.photos.access import get_photo_for_update, get_photo_for_user, photos_for_patient
from ldnclinic.photos.actions import ConsentMissing, do_mark_photo_in_error, do_upload_photo
from ldnclinic.photos.body_sites import body_map
from ldnclinic.photos.models import PhotoView
from ldnclinic.photos.processing import PhotoError, accepted_text, read_capped
from ldnclinic.photos.views import image_response

router = Router(tags=["Clinical photos"])

UPLOAD_FIELDS = {"file", "body_site", "view", "taken_at", "note", "appointment_id"}
UPLOAD_ERRORS = frozenset({400, 401, 403, 404, 409, 413, 422})


class PhotoOut(Schema):
    id: int
    patient_id: int
    body_site: str
    body_site_label: str
    view: str
    taken_at: datetime.datetime
    note: str
    appointment_id: int | None
    plan_id: int | None
    status: str = Field(description="active or entered_in_error")
    error_reason: str
    width: int
    height: int
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the stored (cleaned) JPEG")
    content_type: str
    uploaded_at: datetime.datetime
    image_url: str
    thumb_url: str


class PhotoListOut(Schema):
    items: list[PhotoOut]
    page: Page


class PhotoFilter(Schema):
    body_site: str | None = Field(None, description="A body site code")
    page: int = 1
    page_size: int | None = Field(None, ge=1, le=100)


class ImageQuery(Schema):
    size: str = Field("full", pattern="^(full|thumb)$", description="full or thumb (320 px)")


class InErrorIn(StrictSchema):
    reason: str = Field(min_length=1, max_length=300)


def _out(photo) -> dict:
    base = f"/api/v1/photos/{photo.pk}/image"
    return {
        "id": photo.pk,
        "patient_id": photo.patient_id,
        "body_site": photo.body_site,
        "body_site_label": body_map().label(photo.body_site),
        "view": photo.view,
        "taken_at": photo.taken_at,
        "note": photo.note,
        "appointment_id": photo.appointment_id,
        "plan_id": photo.plan_id,
        "status": photo.status,
        "error_reason": photo.error_reason,
        "width": photo.width,
        "height": photo.height,
        "size_bytes": photo.size_bytes,
        "sha256": photo.sha256,
        "content_type": photo.content_type,
        "uploaded_at": photo.uploaded_at,
        "image_url": base,
        "thumb_url": f"{base}?size=thumb",
    }


def parse_taken_at(value: str, tz) -> datetime.datetime:
    """An ISO date (midday, clinic time) or date-time (clinic time when naive)."""
    try:
        if len(value) == 10:
            day = datetime.date.fromisoformat(value)
            return datetime.datetime.combine(day, datetime.time(12), tzinfo=tz)
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            {"taken_at": "Give a date (YYYY-MM-DD) or date and time (ISO 8601)."}
        ) from None
    return timezone.make_aware(moment, tz) if timezone.is_naive(moment) else moment


def _upload_details(request, patient) -> dict:
    """The multipart fields, checked in order; ValidationError for the first bad one."""
    unknown = sorted(set(request.POST) - UPLOAD_FIELDS - {"csrfmiddlewaretoken"})
    unknown += sorted(set(request.FILES) - {"file"})
    if unknown:
        raise ValidationError({unknown[0]: "Unknown field."})
    if "file" not in request.FILES:
        raise ValidationError({"file": "Send the photo as the multipart field 'file'."})
    values = {name: request.POST.get(name, "").strip() for name in UPLOAD_FIELDS - {"file"}}
    details = {
        "body_site": values["body_site"],
        "view": values["view"],
        "note": values["note"],
        "taken_at": None,
        "appointment": None,
    }
    if values["taken_at"]:
        details["taken_at"] = parse_taken_at(values["taken_at"], patient.clinic.tz)
    if values["appointment_id"]:
        try:
            details["appointment"] = patient.appointments.get(pk=int(values["appointment_id"]))
        except (ValueError, patient.appointments.model.DoesNotExist):
            raise ValidationError(
                {"appointment_id": "Give the id of one of this patient's appointments."}
            ) from None
    return details


def _field_error(request, error: ValidationError):
    fields = {k: " ".join(v) for k, v in error.message_dict.items()}
    if "appointment" in fields:
        fields["appointment_id"] = fields.pop("appointment")
    first = next(iter(fields.items()))
    return error_response(request, f"{first[0]}: {first[1]}", 400, fields)


@router.post(
    "/patients/{int:patient_id}/photos",
    response={201: PhotoOut, UPLOAD_ERRORS: ErrorOut},
    summary="Upload a clinical photo (clinicians and admins; multipart/form-data)",
    description=(
        f"Fields: `file` (a {accepted_text()} image; EXIF, GPS and other metadata are "
        "removed and the image is stored as JPEG), `body_site` (a code from the body map), "
        f"`view` ({', '.join(PhotoView.values)}), `taken_at` (optional, a date or ISO "
        "date-time; default now), `note` (optional), `appointment_id` (optional). "
        "400: not an image, a crafted or broken file, an unknown site or bad field; 413: over "
        "the size cap (20 MB unless the clinic set PHOTO_MAX_BYTES); 409: the patient has not "
        "signed the current clinical photography consent."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "body_site", "view"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "body_site": {"type": "string"},
                            "view": {"type": "string", "enum": list(PhotoView.values)},
                            "taken_at": {"type": "string"},
                            "note": {"type": "string", "maxLength": 500},
                            "appointment_id": {"type": "integer"},
                        },
                    }
                }
            }
        }
    },
)
def upload_photo(request, patient_id: int):
    patient = get_patient_for_update(request, patient_id, roles=CLINICAL_ROLES)
    actor = Actor.from_request(request)
    try:
        details = _upload_details(request, patient)
        upload = request.FILES["file"]
        data = read_capped(upload, settings.PHOTO_MAX_BYTES, upload.size)
        photo = do_upload_photo(actor, patient, data=data, **details)
    except ConsentMissing as error:
        return error_response(request, error.message, 409, {"consent": "photography"})
    except PhotoError as error:
        status = 413 if error.code == "too_large" else 400
        return error_response(request, error.message, status, {"file": error.message})
    except ValidationError as error:
        return _field_error(request, error)
    return Status(201, _out(photo))


@router.get(
    "/patients/{int:patient_id}/photos",
    response={200: PhotoListOut, ERRORS: ErrorOut},
    summary="The patient's photos, newest first (staff; the patient their own active ones)",
)
def list_photos(request, patient_id: int, filters: Query[PhotoFilter]):
    patient = get_patient_for_user(request, patient_id, event=None)
    photos = photos_for_patient(request, patient)
    if filters.body_site:
        if body_map().get(filters.body_site) is None:
            return error_response(
                request, "body_site: Unknown body site.", 400, {"body_site": "Unknown body site."}
            )
        photos = photos.filter(body_site=filters.body_site)
    items, page = paginate(photos, filters.page, filters.page_size)
    record(
        Event.PHOTOS_LISTED,
        Actor.from_request(request),
        patient=patient,
        subject=patient,
        photo_ids=[p.pk for p in items],
        body_site=filters.body_site or "",
    )
    return {"items": [_out(p) for p in items], "page": page}


@router.get(
    "/photos/{int:photo_id}",
    response={200: PhotoOut, ERRORS: ErrorOut},
    summary="One photo's details (staff; the patient their own)",
)
def read_photo(request, photo_id: int):
    return _out(get_photo_for_user(request, photo_id, variant="metadata"))


@router.get(
    "/photos/{int:photo_id}/image",
    response={ERRORS: ErrorOut},
    summary="Download the photo (JPEG without metadata) or its thumbnail",
    openapi_extra={
        "responses": {"200": {"description": "The JPEG", "content": {"image/jpeg": {}}}}
    },
)
def download_photo(request, photo_id: int, query: Query[ImageQuery]):
    thumb = query.size == "thumb"
    photo = get_photo_for_user(request, photo_id, variant="thumb" if thumb else "full")
    return image_response(photo, thumb=thumb, download=True)


@router.post(
    "/photos/{int:photo_id}/entered-in-error",
    response={200: PhotoOut, ERRORS: ErrorOut},
    summary="Mark a photo entered in error, with the reason (clinicians and admins)",
)
def mark_in_error(request, photo_id: int, payload: InErrorIn):
    photo = get_photo_for_update(request, photo_id)
    return _out(do_mark_photo_in_error(Actor.from_request(request), photo, reason=payload.reason))
