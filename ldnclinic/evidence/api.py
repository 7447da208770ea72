"""The evidence library, read-only and public (no login): the conditions and, per
condition, the studies with their grades. Everyone reads the library as the public site
shows it: the public clinic's view (website/public.py), or the global library when no
clinic is set up."""

from ninja import Field, Query, Router, Schema

from ldnclinic.api import ERRORS, ErrorOut, error_response
from ldnclinic.evidence.library import conditions_for, get_condition, studies_for
from ldnclinic.website.public import public_clinic

router = Router(tags=["Evidence library"])


class ConditionListItemOut(Schema):
    slug: str
    name: str
    area: str = Field(description="'dermatology' or 'other'")
    certainty: str = Field(description="'moderate', 'low', 'very_low' or 'none' (no study found)")
    study_count: int
    icd10: str | None = Field(None, description="ICD-10-CM; absent where unconfirmed")
    snomed: str | None = Field(None, description="SNOMED CT; absent where unconfirmed")


class StudyOut(Schema):
    design: str
    n: str
    dose: str
    duration: str
    outcome: str
    direction: str = Field(description="'positive', 'negative', 'mixed' or 'no_result'")
    grade: str = Field(description="A–E as in the clinical reference, or '-' (unconfirmed)")
    pmid: str | None = None
    doi: str | None = None
    registry_id: str | None = None
    url: str | None = None
    year: int | None
    first_author: str
    citation: str
    low_dose: bool = Field(description="False for 50 mg (standard-dose) or topical studies")


class EvidenceOut(Schema):
    condition: str = Field(description="The condition's slug")
    name: str
    certainty: str
    summary: str
    studies: list[StudyOut]


class EvidenceQuery(Schema):
    condition: str = Field(max_length=60, description="A condition slug from /conditions")


def _or_none(value: str):
    return value or None


@router.get(
    "/conditions",
    auth=None,
    response=list[ConditionListItemOut],
    summary="The conditions in the evidence library with their overall certainty",
)
def list_conditions(request):
    return [
        {
            "slug": c.slug,
            "name": c.name,
            "area": c.area,
            "certainty": c.certainty,
            "study_count": c.study_count,
            "icd10": _or_none(c.icd10),
            "snomed": _or_none(c.snomed),
        }
        for c in conditions_for(public_clinic())
    ]


def _study(study) -> dict:
    return {
        "design": study.design,
        "n": study.n,
        "dose": study.dose,
        "duration": study.duration,
        "outcome": study.outcome,
        "direction": study.direction,
        "grade": study.grade,
        "pmid": _or_none(study.pmid),
        "doi": _or_none(study.doi),
        "registry_id": _or_none(study.registry_id),
        "url": _or_none(study.url),
        "year": study.year,
        "first_author": study.first_author,
        "citation": study.citation,
        "low_dose": study.is_low_dose,
    }


@router.get(
    "/evidence",
    auth=None,
    response={200: EvidenceOut, ERRORS: ErrorOut},
    exclude_none=True,
    summary="One condition's evidence: summary, certainty and studies",
)
def get_evidence(request, query: Query[EvidenceQuery]):
    clinic = public_clinic()
    condition = get_condition(clinic, query.condition)
    if condition is None:
        return error_response(
            request, "No such condition.", 404, {"condition": "Unknown condition slug."}
        )
    return {
        "condition": condition.slug,
        "name": condition.name,
        "certainty": condition.certainty,
        "summary": condition.summary,
        "studies": [_study(s) for s in studies_for(clinic, condition)],
    }
