"""POST /api/v1/plans/preview: the stateless titration preview (dose calendar, what to
dispense, sig, FHIR dosage). Stores nothing and reads no patient data. Like the screening
calculator it is open: signed-in clinic staff (API token or verified session) are not
limited; anyone else, patients included, is rate-limited per address."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.conf import settings
from ninja import Router, Schema
from pydantic import Field

from ldnclinic.accounts.access import current_membership
from ldnclinic.accounts.middleware import needs_second_factor
from ldnclinic.api import ERRORS, ErrorOut, StrictSchema, TokenAuth, error_response
from ldnclinic.plans.preview import preview
from ldnclinic.plans.titration import PlanInputError
from ldnclinic.scheduling.public import take_hourly_attempt

router = Router(tags=["Plan preview"])

# The hourly allowance for callers who are not clinic staff; overridable in settings.
DEFAULT_PUBLIC_PER_HOUR = 60


class LiquidIn(StrictSchema):
    type: Literal["liquid"]
    concentration_mg_per_ml: Decimal = Field(description="0.1 to 10 mg/mL; 1 mg/mL is usual")
    preserved: bool = False


class CapsuleIn(StrictSchema):
    type: Literal["capsule"]


class AdjustmentIn(StrictSchema):
    kind: Literal["hold", "step_back", "morning", "bedtime", "pause", "resume", "stop"]
    effective_date: datetime.date
    days: int | None = Field(None, description="hold: how many more days (1 to 90)")
    reason: str = Field("", max_length=500)


class PreviewIn(StrictSchema):
    start_date: datetime.date
    start_mg: Decimal = Field(description="0.1 mg or more")
    step_mg: Decimal = Field(description="0 for a fixed dose")
    interval_days: int = Field(description="Days per step, 1 or more")
    target_mg: Decimal = Field(
        description="Up to 4.5 mg, or up to 50 mg with beyond_low_dose_confirmed"
    )
    duration_days: int = Field(description="1 to 730")
    timing: Literal["bedtime", "morning"] = "bedtime"
    weight_kg: Decimal | None = Field(None, description="With mg_per_kg: weight-based target")
    mg_per_kg: Decimal | None = Field(None, description="e.g. 0.1 (paediatric)")
    max_mg: Decimal | None = Field(
        None, description="Default 4.5 mg (the target when beyond 4.5 mg is confirmed)"
    )
    beyond_low_dose_confirmed: bool = False
    formulation: Annotated[LiquidIn | CapsuleIn, Field(discriminator="type")]
    adjustments: list[AdjustmentIn] = Field(
        [], max_length=20, description="Optional: applied in order to the calendar"
    )


class StepOut(Schema):
    start_date: datetime.date
    end_date: datetime.date
    dose_mg: str
    timing: str
    days: int
    volume_ml: str | None = None
    sig: str


class FillOut(Schema):
    start_date: datetime.date
    end_date: datetime.date
    days: int
    capsules: dict[str, int]
    volume_ml: str | None


class DispenseOut(Schema):
    type: str
    preparation: str
    preparation_name: str
    concentration_mg_per_ml: str | None
    period_start: datetime.date | None
    period_end: datetime.date | None
    dosing_days: int
    days_supply: int = Field(description="Days covered by the first fill")
    refills: int
    beyond_use_days: int
    beyond_use_label: str
    beyond_use_source: str
    beyond_use_grade: str
    storage: str
    strengths: dict[str, int] = Field(description="Capsules per strength (mg) over all fills")
    total_volume_ml: str | None
    fills: list[FillOut]


class PreviewOut(Schema):
    steps: list[StepOut]
    start_date: datetime.date | None
    end_date: datetime.date | None
    dispense: DispenseOut
    sig: str
    sig_lines: list[str]
    dosage_instruction: list[dict] = Field(description="FHIR R4 Dosage entries")
    notices: list[str]
    effective_target_mg: str
    scheme: dict
    formulation: dict


def _staff_membership(request):
    # The endpoint is open (auth=None), so authenticate by hand only to lift the limit.
    if request.headers.get("Authorization"):
        TokenAuth()(request)  # sets request.user when the token is valid
    elif needs_second_factor(request):
        return None
    return current_membership(request)


def _clinic_compounding(clinic):
    """The clinic's edited beyond-use days and storage texts, read without creating the
    settings row (the preview stores nothing); None for the defaults."""
    from ldnclinic.prescriptions.models import CompoundingSettings

    return CompoundingSettings.objects.filter(clinic=clinic).first()


@router.post(
    "/plans/preview",
    auth=None,
    response={200: PreviewOut, 429: ErrorOut, ERRORS: ErrorOut},
    summary="Preview an LDN titration: dose calendar, dispense, sig (stateless)",
    description=(
        "Builds the day-by-day dose calendar for a scheme, what to dispense (capsules per "
        "strength or liquid volume, fills within the beyond-use days, refills), the sig and "
        "FHIR `dosageInstruction` entries. With `weight_kg` and `mg_per_kg` the target is "
        "weight-based, capped by `target_mg` and `max_mg`. Doses above 4.5 mg need "
        "`beyond_low_dose_confirmed`; above 50 mg are refused. Stores nothing. Callers who "
        "are not clinic staff get 429 with `Retry-After` when over the hourly limit; staff "
        "get their clinic's beyond-use days and storage texts."
    ),
)
def preview_plan(request, payload: PreviewIn):
    membership = _staff_membership(request)
    compounding = _clinic_compounding(membership.clinic) if membership else None
    if membership is None:
        limit = getattr(settings, "PUBLIC_PLAN_PREVIEW_PER_HOUR", DEFAULT_PUBLIC_PER_HOUR)
        retry_after = take_hourly_attempt(request, "public-plan-preview", limit)
        if retry_after is not None:
            response = error_response(
                request,
                f"Too many previews from this address. Try again in "
                f"{-(-retry_after // 60)} minutes.",
                429,
            )
            response["Retry-After"] = str(retry_after)
            return response
    try:
        result = preview(
            payload.model_dump(exclude_none=True),
            bud_days=compounding.bud_days() if compounding else None,
        )
    except PlanInputError as error:
        name, message = next(iter(error.errors.items()))
        return error_response(request, f"{name}: {message}", 422, error.errors)
    if compounding is not None:
        storage = compounding.storage_override(result["dispense"]["preparation"])
        if storage:
            result["dispense"]["storage"] = storage
    return result
