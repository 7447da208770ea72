"""The gate for photos, built on the patient gate: staff of the patient's clinic see every
photo; a patient sees their own active photos (not those entered in error); anyone else
gets 404. Changing a photo is for the clinic's clinicians and admins (403 for the rest)."""

from django.http import Http404

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.access import (
    get_patient_for_update,
    patients_for_request,
    staff_role_for,
)
from ldnclinic.photos.models import ClinicalPhoto, PhotoStatus


def photos_for_patient(request, patient):
    """The photos of a patient the request already passed the gate for."""
    photos = ClinicalPhoto.objects.filter(patient=patient)
    if staff_role_for(request, patient) is None:
        photos = photos.filter(status=PhotoStatus.ACTIVE)
    return photos


def get_photo_for_user(request, pk, *, event=Event.PHOTO_VIEWED, **payload) -> ClinicalPhoto:
    """A photo the user may see, with the read audited (unless event is None); 404 else."""
    try:
        photo = (
            ClinicalPhoto.objects.filter(patient__in=patients_for_request(request))
            .select_related("patient", "patient__clinic")
            .get(pk=pk)
        )
    except (ClinicalPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None
    if staff_role_for(request, photo.patient) is None and photo.status != PhotoStatus.ACTIVE:
        raise Http404("Not found")
    if event is not None:
        record(event, Actor.from_request(request), patient=photo.patient, subject=photo, **payload)
    return photo


def get_photo_for_update(request, pk) -> ClinicalPhoto:
    """A photo the user may change: 404 if invisible, 403 unless a clinician or admin of
    the clinic (read-only tokens too)."""
    photo = get_photo_for_user(request, pk, event=None)
    get_patient_for_update(request, photo.patient_id, roles=CLINICAL_ROLES)
    return photo
