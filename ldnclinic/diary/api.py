"""Patient diary API. Reading: the patient (their own record) and the clinic's staff (any
role). Writing (PUT, one entry per day, a second PUT the same day edits it): the patient for
their own record, or a clinician or admin of the clinic entering on the patient's behalf
(e.g. by phone; the audit names who saved it). Front desk and read-only tokens: 403."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Query, Router, Schema
from pydantic import Field

from ldnclinic.accounts.access import CLINICAL_ROLES, require_write
from ldnclinic.api import ERRORS, ErrorOut, StrictSchema
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.diary.actions import do_save_diary_entry
from ldnclinic.diary.schedule import day_rows, today_for
from ldnclinic.patients.access import get_patient_for_update, get_patient_for_user, staff_role_for
from ldnclinic.plans.titration import fmt

router = Router(tags=["Patient diary"])

DEFAULT_DAYS = 30
MAX_DAYS = 366


class EntryOut(Schema):
    date: datetime.date
    dose_taken: bool | None
    taken_at: datetime.time | None
    dose_mg: str | None = Field(None, description="The plan's dose for the day when saved")
    plan_id: int | None
    vivid_dreams: int
    insomnia: int
    headache: int
    nausea: int
    other: int
    other_text: str
    itch_nrs: int | None
    sleep_quality: int | None
    note: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class DayOut(Schema):
    date: datetime.date
    status: str = Field(description="taken, missed, due, upcoming, not_taken, not_said or no_entry")
    planned_dose_mg: str | None
    planned: str | None = Field(None, description='e.g. "0.5 mL (0.5 mg) at bedtime"')
    entry: EntryOut | None


class DiaryOut(Schema):
    patient_id: int
    date_from: datetime.date = Field(alias="from")
    date_to: datetime.date = Field(alias="to")
    today: datetime.date
    days: list[DayOut]


class DiaryFilter(Schema):
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")


class DiaryIn(StrictSchema):
    """Fields left out keep their value; null clears (side effects: null is 0)."""

    dose_taken: bool | None = None
    taken_at: datetime.time | None = None
    vivid_dreams: int | None = Field(None, description="0 none – 3 severe")
    insomnia: int | None = None
    headache: int | None = None
    nausea: int | None = None
    other: int | None = None
    other_text: str | None = None
    itch_nrs: int | None = Field(None, description="0 none – 10 worst")
    sleep_quality: int | None = Field(None, description="0 worst – 10 best")
    note: str | None = None


def _entry_out(entry) -> dict:
    return {
        "date": entry.date,
        "dose_taken": entry.dose_taken,
        "taken_at": entry.taken_at,
        "dose_mg": fmt(entry.dose_mg),
        "plan_id": entry.plan_id,
        **{
            name: getattr(entry, name)
            for name in (
                "vivid_dreams",
                "insomnia",
                "headache",
                "nausea",
                "other",
                "other_text",
                "itch_nrs",
                "sleep_quality",
                "note",
                "created_at",
                "updated_at",
            )
        },
    }


def _patient_to_write(request, patient_id):
    """The patient writes their own diary; clinicians and admins of the clinic on their
    behalf; anyone else who can see the record gets 403, the rest 404."""
    patient = get_patient_for_user(request, patient_id, event=None)
    if staff_role_for(request, patient) is not None:
        return get_patient_for_update(request, patient_id, roles=CLINICAL_ROLES)
    if patient.user_id != request.user.pk:
        raise PermissionDenied("You may view this record but not change it.")
    require_write(request)
    return patient


@router.get(
    "/patients/{int:patient_id}/diary",
    response={200: DiaryOut, ERRORS: ErrorOut},
    by_alias=True,
    summary="The patient's diary day by day, with missed doses (the patient; clinic staff)",
)
def read_diary(request, patient_id: int, filters: Query[DiaryFilter]):
    patient = get_patient_for_user(request, patient_id, event=None)
    today = today_for(patient)
    date_to = filters.date_to or today
    date_from = filters.date_from or date_to - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise ValidationError({"from": "The start is after the end."})
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError({"from": f"Ask for at most {MAX_DAYS} days at a time."})
    record(
        Event.DIARY_VIEWED,
        Actor.from_request(request),
        patient=patient,
        subject=patient,
        date_from=date_from.isoformat(),
        date_to=date_to.isoformat(),
    )
    entries = patient.diary_entries.filter(date__gte=date_from, date__lte=date_to)
    rows = day_rows(patient, date_from, date_to, list(entries), today)
    return {
        "patient_id": patient.pk,
        "from": date_from,
        "to": date_to,
        "today": today,
        "days": [
            {
                "date": row["date"],
                "status": row["status"],
                "planned_dose_mg": fmt(row["planned"].dose_mg) if row["planned"] else None,
                "planned": row["planned"].text if row["planned"] else None,
                "entry": _entry_out(row["entry"]) if row["entry"] else None,
            }
            for row in rows
        ],
    }


@router.put(
    "/patients/{int:patient_id}/diary/{date}",
    response={200: EntryOut, ERRORS: ErrorOut},
    summary="Save the day's entry; a second save the same day edits it (the patient; "
    "clinicians and admins on their behalf)",
)
def save_diary_day(request, patient_id: int, date: str, payload: DiaryIn):
    patient = _patient_to_write(request, patient_id)
    entry = do_save_diary_entry(
        Actor.from_request(request),
        patient,
        date=date,
        **payload.model_dump(exclude_unset=True),
    )
    return _entry_out(entry)
