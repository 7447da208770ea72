"""POST /api/v1/screening/evaluate: the stateless safety screen, also behind the public
self-check. Stores nothing. Anonymous callers are rate-limited per address; signed-in
staff (API token or verified session) are not."""

from typing import Literal

from ninja import Router, Schema
from pydantic import Field, field_validator

from ldnclinic.api import ERRORS, ErrorOut, StrictSchema, error_response
from ldnclinic.core.ratelimit import over_public_limit
from ldnclinic.screening.engine import MAX_AGE_YEARS, NEVER, Facts, ScreeningResult, evaluate

router = Router(tags=["screening"])

# Overridable in settings; the public self-check makes one call per submitted form.

Procedure = Literal["ldn", "laser", "microneedling", "prp", "led", "topical"]

# Fields whose explicit null means "never" / "none planned" (an answer); leaving the field
# out means "not answered".
NULL_MEANS_NEVER = (
    "last_opioid_dose_days_ago",
    "planned_surgery_in_days",
    "isotretinoin_months_ago",
)


class EvaluateIn(StrictSchema):
    medications: list[str] | None = Field(
        None, max_length=50, description="Free text, one medicine per entry"
    )
    conditions: list[str] | None = Field(None, max_length=50)
    age_years: int | None = Field(None, ge=0, le=MAX_AGE_YEARS)
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    liver_disease: Literal["none", "chronic", "acute_hepatitis", "liver_failure"] | None = None
    kidney_disease: Literal["none", "mild", "moderate", "severe"] | None = None
    last_opioid_dose_days_ago: int | None = Field(
        None, ge=0, description="null: never took an opioid; omit: not answered"
    )
    planned_surgery_in_days: int | None = Field(
        None, ge=0, description="null: no surgery planned; omit: not answered"
    )
    thyroid_hormone: bool | None = None
    immunosuppressed: bool | None = None
    procedures: list[Procedure] | None = Field(
        None, min_length=1, max_length=6, description="Default: ldn"
    )
    isotretinoin_months_ago: float | None = Field(
        None, ge=0, description="null: never took isotretinoin; omit: not answered"
    )
    anticoagulants: bool | None = None
    keloid_tendency: bool | None = None
    active_skin_infection: bool | None = None
    # Beyond the list: without these the LDN rules could never be cleared.
    naltrexone_hypersensitivity: bool | None = None
    depression: bool | None = None
    last_opioid_long_acting: bool | None = None
    bleeding_disorder: bool | None = None
    recent_tanning: bool | None = None
    pacemaker_or_implants: bool | None = None
    photosensitising_drugs: bool | None = None

    @field_validator("medications", "conditions")
    @classmethod
    def _short_entries(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(v) > 200 for v in value):
            raise ValueError("Each entry must be at most 200 characters.")
        return value

    def facts(self) -> Facts:
        values = self.model_dump(exclude={"procedures"}, exclude_unset=True)
        for name in NULL_MEANS_NEVER:
            if name in values and values[name] is None:
                values[name] = NEVER
        return Facts(**values)


class EvidenceOut(Schema):
    grade: str
    source: str | None


class FindingOut(Schema):
    rule: str
    title: str
    severity: str
    applies_to: list[str]
    reason: str
    patient_message: str
    matched: dict
    evidence: EvidenceOut
    convention: bool


class EvaluateOut(Schema):
    status: Literal["contraindicated", "review", "caution", "clear"]
    findings: list[FindingOut]
    unmatched_medications: list[str]
    unanswered: list[str] = Field(description="Facts some applicable rule needed but lacked")
    ruleset_version: str


def _out(result: ScreeningResult) -> dict:
    return {
        "status": result.status,
        "findings": [
            {
                "rule": f.rule,
                "title": f.title,
                "severity": f.severity,
                "applies_to": list(f.applies_to),
                "reason": f.reason,
                "patient_message": f.patient_message,
                "matched": f.matched,
                "evidence": f.evidence,
                "convention": f.convention,
            }
            for f in result.findings
        ],
        "unmatched_medications": list(result.unmatched_medications),
        "unanswered": list(result.unanswered),
        "ruleset_version": result.ruleset_version,
    }


@router.post(
    "/screening/evaluate",
    auth=None,
    response={200: EvaluateOut, 429: ErrorOut, ERRORS: ErrorOut},
    summary="Screen answers against the LDN and skin-procedure safety rules (stateless)",
    description=(
        "Every field is optional; an omitted field is *not answered* and never read as "
        "'no', so the status is at least `review` while an applicable rule lacks an "
        "answer (see `unanswered`). For the days/months-ago fields, `null` means never. "
        "Stores nothing. Anonymous callers get 429 with `Retry-After` when over the limit."
    ),
)
def evaluate_screening(request, payload: EvaluateIn):
    limited = over_public_limit(
        request, "public-screening", "PUBLIC_SCREENING_PER_HOUR", 60, "screenings"
    )
    if limited:
        return limited
    try:
        result = evaluate(payload.facts(), procedures=payload.procedures)
    except ValueError as error:
        field, _, message = str(error).partition(": ")
        return error_response(request, str(error), 422, {field: message or str(error)})
    return _out(result)
