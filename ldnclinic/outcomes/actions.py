"""Recording scored assessments and marking them entered in error. The instrument library
scores; these functions check what only they can (the patient owns the appointment, the plan
and the request), save, and audit in one transaction. Assessments are never deleted."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import record
from ldnclinic.outcomes.instruments import InstrumentInputError, UnknownInstrument, get_instrument
from ldnclinic.outcomes.models import (
    Assessment,
    AssessmentRequest,
    AssessmentSource,
    AssessmentStatus,
    RequestStatus,
)

NOTE_MAX = 2000
REASON_MAX = 300
# A clock a few minutes fast on the recording device is not a future assessment.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def instrument_or_error(code):
    try:
        return get_instrument(str(code or ""))
    except UnknownInstrument:
        raise ValidationError({"instrument": f"Unknown instrument: {str(code)[:40]}."}) from None


def score_items(instrument, items):
    """The library's Result, or a ValidationError keyed by item path ("regions.head.area")."""
    try:
        return instrument.score(items)
    except InstrumentInputError as error:
        raise ValidationError(dict(error.fields)) from None


def _check_links(patient, appointment, plan, request_obj, instrument):
    errors = {}
    if appointment is not None and appointment.patient_id != patient.pk:
        errors["appointment"] = "This appointment is not this patient's."
    if plan is not None and plan.patient_id != patient.pk:
        errors["plan"] = "This plan is not this patient's."
    if request_obj is not None:
        if request_obj.patient_id != patient.pk or request_obj.instrument != instrument.code:
            errors["request"] = "This request is not for this patient and instrument."
        elif request_obj.status != RequestStatus.OPEN:
            errors["request"] = "This questionnaire has already been answered or has closed."
    if errors:
        raise ValidationError(errors)


def _check_when(assessed_at, now):
    if not isinstance(assessed_at, datetime.datetime) or timezone.is_naive(assessed_at):
        raise ValidationError({"assessed_at": "Give a date and time with its time zone."})
    if assessed_at > now + CLOCK_SKEW:
        raise ValidationError({"assessed_at": "This time has not come yet."})
    return assessed_at


@transaction.atomic
def do_record_assessment(
    actor,
    patient,
    *,
    instrument_code,
    items,
    source,
    assessed_at=None,
    appointment=None,
    plan=None,
    request_obj=None,
    note="",
    now=None,
) -> Assessment:
    """Score `items` with the instrument and store the result with the instrument version.
    A patient-reported request answered here becomes completed (locked first, so a double
    submit of the same link records one assessment)."""
    now = now or timezone.now()
    instrument = instrument_or_error(instrument_code)
    if source not in AssessmentSource.values:
        raise ValidationError({"source": "Unknown source."})
    assessed_at = _check_when(assessed_at or now, now)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"Keep the note to {NOTE_MAX} characters."})
    if request_obj is not None:
        request_obj = AssessmentRequest.objects.select_for_update().get(pk=request_obj.pk)
        if plan is None:
            plan = request_obj.plan
    _check_links(patient, appointment, plan, request_obj, instrument)
    result = score_items(instrument, items)
    assessment = Assessment.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        plan=plan,
        appointment=appointment,
        instrument=instrument.code,
        instrument_version=instrument.data["version"][:200],
        items=items,
        total=Decimal(str(round(result.total, 2))).quantize(Decimal("0.01")),
        band=result.band or "",
        components=result.components or {},
        assessed_at=assessed_at,
        source=source,
        recorded_by=actor.user,
        request=request_obj,
        note=note,
    )
    if request_obj is not None:
        request_obj.status = RequestStatus.COMPLETED
        request_obj.completed_at = now
        request_obj.save(update_fields=["status", "completed_at"])
    record(
        Event.ASSESSMENT_RECORDED,
        actor,
        patient=patient,
        subject=assessment,
        instrument=assessment.instrument,
        total=str(assessment.total),
        band=assessment.band,
        source=source,
        request=request_obj.pk if request_obj else None,
    )
    return assessment


@transaction.atomic
def do_mark_assessment_in_error(actor, assessment, *, reason) -> Assessment:
    """Keep the row (and its history) but take it out of totals, comparisons and charts."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this assessment is wrong."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason to {REASON_MAX} characters."})
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status == AssessmentStatus.ENTERED_IN_ERROR:
        raise ValidationError("This assessment is already marked entered in error.")
    assessment.status = AssessmentStatus.ENTERED_IN_ERROR
    assessment.error_reason = reason
    assessment.save(update_fields=["status", "error_reason"])
    record(
        Event.ASSESSMENT_IN_ERROR,
        actor,
        patient=assessment.patient,
        subject=assessment,
        instrument=assessment.instrument,
        reason=reason,
    )
    return assessment
