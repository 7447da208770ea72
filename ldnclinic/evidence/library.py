"""The one read interface of the evidence library for pages, the API and the plan builder.

What a clinic sees is the global library with its own changes laid over it: its copy of a
condition replaces the global one, its copy of a study replaces (or, retired, hides) the
global one, and the studies it added join in. Another clinic's changes never show. With
clinic=None the global library is read as seeded and edited by nobody in particular.

Query counts do not grow with the number of conditions: conditions and studies are read in
one query each and resolved in Python."""

from django.db.models import Q

from ldnclinic.evidence.models import Condition, Study
from ldnclinic.evidence.seed import seed_global_evidence
from ldnclinic.evidence.validation import ADJUNCT_THERAPY


def _scope(clinic) -> Q:
    return Q(clinic__isnull=True) | Q(clinic=clinic) if clinic is not None else Q(clinic=None)


def _resolve_conditions(rows) -> list[Condition]:
    """One condition per slug: the clinic's own row wins over the global one."""
    by_slug: dict[str, Condition] = {}
    for condition in rows:
        if condition.clinic_id is not None or condition.slug not in by_slug:
            by_slug[condition.slug] = condition
    return list(by_slug.values())


def _resolve_studies(rows) -> list[Study]:
    """Global studies the clinic has not replaced, its copies and its own, not retired."""
    rows = list(rows)
    replaced = {s.replaces_id for s in rows if s.replaces_id is not None}
    return [s for s in rows if s.id not in replaced and not s.is_retired]


def _study_order(study: Study):
    return (study.position, -(study.year or 0), study.id)


def _condition_order(condition: Condition):
    return (condition.area, condition.name.lower(), condition.slug)


def _attach_studies(clinic, conditions: list[Condition]) -> None:
    """Set `resolved_studies` on each condition with one query for all of them."""
    roots = {c.root_id for c in conditions}
    by_root: dict[int, list[Study]] = {root: [] for root in roots}
    for study in _resolve_studies(Study.objects.filter(_scope(clinic), condition_id__in=roots)):
        by_root[study.condition_id].append(study)
    for condition in conditions:
        condition.resolved_studies = sorted(by_root[condition.root_id], key=_study_order)
        condition.study_count = len(condition.resolved_studies)


def all_conditions_for(clinic) -> list[Condition]:
    """Every condition the clinic sees, published or not (for the admin pages), each with
    `resolved_studies` and `study_count`, ordered by area then name."""
    conditions = _resolve_conditions(Condition.objects.filter(_scope(clinic)).order_by("id"))
    _attach_studies(clinic, conditions)
    return sorted(conditions, key=_condition_order)


def conditions_for(clinic) -> list[Condition]:
    """The published conditions the clinic shows, each resolved for it, with
    `resolved_studies` and `study_count`, ordered by area then name."""
    return [c for c in all_conditions_for(clinic) if c.is_published]


def get_condition(clinic, slug: str, *, include_unpublished=False) -> Condition | None:
    """The condition with this slug as the clinic sees it, or None."""
    rows = Condition.objects.filter(_scope(clinic), slug=slug)
    found = _resolve_conditions(rows.order_by("id"))
    if not found or not (found[0].is_published or include_unpublished):
        return None
    return found[0]


def studies_for(clinic, condition: Condition) -> list[Study]:
    """The condition's studies as the clinic sees them: not retired, in table order."""
    rows = Study.objects.filter(_scope(clinic), condition_id=condition.root_id)
    return sorted(_resolve_studies(rows), key=_study_order)


def get_study(clinic, pk) -> Study | None:
    """A study the clinic may edit: a global one (or the clinic's copy of it, if it made
    one) or the clinic's own; None for another clinic's."""
    study = Study.objects.filter(_scope(clinic), pk=pk).select_related("condition").first()
    if study is None or study.clinic_id is not None:
        return study
    copy = Study.objects.filter(clinic=clinic, replaces=study).select_related("condition")
    return copy.first() or study


def evidence_for_protocol_condition(clinic, protocol_condition_slug: str):
    """(condition, studies) for a protocol's condition slug, for the plan builder; (None, [])
    when the library has no published condition for it."""
    for condition in conditions_for(clinic):
        if condition.protocol_condition == protocol_condition_slug:
            return condition, condition.resolved_studies
    return None, []


def therapy_for_adjunct(adjunct_code: str) -> str | None:
    """The public therapy page's slug for a protocol adjunct's code."""
    return ADJUNCT_THERAPY.get(adjunct_code)


def cite_url(study: Study) -> str | None:
    """Where a reader finds the study: PubMed for a PMID, doi.org for a DOI, the trial
    registry for an NCT id, else the stored web address."""
    if study.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{study.pmid}/"
    if study.doi:
        return f"https://doi.org/{study.doi}"
    if study.registry_id.startswith("NCT"):
        return f"https://clinicaltrials.gov/study/{study.registry_id}"
    return study.url or None


def ensure_global_evidence() -> int:
    """Create any missing global seed condition (with its studies and first version). The
    data migration does this; call it where a database may have been flushed since (demo
    seeding, browser journeys). Returns how many conditions were made."""
    return seed_global_evidence(Condition, Study)
