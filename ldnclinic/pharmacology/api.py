"""The dose explainer's numbers as JSON: an illustrative single-dose curve. Public and
stateless like the instrument calculators; anonymous callers are rate-limited per address,
signed-in staff are not. No patient data is read, so nothing is audited."""

from ninja import Query, Router, Schema
from pydantic import Field

from ldnclinic.api import ERRORS, ErrorOut, error_response
from ldnclinic.core.ratelimit import over_public_limit
from ldnclinic.pharmacology.model import MAX_DOSE_MG, MAX_HOURS, ModelInputError, load, simulate

router = Router(tags=["Pharmacology"])

DEFAULT_PER_HOUR = 600


class OccupancyQuery(Schema):
    dose_mg: float = Field(..., description=f"Dose in mg, more than 0 and at most {MAX_DOSE_MG:g}")
    hours: int = Field(24, description=f"Hours after the dose to chart, 1–{MAX_HOURS}")
    dosing_hour: float = Field(22, description="Clock hour of the dose, 0 to under 24 (22 = 10 pm)")


class PointOut(Schema):
    hour: float
    clock: str
    naltrexone_ng_ml: float
    naltrexol_ng_ml: float
    occupancy: float = Field(..., description="Estimated μ-opioid receptor occupancy, 0–1")


class SummaryOut(Schema):
    peak_occupancy: float
    peak_hour: float
    peak_clock: str
    occupancy_8h: float
    occupancy_12h: float
    occupancy_24h: float
    hours_above_50_percent: float
    naltrexone_peak_ng_ml: float
    naltrexol_peak_ng_ml: float
    ec50_ng_ml: float
    apparent_volume_l: float


class SourceOut(Schema):
    id: str
    citation: str
    url: str
    grade: str


class OccupancyOut(Schema):
    dose_mg: float
    dosing_hour: float
    hours: int
    illustrative: bool
    label: str
    points: list[PointOut]
    summary: SummaryOut
    assumptions: list[str]
    sources: list[SourceOut]


def _over_limit(request):
    return over_public_limit(
        request, "public-pharmacology", "PUBLIC_PHARMACOLOGY_PER_HOUR", DEFAULT_PER_HOUR, "requests"
    )


@router.get(
    "/pharmacology/occupancy",
    auth=None,
    response={200: OccupancyOut, 429: ErrorOut, ERRORS: ErrorOut},
    summary="Illustrative naltrexone, 6β-naltrexol and μ-receptor occupancy after one dose",
    description=(
        "A one-compartment model scaled from 50 mg data, for education only: not a "
        "measurement and not for dosing decisions. `points` every half hour; occupancy is a "
        "fraction 0–1. The assumptions and sources come with every answer."
    ),
)
def occupancy(request, query: Query[OccupancyQuery]):
    limited = _over_limit(request)
    if limited:
        return limited
    try:
        result = simulate(query.dose_mg, dosing_hour=query.dosing_hour, hours=query.hours)
    except ModelInputError as error:
        return error_response(
            request, f"{error.field}: {error.message}", 400, {error.field: error.message}
        )
    model = load()
    return {
        "dose_mg": result.dose_mg,
        "dosing_hour": result.dosing_hour,
        "hours": result.hours,
        "illustrative": True,
        "label": model.data["label"],
        "points": result.points,
        "summary": result.summary,
        "assumptions": model.assumptions,
        "sources": model.sources,
    }
