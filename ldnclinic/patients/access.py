"""The gate for patient records: the only way a request fetches a patient."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ldnclinic.accounts.access import current_membership, request_memberships, require_write
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.models import Patient


def patients_for_request(request):
    """Patients visible to this request, narrowed to the API token's clinic if any."""
    patients = Patient.objects.for_user(request.user)
    token = getattr(request, "api_token", None)
    if token is not None and token.clinic_id is not None:
        patients = patients.filter(clinic_id=token.clinic_id)
    return patients


def staff_role_for(request, patient):
    for membership in request_memberships(request):
        if membership.clinic_id == patient.clinic_id:
            return membership.role
    return None


def get_patient_for_user(request, pk, *, event=Event.PATIENT_VIEWED):
    """A patient the user may see, with the read audited; 404 for anything else."""
    try:
        patient = patients_for_request(request).select_related("clinic").get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None
    if event is not None:
        record(event, Actor.from_request(request), patient=patient, subject=patient)
    return patient


def get_patient_for_staff(request, pk, *, event):
    """A patient of a clinic where the user is staff (staff-only chart sections)."""
    clinics = [m.clinic_id for m in request_memberships(request)]
    try:
        patients = patients_for_request(request).filter(clinic_id__in=clinics)
        patient = patients.select_related("clinic").get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None
    if event is not None:
        record(event, Actor.from_request(request), patient=patient, subject=patient)
    return patient


def get_patient_for_update(request, pk, roles=None, *, event=None):
    """A patient the user may change: 404 if invisible, 403 if visible but not theirs to
    change (patients reading their own record, read-only tokens, the wrong role).
    `event` audits a read too, for pages that show the record before changing it."""
    patient = get_patient_for_user(request, pk, event=None)
    role = staff_role_for(request, patient)
    if role is None or (roles is not None and role not in roles):
        raise PermissionDenied("You may view this record but not change it.")
    require_write(request)
    if event is not None:
        record(event, Actor.from_request(request), patient=patient, subject=patient)
    return patient


def audit_patient_list(request, patients, **filters):
    """Lists are reads too: record which patients a list showed."""
    membership = current_membership(request)
    if membership is not None:
        clinic_id = membership.clinic_id
    else:
        # A patient listing their own records: file the row under their clinic, so the
        # clinic's audit trail shows it.
        clinic_ids = {p.clinic_id for p in patients}
        clinic_id = clinic_ids.pop() if len(clinic_ids) == 1 else None
    record(
        Event.PATIENT_LIST_VIEWED,
        Actor.from_request(request),
        clinic_id=clinic_id,
        patient_ids=[p.pk for p in patients],
        **filters,
    )
