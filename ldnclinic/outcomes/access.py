"""The gate for assessments and assessment requests, built on the patient gate: an
assessment is visible exactly when its patient is. Staff of the patient's clinic read
(front desk included, as for plans and the diary); clinicians and admins record and mark
in error. Not allowed to see = 404; may see but not change = 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ldnclinic.accounts.access import CLINICAL_ROLES, request_memberships, require_write
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.outcomes.models import Assessment, AssessmentRequest
from ldnclinic.patients.access import patients_for_request, staff_role_for


def assessments_for_request(request):
    """Assessments whose patient this request may see (their own for a patient)."""
    return Assessment.objects.filter(patient__in=patients_for_request(request))


def assessments_for_staff(request):
    clinics = [m.clinic_id for m in request_memberships(request)]
    return assessments_for_request(request).filter(clinic_id__in=clinics)


def _get(assessments, pk):
    try:
        return assessments.select_related(
            "patient__clinic", "appointment__service", "plan", "recorded_by", "request"
        ).get(pk=pk)
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def audit_assessment_read(request, assessment, event=Event.ASSESSMENT_VIEWED):
    record(
        event,
        Actor.from_request(request),
        patient=assessment.patient,
        subject=assessment,
        instrument=assessment.instrument,
    )


def get_assessment_for_user(request, pk, *, event=Event.ASSESSMENT_VIEWED):
    """An assessment the user may see (the patient their own, staff their clinic's)."""
    assessment = _get(assessments_for_request(request), pk)
    if event is not None:
        audit_assessment_read(request, assessment, event)
    return assessment


def get_assessment_for_staff(request, pk, *, event=Event.ASSESSMENT_VIEWED):
    assessment = _get(assessments_for_staff(request), pk)
    if event is not None:
        audit_assessment_read(request, assessment, event)
    return assessment


def get_assessment_for_update(request, pk, roles=CLINICAL_ROLES):
    """404 if invisible; 403 for the patient, the front desk and read-only tokens."""
    assessment = _get(assessments_for_request(request), pk)
    role = staff_role_for(request, assessment.patient)
    if role is None or (roles is not None and role not in roles):
        raise PermissionDenied("You may view this assessment but not change it.")
    require_write(request)
    return assessment


def own_patient(request):
    """The request user's own active patient record (the first, if several); 404 for anyone
    else, staff included."""
    patient = (
        patients_for_request(request)
        .filter(user=request.user, is_active=True)
        .select_related("clinic")
        .order_by("pk")
        .first()
    )
    if patient is None:
        raise Http404("Not found")
    return patient


def get_own_request(request, pk):
    """One of the signed-in patient's own questionnaire requests; 404 for anything else."""
    patient = own_patient(request)
    try:
        return (
            AssessmentRequest.objects.filter(patient=patient)
            .select_related("patient__clinic", "plan")
            .get(pk=pk)
        )
    except (AssessmentRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None
