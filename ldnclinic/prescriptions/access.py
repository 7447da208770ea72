"""The gate for prescriptions, built on the patient gate: staff of the patient's clinic
see them (the front desk too, to print); clinicians and admins change them. Patients do
not see prescriptions here (their plan page says what to take). 404 / 403 as elsewhere."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ldnclinic.accounts.access import CLINICAL_ROLES, request_memberships, require_write
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.access import patients_for_request, staff_role_for
from ldnclinic.prescriptions.models import Prescription


def prescriptions_for_staff(request):
    clinics = [m.clinic_id for m in request_memberships(request)]
    return Prescription.objects.filter(
        patient__in=patients_for_request(request), clinic_id__in=clinics
    )


def get_prescription_for_staff(request, pk, *, event=Event.PRESCRIPTION_VIEWED, with_pdf=False):
    prescriptions = prescriptions_for_staff(request).select_related(
        "patient__clinic", "plan", "plan_version", "prescriber__user", "pharmacy", "clinic"
    )
    if not with_pdf:
        prescriptions = prescriptions.defer("pdf")
    try:
        prescription = prescriptions.get(pk=pk)
    except (Prescription.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None
    if event is not None:
        record(
            event,
            Actor.from_request(request),
            patient=prescription.patient,
            subject=prescription,
            status=prescription.status,
        )
    return prescription


def may_prescribe_for(request, patient) -> bool:
    token = getattr(request, "api_token", None)
    if token is not None and token.read_only:
        return False
    return staff_role_for(request, patient) in CLINICAL_ROLES


def get_prescription_for_update(request, pk, *, event=None):
    """404 if invisible; 403 for the front desk or a read-only token."""
    prescription = get_prescription_for_staff(request, pk, event=event)
    if staff_role_for(request, prescription.patient) not in CLINICAL_ROLES:
        raise PermissionDenied("Only clinicians and clinic admins prescribe.")
    require_write(request)
    return prescription
