"""The gate for treatment plans, built on the patient gate: a plan is visible exactly when
its patient is. Not allowed to see = 404; may see but not change = 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ldnclinic.accounts.access import CLINICAL_ROLES, request_memberships, require_write
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.access import patients_for_request, staff_role_for
from ldnclinic.plans.models import Plan


def plans_for_request(request):
    """Plans whose patient this request may see (a patient's own, a clinic's for staff)."""
    return Plan.objects.filter(patient__in=patients_for_request(request))


def plans_for_staff(request):
    clinics = [m.clinic_id for m in request_memberships(request)]
    return plans_for_request(request).filter(clinic_id__in=clinics)


def _get(plans, pk):
    try:
        return plans.select_related(
            "patient__clinic", "protocol_version__protocol", "clinician__user"
        ).get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def audit_plan_read(request, plan, event=Event.PLAN_VIEWED, **payload):
    record(event, Actor.from_request(request), patient=plan.patient, subject=plan, **payload)


def get_plan_for_user(request, pk, *, event=Event.PLAN_VIEWED):
    """A plan the user may see (the patient their own, staff their clinic's), the read
    audited; 404 for anything else."""
    plan = _get(plans_for_request(request), pk)
    if event is not None:
        audit_plan_read(request, plan, event)
    return plan


def get_plan_for_staff(request, pk, *, event=Event.PLAN_VIEWED):
    """A plan of a clinic where the user is staff (the clinician's plan pages)."""
    plan = _get(plans_for_staff(request), pk)
    if event is not None:
        audit_plan_read(request, plan, event)
    return plan


def get_plan_for_update(request, pk, roles=CLINICAL_ROLES, *, event=None):
    """A plan the user may change: 404 if invisible, 403 for a patient, a read-only token
    or a role outside `roles` (clinicians and admins by default)."""
    plan = _get(plans_for_request(request), pk)
    role = staff_role_for(request, plan.patient)
    if role is None or (roles is not None and role not in roles):
        raise PermissionDenied("You may view this plan but not change it.")
    require_write(request)
    if event is not None:
        audit_plan_read(request, plan, event)
    return plan
