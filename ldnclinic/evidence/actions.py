"""State changes to the evidence library. Each validates, saves (simple_history keeps the
version and who made it), audits with the clinic and, once committed, refreshes the cached
public pages. A clinic's change to a global entry makes the clinic's own copy that replaces
it for that clinic only; other clinics keep seeing the global entry."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.core import public_cache
from ldnclinic.evidence.models import Condition, Study
from ldnclinic.evidence.validation import EvidenceDataError, validate_condition, validate_study

CONDITION_FIELDS = (
    "name",
    "area",
    "synonyms",
    "icd10",
    "snomed",
    "protocol_condition",
    "certainty",
    "summary",
    "therapies",
    "is_published",
)
STUDY_FIELDS = (
    "first_author",
    "year",
    "citation",
    "design",
    "n",
    "dose",
    "is_low_dose",
    "duration",
    "outcome",
    "direction",
    "pmid",
    "doi",
    "registry_id",
    "url",
    "grade",
    "grade_note",
)
SLUG_TAKEN_GLOBAL = "The global library has “{name}” at “{slug}”: edit that entry instead."
SLUG_TAKEN_CLINIC = "This clinic already has “{name}” at “{slug}”; choose another slug."
SLUG_RACE = "Someone added a condition with this slug at the same moment; choose another."
RACE = "Someone saved this entry at the same moment. Reload it and make your change again."
REASON_MAX = 100


def _checked(validate, data) -> dict:
    try:
        return validate(data)
    except EvidenceDataError as error:
        raise ValidationError(error.errors) from None


def _own_or_global(clinic, row, what: str) -> None:
    if row.clinic_id is not None and (clinic is None or row.clinic_id != clinic.pk):
        raise ValidationError(f"This {what} belongs to another clinic.")


def _changed(row, values: dict) -> list[str]:
    return [field for field, value in values.items() if getattr(row, field) != value]


def _save(row, actor: Actor, reason: str = "") -> None:
    # Set explicitly: the request middleware does not cover the CLI, tests or the API.
    row._history_user = actor.user
    if reason:
        row._change_reason = reason[:REASON_MAX]
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # The clinic's copy was made by a simultaneous save (unique clinic + slug/replaces).
        raise ValidationError(RACE) from None


def _copy_of(model, clinic, original, values: dict):
    """A new (unsaved) clinic copy of a global row with `values` laid over it."""
    fields = {
        f.attname: getattr(original, f.attname)
        for f in model._meta.concrete_fields
        if f.attname not in ("id", "clinic_id", "replaces_id", "updated_at")
    }
    return model(**{**fields, **values}, clinic=clinic, replaces=original)


def _after_commit() -> None:
    transaction.on_commit(public_cache.bump)


@transaction.atomic
def do_save_condition(actor: Actor, clinic, condition: Condition, data: dict) -> Condition:
    """Save the condition's summary, certainty, therapies, publication and codes. A clinic
    editing a global condition gets its own copy (same slug); studies stay on the global
    one, so the clinic's study list carries over."""
    _own_or_global(clinic, condition, "condition")
    current = {field: getattr(condition, field) for field in CONDITION_FIELDS}
    current["therapies"] = condition.therapy_list()
    cleaned = _checked(validate_condition, {**current, **data, "slug": condition.slug})
    values = {field: cleaned[field] for field in CONDITION_FIELDS}
    values["therapies"] = ",".join(values["therapies"])
    changed = _changed(condition, values)
    if not changed:
        return condition
    copied = condition.clinic_id is None and clinic is not None
    if copied:
        row = _copy_of(Condition, clinic, condition, values)
    else:
        row = Condition.objects.select_for_update().get(pk=condition.pk)
        for field, value in values.items():
            setattr(row, field, value)
    _save(row, actor)
    record(
        Event.EVIDENCE_CONDITION_SAVED,
        actor,
        clinic=clinic,
        subject=row,
        slug=row.slug,
        created=False,
        changed=changed,
        copied_from_global=copied,
    )
    _after_commit()
    return row


