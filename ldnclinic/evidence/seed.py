"""The global evidence library, read from data/conditions.json and checked with
evidence/validation.py. Loaded (and so validated) at start-up by apps.ready; written into
the database by the data migration 0003 and by ensure_global_evidence().

No model imports: the data migration passes its historical models in."""

import json
from functools import cache
from pathlib import Path

from ldnclinic.evidence.validation import EvidenceDataError, validate_condition, validate_study

DATA_FILE = Path(__file__).parent / "data" / "conditions.json"
SEED_REASON = "Seeded from the clinical reference"


def _validated(entries) -> list[dict]:
    conditions, slugs = [], set()
    for index, entry in enumerate(entries):
        try:
            condition = validate_condition(entry)
            studies = [validate_study(study) for study in entry.get("studies", [])]
        except EvidenceDataError as error:
            where = entry.get("slug", index) if isinstance(entry, dict) else index
            errors = {f"conditions[{where}].{k}": v for k, v in error.errors.items()}
            raise EvidenceDataError(errors) from None
        if condition["slug"] in slugs:
            raise EvidenceDataError({f"conditions[{condition['slug']}].slug": "Duplicated."})
        slugs.add(condition["slug"])
        condition["reference_labels"] = list(entry.get("reference_labels", []))
        condition["studies"] = studies
        conditions.append(condition)
    return conditions


@cache
def _load() -> tuple:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(_validated(data["conditions"]))


def seed_conditions() -> list[dict]:
    """Every seed condition, validated, each with its validated `studies`, in file order."""
    return [{**c, "studies": [dict(s) for s in c["studies"]]} for c in _load()]


def _history(history_model, instance, when):
    """Version 1 of a seeded row, so its history page starts at the seed. The migration's
    historical models do not fire simple_history's signals, so it is written here."""
    if history_model is None:
        return
    values = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
    history_model.objects.create(
        **values,
        history_date=when,
        history_type="+",
        history_change_reason=SEED_REASON,
    )


def _create(model, **values):
    row = model(**values)
    # The real models' history signal records this reason; the migration's models have no
    # signal, so _history() writes their first version instead.
    row._change_reason = SEED_REASON
    row.save()
    return row


def seed_global_evidence(
    condition_model, study_model, condition_history=None, study_history=None, *, now=None
) -> int:
    """Create each global seed condition (with its studies) that does not exist yet;
    returns how many were made. A condition that exists is left as it is, edits and all."""
    from django.utils import timezone  # only at call time: the loader stays Django-free

    when = now or timezone.now()
    created = 0
    for entry in seed_conditions():
        if condition_model.objects.filter(clinic__isnull=True, slug=entry["slug"]).exists():
            continue
        studies = entry.pop("studies")
        entry.pop("reference_labels")
        entry["therapies"] = ",".join(entry["therapies"])
        condition = _create(condition_model, clinic=None, **entry)
        _history(condition_history, condition, when)
        for position, study in enumerate(studies, start=1):
            row = _create(study_model, clinic=None, condition=condition, position=position, **study)
            _history(study_history, row, when)
        created += 1
    return created
