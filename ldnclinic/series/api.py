"""Session series API: a plan's sessions, confirming them all, moving one."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema
from ninja.errors import HttpError

from ldnclinic.accounts.access import WRITE_ROLES, require_write
from ldnclinic.api import ERRORS, ErrorOut, StrictSchema
from ldnclinic.audit.log import Actor
from ldnclinic.patients.access import staff_role_for
from ldnclinic.plans.access import get_plan_for_update, get_plan_for_user, plans_for_request
from ldnclinic.scheduling.api import ConflictOut
from ldnclinic.series.actions import do_confirm_series, do_move_session
from ldnclinic.series.models import PlanSession
from ldnclinic.series.panels import plan_sessions

router = Router(tags=["Session series"])


class SessionOut(Schema):
    id: int
    plan: int
    adjunct_code: str
    adjunct_name: str
    service: str | None
    sequence: int
    target_date: dt.date
    earliest_date: dt.date
    latest_date: dt.date
    start: dt.datetime | None
    practitioner: int | None
    appointment: int | None
    status: str
    flagged: bool
    note: str


class SessionListOut(Schema):
    time_zone: str
    items: list[SessionOut]


class ConfirmOut(Schema):
    booked: list[SessionOut]
    waiting: list[SessionOut]


class MoveIn(StrictSchema):
    start: dt.datetime
    practitioner: int | None = None


def _out(session):
    tz = session.clinic.tz
    start = session.start
    booked = session.appointment_id is not None and session.status != "proposed"
    return {
        "id": session.pk,
        "plan": session.plan_id,
        "adjunct_code": session.adjunct_code,
        "adjunct_name": session.adjunct_name,
        "service": session.service.slug if session.service_id else None,
        "sequence": session.sequence,
        "target_date": session.target_date,
        "earliest_date": session.earliest_date,
        "latest_date": session.latest_date,
        "start": start.astimezone(tz) if start else None,
        "practitioner": (
            session.appointment.practitioner_id if booked else session.proposed_practitioner_id
        ),
        "appointment": session.appointment_id,
        "status": session.status,
        "flagged": session.flagged,
        "note": session.note,
    }


@router.get(
    "/plans/{int:plan_id}/sessions",
    response={200: SessionListOut, ERRORS: ErrorOut},
    summary="A plan's therapy sessions (staff: their clinic's; patients: their own)",
)
def list_sessions(request, plan_id: int):
    plan = get_plan_for_user(request, plan_id)
    return {"time_zone": plan.clinic.time_zone, "items": [_out(s) for s in plan_sessions(plan)]}


@router.post(
    "/plans/{int:plan_id}/sessions/confirm",
    response={200: ConfirmOut, ERRORS: ErrorOut, 409: ConflictOut},
    summary="Book every proposed session of a plan in one step (staff)",
)
def confirm_sessions(request, plan_id: int):
    plan = get_plan_for_update(request, plan_id, roles=WRITE_ROLES)
    booked, waiting = do_confirm_series(Actor.from_request(request), plan)
    return {"booked": [_out(s) for s in booked], "waiting": [_out(s) for s in waiting]}


@router.post(
    "/plan-sessions/{int:session_id}/move",
    response={200: SessionOut, ERRORS: ErrorOut, 409: ConflictOut},
    summary="Move one session inside its window; later sessions follow (staff)",
)
def move_session(request, session_id: int, payload: MoveIn):
    session = (
        PlanSession.objects.filter(pk=session_id, plan__in=plans_for_request(request))
        .select_related("plan__patient", "plan__clinic", "clinic", "service", "appointment")
        .first()
    )
    if session is None:
        raise Http404("Not found")
    if staff_role_for(request, session.patient) not in WRITE_ROLES:
        raise PermissionDenied("Only the clinic's staff move sessions.")
    require_write(request)
    practitioner = None
    if payload.practitioner is not None:
        if session.service is None:
            raise HttpError(422, "This session has no service to book.")
        practitioner = next(
            (m for m in session.service.practitioners.all() if m.pk == payload.practitioner),
            None,
        )
        if practitioner is None:
            raise HttpError(422, "That practitioner does not perform this service.")
    moved = do_move_session(
        Actor.from_request(request), session, payload.start, practitioner=practitioner
    )
    moved = PlanSession.objects.select_related("clinic", "service", "appointment").get(pk=moved.pk)
    return _out(moved)
