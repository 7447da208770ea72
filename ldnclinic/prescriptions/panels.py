"""The prescriptions panel on the clinician's plan page."""

from django.urls import reverse

from ldnclinic.plans.models import LIVE_STATUSES as LIVE_PLAN_STATUSES
from ldnclinic.prescriptions.access import may_prescribe_for
from ldnclinic.prescriptions.actions import PRESCRIBABLE
from ldnclinic.prescriptions.forms import (
    DRAFT_PREFIX,
    DraftPrescriptionForm,
    SignPrescriptionForm,
)
from ldnclinic.prescriptions.models import Pharmacy, Prescription, PrescriptionStatus
from ldnclinic.screening.status import blocking_findings


def needs_new_prescription(plan, prescriptions) -> bool:
    """A live plan whose prescriptions were all superseded by a change to the plan."""
    if plan.status not in LIVE_PLAN_STATUSES:
        return False
    if any(p.is_live for p in prescriptions):
        return False
    return any(
        p.status == PrescriptionStatus.SUPERSEDED and p.superseded_by_id is None
        for p in prescriptions
    )


def plan_panel(request, plan) -> dict:
    """Context for prescriptions/_plan_panel.html (the plan page renders it as `rx_panel`)."""
    prescriptions = list(
        Prescription.objects.filter(plan=plan)
        .select_related("plan_version", "prescriber__user")
        .defer("pdf")
        .order_by("-created_at", "-id")
    )
    can_prescribe = may_prescribe_for(request, plan.patient)
    can_draft = can_prescribe and plan.status in PRESCRIBABLE
    blocking = blocking_findings(plan.patient) if can_draft else []
    pharmacies = Pharmacy.objects.filter(clinic=plan.clinic, is_active=True)
    return {
        "plan": plan,
        "prescriptions": prescriptions,
        "can_prescribe": can_prescribe,
        "can_draft": can_draft,
        "has_pharmacies": pharmacies.exists(),
        "draft_form": DraftPrescriptionForm(clinic=plan.clinic, prefix=DRAFT_PREFIX),
        "sign_form": SignPrescriptionForm(),
        "blocking": blocking,
        "screening_url": reverse("patient_screening", args=[plan.patient_id]),
        "needs_new": needs_new_prescription(plan, prescriptions),
        "next": request.get_full_path(),
    }
