"""The intake JSON API: read and fill a patient's latest intake.

The patient fills their own record; the clinic's write roles edit it. Answers go through
the intake actions, which check them against the questionnaire version and re-screen."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Router, Schema
from pydantic import Field

from ldnclinic.accounts.access import WRITE_ROLES, require_write
from ldnclinic.api import ERRORS, ErrorOut, StrictSchema
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.intake import actions
from ldnclinic.intake.definition import items
from ldnclinic.patients.access import (
    get_patient_for_update,
    get_patient_for_user,
    staff_role_for,
)

router = Router(tags=["intake"])

NOT_STARTED = "not_started"


class IntakeOut(Schema):
    patient: int
    questionnaire: str
    version: int
    status: str = Field(description="not_started, draft or submitted")
    answers: dict[str, Any]
    missing: list[str] = Field(description="Required items shown and still unanswered")
    submitted_at: datetime.datetime | None
    updated_at: datetime.datetime | None


class IntakeIn(StrictSchema):
    answers: dict[str, Any] = Field(
        description="Item id -> answer; items left out or empty are unanswered"
    )
    submit: bool = Field(False, description="Submit when complete; else keep a draft")


def _intake_out(patient):
    response = actions.latest_response(patient)
    version = response.version if response else actions.current_version(patient.clinic)
    answers = response.answers if response else {}
    check = actions.check_for_patient(version, patient, answers)
    tz = patient.clinic.tz
    return {
        "patient": patient.pk,
        "questionnaire": version.questionnaire.slug,
        "version": version.number,
        "status": response.status if response else NOT_STARTED,
        "answers": answers,
        "missing": check.missing,
        "submitted_at": response.submitted_at.astimezone(tz)
        if response and response.submitted_at
        else None,
        "updated_at": response.updated_at.astimezone(tz) if response else None,
    }


def _patient_to_fill(request, patient_id):
    """(patient, is_staff): staff of the clinic need a write role; a patient may fill
    only their own record; read-only tokens change nothing."""
    patient = get_patient_for_user(request, patient_id, event=None)
    if staff_role_for(request, patient) is not None:
        return get_patient_for_update(request, patient_id, roles=WRITE_ROLES), True
    if patient.user_id != request.user.pk:
        raise PermissionDenied("You may view this record but not change it.")
    require_write(request)
    return patient, False


def _refuse_unknown_items(patient, answers):
    response = actions.latest_response(patient)
    version = response.version if response else actions.current_version(patient.clinic)
    known = {item["id"] for item in items(version.definition)}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValidationError(
            {f"answers.{item_id}": "This questionnaire has no such item." for item_id in unknown}
        )


def _save(actor, patient, answers, *, staff, submit):
    if submit:
        return actions.do_submit_intake(actor, patient, answers)
    if staff:
        return actions.do_edit_intake(actor, patient, answers)
    return actions.do_save_intake_draft(actor, patient, answers)


@router.get(
    "/patients/{int:patient_id}/intake",
    response={200: IntakeOut, ERRORS: ErrorOut},
    summary="The patient's latest intake (clinic staff and the patient)",
)
def read_intake(request, patient_id: int):
    patient = get_patient_for_user(request, patient_id, event=Event.INTAKE_VIEWED)
    return _intake_out(patient)


@router.put(
    "/patients/{int:patient_id}/intake",
    response={200: IntakeOut, ERRORS: ErrorOut},
    summary="Save intake answers, as a draft or submitted (the patient; staff write roles)",
)
def save_intake(request, patient_id: int, payload: IntakeIn):
    patient, staff = _patient_to_fill(request, patient_id)
    _refuse_unknown_items(patient, payload.answers)
    try:
        _save(
            Actor.from_request(request),
            patient,
            payload.answers,
            staff=staff,
            submit=payload.submit,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        # Per-item messages, named like the schema's own field errors.
        raise ValidationError({f"answers.{k}": v for k, v in error.message_dict.items()}) from None
    return _intake_out(patient)