def _slug_taken(clinic, slug: str) -> str | None:
    """Why the slug is not free for a new condition of this clinic, or None. Only the
    global library and the clinic's own rows count: another clinic's slugs never show here."""
    taken = list(Condition.objects.filter(Q(clinic__isnull=True) | Q(clinic=clinic), slug=slug))
    if not taken:
        return None
    # The global row first: a clinic copy of it has the same slug and says less.
    existing = min(taken, key=lambda row: row.clinic_id is not None)
    template = SLUG_TAKEN_GLOBAL if existing.clinic_id is None else SLUG_TAKEN_CLINIC
    return template.format(name=existing.name, slug=slug)


@transaction.atomic
def do_create_condition(actor: Actor, clinic, data: dict) -> Condition:
    """Add a condition of the clinic's own (it replaces nothing; no other clinic sees it).
    Its slug must be free in the global library and in the clinic. Studies are added to it
    afterwards with do_save_study."""
    if clinic is None:
        raise ValidationError("A new condition belongs to a clinic.")
    cleaned = _checked(validate_condition, data)
    reason = _slug_taken(clinic, cleaned["slug"])
    if reason:
        raise ValidationError({"slug": reason})
    values = {field: cleaned[field] for field in CONDITION_FIELDS}
    values["therapies"] = ",".join(values["therapies"])
    row = Condition(clinic=clinic, replaces=None, slug=cleaned["slug"], **values)
    # Set explicitly: the request middleware does not cover the CLI, tests or the API.
    row._history_user = actor.user
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # A simultaneous create of the same slug in this clinic (unique clinic + slug).
        raise ValidationError({"slug": SLUG_RACE}) from None
    record(
        Event.EVIDENCE_CONDITION_SAVED,
        actor,
        clinic=clinic,
        subject=row,
        slug=row.slug,
        created=True,
        changed=["slug", *CONDITION_FIELDS],
        copied_from_global=False,
    )
    _after_commit()
    return row


def _next_position(condition: Condition) -> int:
    top = Study.objects.filter(condition_id=condition.root_id).aggregate(top=Max("position"))
    return (top["top"] or 0) + 1


@transaction.atomic
def do_save_study(
    actor: Actor, clinic, condition: Condition, data: dict, study: Study | None = None
) -> Study:
    """Add a study to the condition (the clinic's own), or edit one. Editing a global study
    makes the clinic's copy that replaces it for the clinic (or edits that copy if it has
    one already)."""
    _own_or_global(clinic, condition, "condition")
    values = _checked(validate_study, data)
    values = {field: values[field] for field in STUDY_FIELDS}
    if study is None:
        row = Study(clinic=clinic, condition_id=condition.root_id, **values)
        row.position = _next_position(condition)
        changed, copied = list(STUDY_FIELDS), False
    else:
        _own_or_global(clinic, study, "study")
        if study.condition_id != condition.root_id:
            raise ValidationError("This study belongs to another condition.")
        changed = _changed(study, values)
        if not changed:
            return study
        copied = study.clinic_id is None and clinic is not None
        existing = Study.objects.filter(clinic=clinic, replaces=study).first() if copied else None
        if existing is not None:
            study, copied = existing, False
        if copied:
            row = _copy_of(Study, clinic, study, values)
        else:
            row = Study.objects.select_for_update().get(pk=study.pk)
            for field, value in values.items():
                setattr(row, field, value)
    _save(row, actor)
    record(
        Event.EVIDENCE_STUDY_SAVED,
        actor,
        clinic=clinic,
        subject=row,
        condition=condition.slug,
        created=study is None,
        changed=changed,
        copied_from_global=copied,
    )
    _after_commit()
    return row


@transaction.atomic
def do_retire_study(actor: Actor, clinic, study: Study, reason: str = "") -> Study:
    """Hide a study from the clinic's library. A global study is retired for this clinic
    only (a retired copy); the clinic's own study is retired in place. Never deleted."""
    _own_or_global(clinic, study, "study")
    reason = (reason or "").strip()[:REASON_MAX]
    if study.clinic_id is None and clinic is not None:
        row = Study.objects.filter(clinic=clinic, replaces=study).first()
        row = row or _copy_of(Study, clinic, study, {})
    else:
        row = Study.objects.select_for_update().get(pk=study.pk)
    if row.is_retired:
        return row
    row.is_retired = True
    _save(row, actor, reason or "Retired")
    record(
        Event.EVIDENCE_STUDY_RETIRED,
        actor,
        clinic=clinic,
        subject=row,
        condition=study.condition.slug,
        study=str(study),
        reason=reason,
    )
    _after_commit()
    return row
