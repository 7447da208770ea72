"""A patient's stored safety screen over the JSON API, and the clinician's review of it.

Staff only: a patient asking for their own screening gets 404, as on the chart. Reviews
are for clinicians and clinic admins (front desk and read-only tokens: 403)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Router, Schema
from pydantic import Field

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.api import ERRORS, ErrorOut, StrictSchema
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.patients.access import get_patient_for_staff, get_patient_for_update
from ldnclinic.screening import actions
from ldnclinic.screening.models import Screening
from ldnclinic.screening.status import blocking_findings

router = Router(tags=["screening"])

NOT_SCREENED = "not_screened"


class EvidenceOut(Schema):
    grade: str
    source: str | None
    convention: bool


class ReviewOut(Schema):
    kind: str
    reason: str
    by: int
    by_name: str
    at: datetime.datetime


class FindingOut(Schema):
    rule: str
    title: str
    severity: str
    applies_to: list[str]
    reason: str
    patient_message: str
    matched: dict[str, Any] = Field(description="The answers that triggered the finding")
    evidence: EvidenceOut
    review: ReviewOut | None


class BlockingOut(Schema):
    rule: str
    title: str
    severity: str
    reason: str


class ScreeningOut(Schema):
    patient: int
    id: int | None = Field(description="null when the patient has never been screened")
    status: str = Field(description="contraindicated, review, caution, clear or not_screened")
    ruleset_version: str | None
    created_at: datetime.datetime | None
    procedures: list[str]
    findings: list[FindingOut]
    unmatched_medications: list[str]
    unanswered: list[str]
    may_prescribe: bool
    blocking: list[BlockingOut] = Field(
        description="What stands between the patient and an LDN prescription"
    )


class AcknowledgeIn(StrictSchema):
    rule: str = Field(min_length=1, max_length=100)
    screening: int | None = Field(
        None, description="The screening reviewed; default the latest. Pin it to avoid a race"
    )


class OverrideIn(AcknowledgeIn):
    reason: str = Field(max_length=2000, description="Why proceeding is justified")


def _review_out(review):
    return {
        "kind": review.kind,
        "reason": review.reason,
        "by": review.by_id,
        "by_name": review.by.full_name or review.by.email,
        "at": review.at.astimezone(review.screening.clinic.tz),
    }


def _finding_out(finding, review):
    return {
        **finding,
        "evidence": {
            "grade": finding["grade"],
            "source": finding["source"],
            "convention": finding["convention"],
        },
        "review": _review_out(review) if review else None,
    }


def _blocking_out(findings):
    return [
        {
            "rule": f["rule"],
            "title": f["title"],
            "severity": f["severity"],
            "reason": f["reason"],
        }
        for f in findings
    ]


def _screening_out(patient):
    screening = actions.latest_screening(patient)
    blocking = blocking_findings(patient)
    result = {
        "patient": patient.pk,
        "may_prescribe": not blocking,
        "blocking": _blocking_out(blocking),
    }
    if screening is None:
        return {
            **result,
            "id": None,
            "status": NOT_SCREENED,
            "ruleset_version": None,
            "created_at": None,
            "procedures": [],
            "findings": [],
            "unmatched_medications": [],
            "unanswered": [],
        }
    reviews = {r.rule: r for r in screening.reviews.select_related("by", "screening__clinic")}
    return {
        **result,
        "id": screening.pk,
        "status": screening.status,
        "ruleset_version": screening.ruleset_version,
        "created_at": screening.created_at.astimezone(patient.clinic.tz),
        "procedures": screening.procedures,
        "findings": [_finding_out(f, reviews.get(f["rule"])) for f in screening.findings],
        "unmatched_medications": screening.unmatched_medications,
        "unanswered": screening.unanswered,
    }


def _screening_to_review(patient, pk):
    if pk is None:
        screening = actions.latest_screening(patient)
        if screening is None:
            raise ValidationError("This patient has not been screened yet.")
        return screening
    screening = Screening.objects.filter(patient=patient, pk=pk).first()
    if screening is None:
        raise ValidationError({"screening": "This patient has no such screening."})
    return screening


@router.get(
    "/patients/{int:patient_id}/screening",
    response={200: ScreeningOut, ERRORS: ErrorOut},
    summary="The patient's latest safety screen and what blocks prescribing (staff)",
)
def read_screening(request, patient_id: int):
    # No screening-view code exists: INTAKE_VIEWED is the read, as on the chart tab.
    patient = get_patient_for_staff(request, patient_id, event=Event.INTAKE_VIEWED)
    return _screening_out(patient)


@router.post(
    "/patients/{int:patient_id}/screening/acknowledge",
    response={200: ScreeningOut, ERRORS: ErrorOut},
    summary="Acknowledge a caution or review finding (clinicians and admins)",
)
def acknowledge_finding(request, patient_id: int, payload: AcknowledgeIn):
    patient = get_patient_for_update(request, patient_id, roles=CLINICAL_ROLES)
    screening = _screening_to_review(patient, payload.screening)
    actions.do_acknowledge_finding(Actor.from_request(request), screening, payload.rule)
    return _screening_out(patient)


@router.post(
    "/patients/{int:patient_id}/screening/override",
    response={200: ScreeningOut, ERRORS: ErrorOut},
    summary="Override a contraindication with a written reason (clinicians and admins)",
)
def override_finding(request, patient_id: int, payload: OverrideIn):
    patient = get_patient_for_update(request, patient_id, roles=CLINICAL_ROLES)
    screening = _screening_to_review(patient, payload.screening)
    actions.do_override_finding(
        Actor.from_request(request), screening, payload.rule, payload.reason
    )
    return _screening_out(patient)
