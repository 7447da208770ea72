"""Saving a diary day: one entry per patient per day, created or edited, audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import record
from ldnclinic.diary.models import NOTE_MAX, OTHER_TEXT_MAX, RANGES, DiaryEntry
from ldnclinic.diary.schedule import MAX_DAYS_BACK, planned_dose, today_for
from ldnclinic.diary.signals import do_evaluate_signals

FIELDS = (
    "dose_taken",
    "taken_at",
    *RANGES,
    "other_text",
    "note",
)


def check_date(patient, day, *, now=None) -> datetime.date:
    """The day as a date, refused in the future or more than MAX_DAYS_BACK days back (both
    in the clinic's time zone)."""
    if isinstance(day, str):
        try:
            day = datetime.date.fromisoformat(day)
        except ValueError:
            raise ValidationError({"date": "Give a date as YYYY-MM-DD."}) from None
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise ValidationError({"date": "Give a date as YYYY-MM-DD."})
    today = today_for(patient, now)
    if day > today:
        raise ValidationError({"date": "This day has not come yet: you can fill it in then."})
    if day < today - datetime.timedelta(days=MAX_DAYS_BACK):
        raise ValidationError(
            {"date": f"The diary can be filled in for the last {MAX_DAYS_BACK} days only."}
        )
    return day


def clean_values(values: dict) -> dict:
    """The values checked; raises ValidationError with every field error."""
    errors = {}
    unknown = set(values) - set(FIELDS)
    for name in sorted(unknown):
        errors[name] = "Unknown field."
    clean = {}
    for name, (low, high, nullable) in RANGES.items():
        if name not in values:
            continue
        value = values[name]
        if value is None or value == "":
            if nullable:
                clean[name] = None
            else:
                clean[name] = 0
            continue
        if isinstance(value, bool):
            errors[name] = f"Give a whole number from {low} to {high}."
            continue
        try:
            number = int(str(value))
        except (TypeError, ValueError):
            errors[name] = f"Give a whole number from {low} to {high}."
            continue
        if not low <= number <= high:
            errors[name] = f"Give a whole number from {low} to {high}."
            continue
        clean[name] = number
    if "dose_taken" in values:
        value = values["dose_taken"]
        if value not in (None, True, False):
            errors["dose_taken"] = "Say yes or no (or leave it empty)."
        else:
            clean["dose_taken"] = value
    if "taken_at" in values:
        value = values["taken_at"]
        if isinstance(value, str) and value:
            try:
                value = datetime.time.fromisoformat(value)
            except ValueError:
                errors["taken_at"] = "Give a time as HH:MM."
        if value in ("",):
            value = None
        if value is not None and not isinstance(value, datetime.time):
            errors.setdefault("taken_at", "Give a time as HH:MM.")
        elif "taken_at" not in errors:
            clean["taken_at"] = value.replace(second=0, microsecond=0) if value else None
    for name, limit in (("note", NOTE_MAX), ("other_text", OTHER_TEXT_MAX)):
        if name in values:
            value = values[name] if values[name] is not None else ""
            if not isinstance(value, str) or "\x00" in value:
                errors[name] = "Give text."
            elif len(value.strip()) > limit:
                errors[name] = f"Keep it to {limit} characters."
            else:
                clean[name] = value.strip()
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def do_save_diary_entry(actor, patient, *, date, now=None, **values) -> DiaryEntry:
    """Create or edit the patient's entry for `date`: a second save the same day edits the
    first, never duplicates (race-safe: a concurrent create loses the unique constraint and
    edits the winner's row). Fields not given keep their value. The planned dose for the day
    is copied from the live plan."""
    day = check_date(patient, date, now=now)
    clean = clean_values(values)
    for attempt in range(2):
        try:
            entry = _save(actor, patient, day, clean)
            break
        except IntegrityError:
            if attempt:
                raise
    # Side-effect signals for the clinician, in the same transaction as the save.
    do_evaluate_signals(actor, patient, today=today_for(patient, now))
    return entry


def existing_entry(patient, day):
    return DiaryEntry.objects.select_for_update().filter(patient=patient, date=day).first()


@transaction.atomic
def _save(actor, patient, day, clean) -> DiaryEntry:
    dose = planned_dose(patient, day)
    entry = existing_entry(patient, day)
    created = entry is None
    if created:
        entry = DiaryEntry(
            clinic_id=patient.clinic_id, patient=patient, date=day, created_by=actor.user
        )
    for name, value in clean.items():
        setattr(entry, name, value)
    entry.plan = dose.plan if dose else None
    entry.dose_mg = dose.dose_mg if dose else None
    if entry.dose_taken is False:
        entry.taken_at = None
    if created:
        # A savepoint: a concurrent first save of the same day loses the unique constraint
        # here, and the caller's retry edits the winner's row instead.
        with transaction.atomic():
            entry.save()
    else:
        entry.save()
    record(
        Event.DIARY_ENTRY_SAVED,
        actor,
        patient=patient,
        subject=entry,
        date=day.isoformat(),
        created=created,
        fields=sorted(clean),
    )
    return entry
