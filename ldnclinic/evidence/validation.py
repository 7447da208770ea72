"""Checks for evidence library entries, shared by the seed loader, the admin forms and the
actions. Plain Python (no Django): each function takes a dict and returns it cleaned, or
raises EvidenceDataError whose `errors` name the field that is wrong."""

import datetime
import re

# The choices of evidence/models.py (a test keeps the two in step).
GRADES = ("A", "B", "C", "D", "E", "-")
DIRECTIONS = ("positive", "negative", "mixed", "no_result")
CERTAINTIES = ("moderate", "low", "very_low", "none")
AREAS = ("dermatology", "other")
# The public therapy pages' slugs; the protocols' adjunct "topical" is the page "topicals".
THERAPIES = ("laser", "microneedling-prp", "led", "topicals")
ADJUNCT_THERAPY = {
    "laser": "laser",
    "microneedling-prp": "microneedling-prp",
    "led": "led",
    "topical": "topicals",
}

FIRST_YEAR = 1950

PMID_RE = re.compile(r"^\d{1,8}$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
REGISTRY_RES = (
    re.compile(r"^NCT\d{8}$"),  # ClinicalTrials.gov
    re.compile(r"^IRCT\d+N\d+$"),  # Iranian Registry of Clinical Trials
    re.compile(r"^ISRCTN\d{8}$"),
    re.compile(r"^ACTRN\d{14}$"),
    re.compile(r"^EUCTR\d{4}-\d{6}-\d{2}(-[A-Z]{2})?$"),
)
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Words of the editor's URLs (/clinic/evidence/new/, /clinic/evidence/studies/<pk>/): a
# condition with one of these slugs could not be told apart from the page.
RESERVED_SLUGS = ("new", "studies")
ICD10_RE = re.compile(r"^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$")
SNOMED_RE = re.compile(r"^\d{6,18}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# The library states evidence; it never promises an outcome.
OVERCLAIM_RE = re.compile(r"\b(cure[sd]?|miracle|miraculous)\b", re.IGNORECASE)

CONDITION_TEXT = {
    "name": 120,
    "synonyms": 300,
    "protocol_condition": 60,
}
STUDY_TEXT = {
    "first_author": 120,
    "citation": 300,
    "design": 160,
    "n": 60,
    "dose": 120,
    "duration": 120,
    "grade_note": 200,
}


class EvidenceDataError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        field, message = next(iter(errors.items()))
        super().__init__(f"{field}: {message}")


def _text(data: dict, field: str, limit: int | None = None, *, required=False) -> str:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise EvidenceDataError({field: "Must be text."})
    value = value.strip()
    if required and not value:
        raise EvidenceDataError({field: "Required."})
    if limit is not None and len(value) > limit:
        raise EvidenceDataError({field: f"At most {limit} characters."})
    return value


def _choice(data: dict, field: str, choices) -> str:
    value = data.get(field)
    if value not in choices:
        raise EvidenceDataError({field: f"Choose one of: {', '.join(choices)}."})
    return value


def _no_overclaim(field: str, text: str) -> None:
    match = OVERCLAIM_RE.search(text)
    if match:
        raise EvidenceDataError(
            {field: f"Say what the studies found; “{match.group(0)}” overclaims."}
        )


def clean_pmid(value: str) -> str:
    value = (value or "").strip()
    if value and not PMID_RE.match(value):
        raise EvidenceDataError({"pmid": "A PMID is 1 to 8 digits (e.g. 32449418)."})
    return value


def clean_doi(value: str) -> str:
    value = (value or "").strip()
    for prefix in DOI_PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
            break
    if value and not DOI_RE.match(value):
        raise EvidenceDataError({"doi": "A DOI looks like 10.1001/jamadermatol.2024.4098."})
    return value


def clean_registry_id(value: str) -> str:
    value = (value or "").strip().upper()
    if value and not any(pattern.match(value) for pattern in REGISTRY_RES):
        raise EvidenceDataError(
            {"registry_id": "A trial registry id such as NCT04409041 or IRCT20180809040747N1."}
        )
    return value


def clean_url(value: str) -> str:
    value = (value or "").strip()
    if value and (len(value) > 400 or not URL_RE.match(value)):
        raise EvidenceDataError({"url": "A web address starting with https:// (at most 400)."})
    return value


def clean_year(value, *, today: datetime.date | None = None):
    if value in (None, ""):
        return None
    last = (today or datetime.date.today()).year + 1
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise EvidenceDataError({"year": "A year, e.g. 2017."}) from None
    if isinstance(value, bool) or not FIRST_YEAR <= year <= last:
        raise EvidenceDataError({"year": f"A year between {FIRST_YEAR} and {last}."})
    return year


def _codes(data: dict, field: str, pattern, example: str) -> str:
    value = _text(data, field, 20)
    codes = [c.strip() for c in value.split(",") if c.strip()]
    for code in codes:
        if not pattern.match(code):
            raise EvidenceDataError({field: f"“{code}” is not a code like {example}."})
    return ", ".join(codes)


def _therapies(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [t.strip() for t in value.split(",") if t.strip()]
    if not isinstance(value, list | tuple):
        raise EvidenceDataError({"therapies": "A list of therapy slugs."})
    for slug in value:
        if slug not in THERAPIES:
            raise EvidenceDataError({"therapies": f"Choose from: {', '.join(THERAPIES)}."})
    return [t for t in THERAPIES if t in value]


def validate_condition(data: dict) -> dict:
    """The condition's own fields, cleaned (studies are checked by validate_study)."""
    if not isinstance(data, dict):
        raise EvidenceDataError({"condition": "Must be an object."})
    slug = _text(data, "slug", 60, required=True)
    if not SLUG_RE.match(slug):
        raise EvidenceDataError({"slug": "Lower-case letters, digits and single hyphens."})
    if slug in RESERVED_SLUGS:
        raise EvidenceDataError({"slug": f"“{slug}” is reserved for the editor; choose another."})
    summary = _text(data, "summary", required=True)
    _no_overclaim("summary", summary)
    protocol_condition = _text(data, "protocol_condition", 60)
    if protocol_condition and not SLUG_RE.match(protocol_condition):
        raise EvidenceDataError({"protocol_condition": "A protocol condition slug."})
    return {
        "slug": slug,
        "name": _text(data, "name", CONDITION_TEXT["name"], required=True),
        "area": _choice(data, "area", AREAS),
        "synonyms": _text(data, "synonyms", CONDITION_TEXT["synonyms"]),
        "icd10": _codes(data, "icd10", ICD10_RE, "L40.9"),
        "snomed": _codes(data, "snomed", SNOMED_RE, "9014002"),
        "protocol_condition": protocol_condition,
        "certainty": _choice(data, "certainty", CERTAINTIES),
        "summary": summary,
        "therapies": _therapies(data.get("therapies")),
        "is_published": bool(data.get("is_published", True)),
    }


def validate_study(data: dict, *, today: datetime.date | None = None) -> dict:
    """One study, cleaned. It must say where to find it (PMID, DOI, registry id, web
    address or journal citation); a study's grade is one of A–E or "-" (unconfirmed)."""
    if not isinstance(data, dict):
        raise EvidenceDataError({"study": "Must be an object."})
    clean = {field: _text(data, field, limit) for field, limit in STUDY_TEXT.items()}
    if not clean["design"]:
        raise EvidenceDataError({"design": "Required."})
    clean["outcome"] = _text(data, "outcome", required=True)
    _no_overclaim("outcome", clean["outcome"])
    clean["year"] = clean_year(data.get("year"), today=today)
    clean["direction"] = _choice(data, "direction", DIRECTIONS)
    clean["grade"] = _choice(data, "grade", GRADES)
    clean["pmid"] = clean_pmid(data.get("pmid"))
    clean["doi"] = clean_doi(data.get("doi"))
    clean["registry_id"] = clean_registry_id(data.get("registry_id"))
    clean["url"] = clean_url(data.get("url"))
    is_low_dose = data.get("is_low_dose", True)
    if not isinstance(is_low_dose, bool):
        raise EvidenceDataError({"is_low_dose": "True or false."})
    clean["is_low_dose"] = is_low_dose
    if not any(clean[f] for f in ("pmid", "doi", "registry_id", "url", "citation")):
        raise EvidenceDataError(
            {"pmid": "Say where to find it: a PMID, DOI, registry id, web address or citation."}
        )
    return clean
