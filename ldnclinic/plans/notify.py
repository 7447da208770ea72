"""Who hears about a patient's plan: its clinician, or, when it has none (or they have left),
every active clinician and admin of the clinic, so that a report never goes unannounced."""

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.accounts.models import Membership


def plan_recipients(clinic_id, plan=None) -> list[str]:
    clinician = plan.clinician if plan is not None else None
    if clinician is not None and clinician.is_active and clinician.user.is_active:
        return [clinician.user.email]
    return sorted(
        Membership.objects.filter(
            clinic_id=clinic_id, is_active=True, user__is_active=True, role__in=CLINICAL_ROLES
        ).values_list("user__email", flat=True)
    )
