"""The gate for appointments: built on the patient gate (an appointment is as visible as
its patient)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ldnclinic.accounts.access import WRITE_ROLES, request_memberships, require_write
from ldnclinic.patients.access import patients_for_request
from ldnclinic.scheduling.models import Appointment


def appointments_for_request(request):
    return (
        Appointment.objects.filter(patient__in=patients_for_request(request))
        .select_related("service", "clinic")
        .order_by("start", "id")
    )


def get_appointment_for_update(request, pk):
    """404 if the user may not see it, 403 if they may see but not change it."""
    appointment = (
        appointments_for_request(request)
        .select_related("patient", "service__resource", "service__location")
        .filter(pk=pk)
        .first()
    )
    if appointment is None:
        raise Http404("Not found")
    roles = {m.role for m in request_memberships(request) if m.clinic_id == appointment.clinic_id}
    if not roles & set(WRITE_ROLES):
        raise PermissionDenied("Only the clinic's staff change appointments.")
    require_write(request)
    return appointment
