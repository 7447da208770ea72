"""The outcome instrument calculators: list, describe, score, compare. Stateless and
open like POST /screening/evaluate: anonymous callers are rate-limited per address on the
calculating operations; signed-in staff (API token or verified session) are not."""

import json

from ninja import Router, Schema
from pydantic import Field

from ldnclinic.api import ERRORS, ErrorOut, error_response
from ldnclinic.core.ratelimit import over_public_limit
from ldnclinic.outcomes.instruments import (
    Instrument,
    InstrumentInputError,
    UnknownInstrument,
    catalogue,
    compare,
    get_instrument,
)

router = Router(tags=["Outcome instruments"])

# Requests carry a handful of numbers; anything bigger is not a form.
MAX_BODY_BYTES = 64 * 1024
DEFAULT_PER_HOUR = 600


class InstrumentOut(Schema):
    code: str
    name: str
    version: str
    reported_by: str
    range: list[float]
    direction: str
    items: dict
    bands: list[dict]
    bands_source: str | None = None
    formula: str | None = None
    mcid_note: str | None = None
    copyright: str | None = Field(None, description="Show on every rendering when set")
    responses: list[dict]
    mcid: dict | None
    licence: str
    embed_text: bool
    sources: list[str]
    fhir: dict
    example: dict


class ScoreOut(Schema):
    total: float
    band: str | None
    components: dict


class CompareOut(Schema):
    baseline: float
    current: float
    change: float
    percent_change: float | None
    reached: list[str]
    not_evaluated: list[str]
    mcid: dict | None


def _describe(instrument: Instrument) -> dict:
    return {
        **{k: v for k, v in instrument.data.items() if k in InstrumentOut.model_fields},
        "fhir": instrument.fhir_coding(),
    }


def _over_limit(request):
    return over_public_limit(
        request,
        "public-instruments",
        "PUBLIC_INSTRUMENTS_PER_HOUR",
        DEFAULT_PER_HOUR,
        "calculations",
    )


def _json_body(request):
    if len(request.body) > MAX_BODY_BYTES:
        raise InstrumentInputError({"body": "Too large."})
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InstrumentInputError({"body": "The request body is not valid JSON."}) from None


def _instrument(request, code):
    try:
        return get_instrument(code), None
    except UnknownInstrument:
        return None, error_response(request, f"Unknown instrument: {code[:40]}.", 404)


def _invalid(request, error: InstrumentInputError):
    return error_response(request, str(error), 422, error.fields)


@router.get(
    "/instruments",
    auth=None,
    response=list[InstrumentOut],
    summary="List the outcome instruments with their item schemas, bands and responses",
)
def list_instruments(request):
    return [_describe(i) for i in catalogue().values()]


@router.get(
    "/instruments/{code}",
    auth=None,
    response={200: InstrumentOut, ERRORS: ErrorOut},
    summary="One outcome instrument",
)
def get_instrument_detail(request, code: str):
    instrument, missing = _instrument(request, code)
    return missing or _describe(instrument)


@router.post(
    "/instruments/{code}/score",
    auth=None,
    response={200: ScoreOut, 429: ErrorOut, ERRORS: ErrorOut},
    summary="Score one filled form (stateless)",
    description=(
        "The body is the item object of the instrument (see its `items` schema). "
        "Answers `{total, band, components}`; a bad item is a 422 naming its path in "
        "`fields`, e.g. `regions.head.area`. Stores nothing."
    ),
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {}}}}},
)
def score_instrument(request, code: str):
    instrument, missing = _instrument(request, code)
    if missing:
        return missing
    limited = _over_limit(request)
    if limited:
        return limited
    try:
        result = instrument.score(_json_body(request))
    except InstrumentInputError as error:
        return _invalid(request, error)
    return {"total": result.total, "band": result.band, "components": result.components}


@router.post(
    "/instruments/{code}/compare",
    auth=None,
    response={200: CompareOut, 429: ErrorOut, ERRORS: ErrorOut},
    summary="Change from baseline and the response thresholds reached (stateless)",
    description=(
        '`{"baseline": total, "current": total}`, or item objects in place of totals '
        "(needed for component-based definitions such as oSCORAD-35 and HiSCR; those "
        "left unjudged are listed in `not_evaluated`)."
    ),
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {}}}}},
)
def compare_instrument(request, code: str):
    instrument, missing = _instrument(request, code)
    if missing:
        return missing
    limited = _over_limit(request)
    if limited:
        return limited
    try:
        body = _json_body(request)
        if type(body) is not dict:
            raise InstrumentInputError({"body": "Send a JSON object."})
        unknown = [k for k in body if k not in ("baseline", "current")]
        if unknown:
            raise InstrumentInputError({str(unknown[0])[:60]: "Unknown field."})
        sides = {}
        for side in ("baseline", "current"):
            if side not in body:
                raise InstrumentInputError({side: "Required."})
            kind = "items" if type(body[side]) is dict else "total"
            sides[f"{side}_{kind}"] = body[side]
        baseline_total = sides.pop("baseline_total", None)
        current_total = sides.pop("current_total", None)
        return compare(instrument.code, baseline_total, current_total, **sides)
    except InstrumentInputError as error:
        return _invalid(request, error)
