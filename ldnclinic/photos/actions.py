"""Uploading clinical photos and marking them entered in error: every change to photos
goes through here, saved and audited in one transaction."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import record
from ldnclinic.consents.status import missing_consents
from ldnclinic.photos import storage
from ldnclinic.photos.body_sites import body_map
from ldnclinic.photos.models import ClinicalPhoto, PhotoStatus, PhotoView
from ldnclinic.photos.processing import PhotoError, process_photo
from ldnclinic.plans.models import LIVE_STATUSES, Plan

NOTE_MAX = 500
REASON_MAX = 300
CONSENT_KIND = "photography"
CONSENT_MISSING = (
    "This patient has not signed the current clinical photography consent. Ask them to sign "
    "it (Consents) before taking photos."
)


class ConsentMissing(Exception):
    """The patient has not signed the current photography consent."""

    def __init__(self, message=CONSENT_MISSING):
        super().__init__(message)
        self.message = message


def needs_consent(patient) -> bool:
    return bool(missing_consents(patient, [CONSENT_KIND]))


def check_consent(actor, patient) -> None:
    """Raise ConsentMissing, audited as a refusal, unless the patient has signed the
    current photography consent."""
    if needs_consent(patient):
        record(Event.PHOTO_REFUSED, actor, patient=patient, subject=patient, reason="no_consent")
        raise ConsentMissing()


def clean_details(patient, *, body_site, view, taken_at, note, appointment, now) -> dict:
    """The photo's details checked; ValidationError naming every bad field."""
    errors = {}
    if not isinstance(body_site, str) or body_map().get(body_site) is None:
        errors["body_site"] = "Choose a body site from the map or the list."
    if view not in PhotoView.values:
        errors["view"] = "Choose front, back, left side, right side or close-up."
    if taken_at is None:
        taken_at = now
    elif not isinstance(taken_at, datetime.datetime) or timezone.is_naive(taken_at):
        errors["taken_at"] = "Give the date the photo was taken."
    elif taken_at > now + datetime.timedelta(minutes=5):
        errors["taken_at"] = "The date taken cannot be in the future."
    elif taken_at.astimezone(patient.clinic.tz).date() < patient.date_of_birth:
        errors["taken_at"] = "The date taken is before the patient was born."
    if "taken_at" not in errors:
        taken_at = taken_at.astimezone(datetime.UTC)
    note = (note or "").strip()
    if "\x00" in note:
        errors["note"] = "Give text."
    elif len(note) > NOTE_MAX:
        errors["note"] = f"Keep the note to {NOTE_MAX} characters."
    if appointment is not None and appointment.patient_id != patient.pk:
        errors["appointment"] = "Choose one of this patient's appointments."
    if errors:
        raise ValidationError(errors)
    return {"body_site": body_site, "view": view, "taken_at": taken_at, "note": note}


def _live_plan(patient):
    """The patient's live plan when there is exactly one (with several, the photo is not
    tied to a guess)."""
    plans = list(Plan.objects.filter(patient=patient, status__in=LIVE_STATUSES)[:2])
    return plans[0] if len(plans) == 1 else None


def do_upload_photo(
    actor,
    patient,
    *,
    data: bytes,
    body_site: str,
    view: str,
    taken_at: datetime.datetime | None = None,
    note: str = "",
    appointment=None,
    now=None,
) -> ClinicalPhoto:
    """Check consent and the details, decode and clean the image, then write the files and
    the row and audit it. A refusal for missing consent is audited (its own row, kept
    whatever the caller does next) and raises ConsentMissing; a bad file raises PhotoError;
    bad details raise ValidationError."""
    now = now or timezone.now()
    check_consent(actor, patient)
    details = clean_details(
        patient,
        body_site=body_site,
        view=view,
        taken_at=taken_at,
        note=note,
        appointment=appointment,
        now=now,
    )
    # Decoding is slow and touches no table: outside the transaction.
    try:
        processed = process_photo(data, max_bytes=settings.PHOTO_MAX_BYTES)
    except PhotoError as error:
        # Crafted files are worth seeing in the trail; the bytes are not kept.
        record(Event.PHOTO_REFUSED, actor, patient=patient, subject=patient, reason=error.code)
        raise
    image_path, thumb_path = storage.new_paths(patient)
    try:
        storage.write(image_path, processed.image)
        storage.write(thumb_path, processed.thumb)
        with transaction.atomic():
            photo = ClinicalPhoto.objects.create(
                clinic_id=patient.clinic_id,
                patient=patient,
                plan=_live_plan(patient),
                appointment=appointment,
                file_path=image_path,
                thumb_path=thumb_path,
                sha256=processed.sha256,
                content_type=processed.content_type,
                width=processed.width,
                height=processed.height,
                size_bytes=len(processed.image),
                uploaded_by=actor.user,
                **details,
            )
            record(
                Event.PHOTO_UPLOADED,
                actor,
                patient=patient,
                subject=photo,
                body_site=photo.body_site,
                view=photo.view,
                taken_at=photo.taken_at.isoformat(),
                sha256=photo.sha256,
                source_format=processed.source_format,
            )
    except BaseException:
        # No row points at these files: do not leave them behind.
        storage.remove(image_path)
        storage.remove(thumb_path)
        raise
    return photo


@transaction.atomic
def do_mark_photo_in_error(actor, photo, *, reason: str) -> ClinicalPhoto:
    """Mark a photo entered in error (wrong patient, wrong site …). The file is kept and
    the photo stays visible to staff, marked; it leaves the patient's portal and comparisons."""
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": "Say why the photo was entered in error."})
    if len(reason) > REASON_MAX or "\x00" in reason:
        raise ValidationError({"reason": f"Keep the reason to {REASON_MAX} characters."})
    photo = ClinicalPhoto.objects.select_for_update().get(pk=photo.pk)
    if photo.status == PhotoStatus.ENTERED_IN_ERROR:
        raise ValidationError({"reason": "This photo is already marked entered in error."})
    photo.status = PhotoStatus.ENTERED_IN_ERROR
    photo.error_reason = reason
    photo.save(update_fields=["status", "error_reason"])
    record(Event.PHOTO_IN_ERROR, actor, patient=photo.patient, subject=photo, reason=reason)
    return photo


__all__ = ["ConsentMissing", "PhotoError", "do_mark_photo_in_error", "do_upload_photo"]
