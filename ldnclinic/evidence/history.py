"""A condition's change history as the clinic sees it: versions of the global condition and
its studies, and of this clinic's copies and own studies (never another clinic's), newest
first, each with who, when and what changed in words."""

from dataclasses import dataclass, field

from django.db.models import Q

from ldnclinic.evidence.models import Condition, Study, study_label

IGNORED = {"updated_at", "id", "clinic", "replaces", "condition", "position"}


@dataclass
class Version:
    when: object
    who: str
    entry: str
    kind: str
    scope: str
    reason: str = ""
    changes: list = field(default_factory=list)


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _display(model, name: str, value):
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value in (None, "") else value


def _changes(model, new, old) -> list[tuple[str, object, object]]:
    if old is None:
        return []
    diff = new.diff_against(old, excluded_fields=list(IGNORED))
    return [
        (_label(model, c.field), _display(model, c.field, c.old), _display(model, c.field, c.new))
        for c in diff.changes
    ]


def _who(record) -> str:
    user = record.history_user
    if user is not None:
        return user.email
    return "Seed data" if record.history_change_reason else "System"


def _latest_before(records, when):
    earlier = [r for r in records if r.history_date <= when]
    return earlier[-1] if earlier else None


def _versions(model, records, describe) -> list[Version]:
    """Versions of one model's rows; a clinic copy's first version is compared with the
    global row it replaced, so the page says what the clinic changed."""
    by_id: dict[int, list] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        by_id.setdefault(record.id, []).append(record)
    out = []
    for rows in by_id.values():
        for index, record in enumerate(rows):
            previous = rows[index - 1] if index else None
            if previous is None and record.replaces_id in by_id:
                previous = _latest_before(by_id[record.replaces_id], record.history_date)
            kind = "Changed"
            if previous is None:
                kind = "Created"
            elif index == 0:
                kind = "Clinic copy of the global entry"
            newly_retired = getattr(record, "is_retired", False) and not (
                previous is not None and previous.is_retired
            )
            if newly_retired:
                kind = "Retired"
            out.append(
                Version(
                    when=record.history_date,
                    who=_who(record),
                    entry=describe(record),
                    kind=kind,
                    scope="this clinic" if record.clinic_id else "global library",
                    reason=record.history_change_reason or "",
                    changes=_changes(model, record, previous),
                )
            )
    return out


def _study_name(record) -> str:
    return f"Study: {study_label(record)}"


def condition_history(clinic, condition: Condition) -> list[Version]:
    root = condition.root_id
    scope = Q(clinic__isnull=True) | Q(clinic=clinic)
    conditions = Condition.history.filter(scope, Q(id=root) | Q(replaces_id=root))
    studies = Study.history.filter(scope, condition_id=root)
    versions = _versions(
        Condition, list(conditions.select_related("history_user")), lambda r: "Condition"
    ) + _versions(Study, list(studies.select_related("history_user")), _study_name)
    return sorted(versions, key=lambda v: v.when, reverse=True)
