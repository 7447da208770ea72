"""Assessments API. Reading: the clinic's staff (any role) and the patient (their own).
Recording and marking entered in error: clinicians and admins of the patient's clinic;
the front desk, the patient and read-only tokens get 403. Item errors come back as 422
with `fields` naming the item ("regions.head.area"), like the calculator endpoints."""

import datetime

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.api import ERRORS, ErrorOut, Page, StrictSchema, paginate
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.outcomes.access import get_assessment_for_update, get_assessment_for_user
from ldnclinic.outcomes.actions import (
    NOTE_MAX,
    REASON_MAX,
    do_mark_assessment_in_error,
    do_record_assessment,
    instrument_or_error,
)
from ldnclinic.outcomes.models import AssessmentSource, AssessmentStatus
from ldnclinic.outcomes.views_assessments import baseline_of, comparison
from ldnclinic.patients.access import get_patient_for_update, get_patient_for_user
from ldnclinic.plans.models import Plan
from ldnclinic.scheduling.models import Appointment

router = Router(tags=["Assessments"])


class ComparisonOut(Schema):
    baseline_id: int
    baseline: float
    current: float
    change: float
    percent_change: float | None
    reached: list[str]
    not_evaluated: list[str]
    mcid: dict | None


class AssessmentOut(Schema):
    id: int
    patient_id: int
    instrument: str
    instrument_version: str
    items: dict
    total: float
    band: str | None
    components: dict
    assessed_at: datetime.datetime
    source: str = Field(description="clinician or patient")
    appointment_id: int | None
    plan_id: int | None
    request_id: int | None
    note: str
    status: str = Field(description="final or entered_in_error")
    error_reason: str
    recorded_by: str | None = Field(None, description="Email of the user who recorded it")
    created_at: datetime.datetime
    comparison: ComparisonOut | None = Field(
        None, description="Change from the patient's first final assessment of the instrument"
    )


class AssessmentListOut(Schema):
    items: list[AssessmentOut]
    page: Page


class ListFilters(Schema):
    instrument: str | None = Field(None, max_length=40, description="Instrument code, e.g. PASI")
    include_entered_in_error: bool = False
    page: int = 1
    page_size: int | None = Field(None, ge=1, le=100)


class AssessmentIn(StrictSchema):
    instrument: str = Field(min_length=1, max_length=40, description="Instrument code")
    items: dict = Field(description="Item scores in the instrument's shape (see /instruments)")
    assessed_at: datetime.datetime | None = Field(
        None, description="With its UTC offset; defaults to now"
    )
    appointment_id: int | None = None
    plan_id: int | None = None
    note: str = Field("", max_length=NOTE_MAX)


class InErrorIn(StrictSchema):
    reason: str = Field(min_length=1, max_length=REASON_MAX)


def _out(assessment, baseline=None) -> dict:
    compared = comparison(baseline, assessment) if baseline is not None else None
    if assessment.status != AssessmentStatus.FINAL:
        compared = None
    return {
        "id": assessment.pk,
        "patient_id": assessment.patient_id,
        "instrument": assessment.instrument,
        "instrument_version": assessment.instrument_version,
        "items": assessment.items,
        "total": float(assessment.total),
        "band": assessment.band or None,
        "components": assessment.components or {},
        "assessed_at": assessment.assessed_at,
        "source": assessment.source,
        "appointment_id": assessment.appointment_id,
        "plan_id": assessment.plan_id,
        "request_id": assessment.request_id,
        "note": assessment.note,
        "status": assessment.status,
        "error_reason": assessment.error_reason,
        "recorded_by": assessment.recorded_by.email if assessment.recorded_by else None,
        "created_at": assessment.created_at,
        "comparison": {"baseline_id": baseline.pk, **compared} if compared else None,
    }


def _baselines(patient, codes) -> dict:
    """{code: baseline assessment} for the instruments in `codes`."""
    rows = patient.assessments.filter(instrument__in=codes, status=AssessmentStatus.FINAL)
    by_code = {}
    for row in rows:
        by_code.setdefault(row.instrument, []).append(row)
    return {code: baseline_of(rows) for code, rows in by_code.items()}


def _related(model, pk, patient, field):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, patient=patient).first()
    if found is None:
        raise ValidationError({field: "Not found for this patient."})
    return found


@router.get(
    "/patients/{int:patient_id}/assessments",
    response={200: AssessmentListOut, ERRORS: ErrorOut},
    summary="The patient's assessments, newest first (staff of the clinic; the patient)",
)
def list_assessments(request, patient_id: int, filters: Query[ListFilters]):
    patient = get_patient_for_user(request, patient_id, event=None)
    assessments = patient.assessments.select_related("recorded_by").order_by("-assessed_at", "-id")
    if filters.instrument:
        code = instrument_or_error(filters.instrument).code
        assessments = assessments.filter(instrument=code)
    if not filters.include_entered_in_error:
        assessments = assessments.filter(status=AssessmentStatus.FINAL)
    items, page = paginate(assessments, filters.page, filters.page_size)
    record(
        Event.ASSESSMENTS_LISTED,
        Actor.from_request(request),
        patient=patient,
        subject=patient,
        instrument=filters.instrument or "",
        assessment_ids=[a.pk for a in items],
    )
    baselines = _baselines(patient, {a.instrument for a in items})
    return {"items": [_out(a, baselines.get(a.instrument)) for a in items], "page": page}


@router.post(
    "/patients/{int:patient_id}/assessments",
    response={201: AssessmentOut, ERRORS: ErrorOut},
    summary="Score an instrument and record it (clinicians and admins)",
)
def record_assessment(request, patient_id: int, payload: AssessmentIn):
    patient = get_patient_for_update(request, patient_id, roles=CLINICAL_ROLES)
    assessment = do_record_assessment(
        Actor.from_request(request),
        patient,
        instrument_code=payload.instrument,
        items=payload.items,
        assessed_at=payload.assessed_at,
        appointment=_related(Appointment, payload.appointment_id, patient, "appointment_id"),
        plan=_related(Plan, payload.plan_id, patient, "plan_id"),
        source=AssessmentSource.CLINICIAN,
        note=payload.note,
    )
    baseline = _baselines(patient, [assessment.instrument]).get(assessment.instrument)
    return Status(201, _out(assessment, baseline))


@router.get(
    "/assessments/{int:assessment_id}",
    response={200: AssessmentOut, ERRORS: ErrorOut},
    summary="One assessment with its comparison to baseline (staff of the clinic; the patient)",
)
def read_assessment(request, assessment_id: int):
    assessment = get_assessment_for_user(request, assessment_id)
    baseline = _baselines(assessment.patient, [assessment.instrument]).get(assessment.instrument)
    return _out(assessment, baseline)


@router.post(
    "/assessments/{int:assessment_id}/entered-in-error",
    response={200: AssessmentOut, ERRORS: ErrorOut},
    summary="Mark an assessment entered in error, with the reason (clinicians and admins)",
)
def mark_in_error(request, assessment_id: int, payload: InErrorIn):
    assessment = get_assessment_for_update(request, assessment_id)
    assessment = do_mark_assessment_in_error(
        Actor.from_request(request), assessment, reason=payload.reason
    )
    return _out(assessment)
