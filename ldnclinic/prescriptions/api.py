"""Prescriptions API: a plan's prescriptions, drafting, signing and the signed PDF.

Staff only (patients get 404, as on the pages); drafting and signing are for clinicians
and clinic admins (front desk and read-only tokens: 403)."""

import datetime

from django.http import Http404
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from ldnclinic.api import ERRORS, ErrorOut, StrictSchema, error_response
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.plans.access import get_plan_for_staff, get_plan_for_update
from ldnclinic.prescriptions import actions
from ldnclinic.prescriptions.access import get_prescription_for_staff, get_prescription_for_update
from ldnclinic.prescriptions.models import Pharmacy, Prescription
from ldnclinic.prescriptions.texts import bud_label

router = Router(tags=["Prescriptions"])


class PrescriptionOut(Schema):
    id: int
    plan: int
    plan_version: int = Field(description="The plan version number prescribed from")
    patient: int
    status: str = Field(description="draft, signed, superseded or void")
    formulation: dict
    period_start: datetime.date
    period_end: datetime.date
    steps: list[dict]
    dispense: dict = Field(description="Fills, capsules per strength or volumes, days' supply")
    sig: str
    sig_lines: list[str]
    dosage_instruction: list[dict] = Field(description="FHIR R4 Dosage entries, one per step")
    beyond_use_days: int
    beyond_use_label: str
    preparation: str
    storage: str
    refills: int
    pharmacy: int | None
    pharmacy_details: dict
    prescriber: int | None = Field(description="The signing membership")
    prescriber_details: dict
    patient_details: dict
    signed_at: datetime.datetime | None
    pdf_sha256: str
    pdf_url: str | None
    superseded_by: int | None
    closed_reason: str
    created_at: datetime.datetime


class PrescriptionListOut(Schema):
    plan: int
    needs_new: bool = Field(description="The plan changed and no live prescription is left")
    items: list[PrescriptionOut]


class DraftIn(StrictSchema):
    pharmacy: int = Field(description="A pharmacy of the clinic's directory")
    period_start: datetime.date | None = Field(None, description="Default: today or plan start")
    period_end: datetime.date | None = Field(None, description="Default: the plan's end")


class SignIn(StrictSchema):
    password: str = Field(min_length=1, max_length=4096)


def _out(rx: Prescription) -> dict:
    tz = rx.clinic.tz
    return {
        "id": rx.pk,
        "plan": rx.plan_id,
        "plan_version": rx.plan_version.number,
        "patient": rx.patient_id,
        "status": rx.status,
        "formulation": rx.formulation,
        "period_start": rx.period_start,
        "period_end": rx.period_end,
        "steps": rx.steps,
        "dispense": rx.dispense,
        "sig": rx.sig,
        "sig_lines": rx.sig_lines,
        "dosage_instruction": rx.dosage_instruction,
        "beyond_use_days": rx.beyond_use_days,
        "beyond_use_label": bud_label(),
        "preparation": rx.preparation,
        "storage": rx.storage,
        "refills": rx.refills,
        "pharmacy": rx.pharmacy_id,
        "pharmacy_details": rx.pharmacy_snapshot,
        "prescriber": rx.prescriber_id,
        "prescriber_details": rx.prescriber_snapshot,
        "patient_details": rx.patient_snapshot,
        "signed_at": rx.signed_at.astimezone(tz) if rx.signed_at else None,
        "pdf_sha256": rx.pdf_sha256,
        "pdf_url": reverse("api:prescription_pdf", args=[rx.pk]) if rx.has_pdf else None,
        "superseded_by": rx.superseded_by_id,
        "closed_reason": rx.closed_reason,
        "created_at": rx.created_at.astimezone(tz),
    }


def _reload(pk):
    return Prescription.objects.select_related("clinic", "plan_version").defer("pdf").get(pk=pk)


@router.get(
    "/plans/{int:plan_id}/prescriptions",
    response={200: PrescriptionListOut, ERRORS: ErrorOut},
    summary="The plan's prescriptions, newest first (staff)",
)
def list_prescriptions(request, plan_id: int):
    from ldnclinic.prescriptions.panels import needs_new_prescription

    plan = get_plan_for_staff(request, plan_id, event=None)
    items = list(
        Prescription.objects.filter(plan=plan)
        .select_related("clinic", "plan_version")
        .defer("pdf")
        .order_by("-created_at", "-id")
    )
    record(
        Event.PRESCRIPTION_VIEWED,
        Actor.from_request(request),
        patient=plan.patient,
        subject=plan,
        prescriptions=[rx.pk for rx in items],
    )
    return {
        "plan": plan.pk,
        "needs_new": needs_new_prescription(plan, items),
        "items": [_out(rx) for rx in items],
    }


@router.post(
    "/plans/{int:plan_id}/prescriptions",
    response={201: PrescriptionOut, ERRORS: ErrorOut},
    summary="Draft a prescription from the plan's current version (clinicians and admins)",
)
def draft_prescription(request, plan_id: int, payload: DraftIn):
    plan = get_plan_for_update(request, plan_id)
    pharmacy = Pharmacy.objects.filter(clinic=plan.clinic, pk=payload.pharmacy).first()
    rx = actions.do_draft_prescription(
        Actor.from_request(request),
        plan,
        pharmacy=pharmacy,
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, _out(_reload(rx.pk)))


@router.get(
    "/prescriptions/{int:prescription_id}",
    response={200: PrescriptionOut, ERRORS: ErrorOut},
    summary="One prescription with its FHIR dosageInstruction and dispense (staff)",
)
def read_prescription(request, prescription_id: int):
    return _out(get_prescription_for_staff(request, prescription_id))


@router.post(
    "/prescriptions/{int:prescription_id}/sign",
    response={200: PrescriptionOut, ERRORS: ErrorOut},
    summary="Sign a draft by re-entering the password (clinicians and admins)",
    description=(
        "422 with the blocking findings in `fields.screening` while the safety screen "
        "has findings nobody reviewed; 422 on a wrong password."
    ),
)
def sign_prescription(request, prescription_id: int, payload: SignIn):
    rx = get_prescription_for_update(request, prescription_id)
    try:
        actions.do_sign_prescription(Actor.from_request(request), rx, password=payload.password)
    except actions.PrescribingRefused as refused:
        rules = ", ".join(f["rule"] for f in refused.findings)
        return error_response(request, refused.messages[0], 422, {"screening": rules})
    return _out(_reload(rx.pk))


@router.get(
    "/prescriptions/{int:prescription_id}/pdf",
    response={ERRORS: ErrorOut},
    url_name="prescription_pdf",
    summary="The signed prescription's PDF (staff)",
    openapi_extra={
        "responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}}}
    },
)
def prescription_pdf(request, prescription_id: int):
    from ldnclinic.prescriptions.views import pdf_response

    rx = get_prescription_for_staff(request, prescription_id, event=None, with_pdf=True)
    if not rx.has_pdf:
        raise Http404("Not signed")
    record(
        Event.PRESCRIPTION_PDF_DOWNLOADED,
        Actor.from_request(request),
        patient=rx.patient,
        subject=rx,
        pdf_sha256=rx.pdf_sha256,
    )
    return pdf_response(bytes(rx.pdf), rx.pdf_filename)
