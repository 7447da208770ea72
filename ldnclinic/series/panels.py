"""The session series panel on the clinician's plan page, and the patient's session dates."""

from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse

from ldnclinic.accounts.access import WRITE_ROLES
from ldnclinic.patients.access import staff_role_for
from ldnclinic.plans.models import PlanStatus
from ldnclinic.scheduling.models import AppointmentStatus
from ldnclinic.series.models import PlanSession, SessionStatus

# What a session's status reads as, from its appointment when it has one.
APPOINTMENT_LABELS = {
    AppointmentStatus.FULFILLED: ("completed", "Completed"),
    AppointmentStatus.CANCELLED: ("cancelled", "Cancelled"),
    AppointmentStatus.NOSHOW: ("cancelled", "No-show"),
    AppointmentStatus.ARRIVED: ("booked", "Arrived"),
}
PATIENT_LABELS = {
    SessionStatus.PROPOSED: "Proposed: the clinic will confirm the time",
    SessionStatus.BOOKED: "Booked",
    SessionStatus.COMPLETED: "Done",
    SessionStatus.UNSCHEDULABLE: "The clinic will call you to arrange it",
}


@dataclass
class SessionRow:
    session: PlanSession
    start: datetime | None
    practitioner: str
    status: str
    status_label: str
    movable: bool
    move_url: str

    @property
    def name(self):
        return self.session.adjunct_name

    @property
    def target_date(self) -> date:
        return self.session.target_date


def plan_sessions(plan, *, include_cancelled=True):
    """The plan's sessions worth showing (not replaced proposals), in series order."""
    statuses = [s for s in SessionStatus.values if s != SessionStatus.WITHDRAWN]
    if not include_cancelled:
        statuses.remove(SessionStatus.CANCELLED)
    return list(
        PlanSession.objects.filter(plan=plan, status__in=statuses)
        .select_related(
            "appointment__practitioner__user", "proposed_practitioner__user", "service", "clinic"
        )
        .order_by("adjunct_code", "sequence", "id")
    )


def _status(session):
    if session.status == SessionStatus.BOOKED and session.appointment_id:
        found = APPOINTMENT_LABELS.get(session.appointment.status)
        if found:
            return found
    return session.status, session.get_status_display()


def _who(member):
    return (member.user.full_name or member.user.email) if member is not None else ""


def session_rows(plan, *, can_write=False):
    tz = plan.clinic.tz
    rows = []
    live = plan.status == PlanStatus.ACTIVE
    for session in plan_sessions(plan):
        status, label = _status(session)
        booked = session.appointment_id is not None and session.status != SessionStatus.PROPOSED
        member = session.appointment.practitioner if booked else session.proposed_practitioner
        start = session.start
        rows.append(
            SessionRow(
                session=session,
                start=start.astimezone(tz) if start else None,
                practitioner=_who(member),
                status=status,
                status_label=label,
                movable=can_write and live and status in ("proposed", "booked"),
                move_url=reverse("series_session_move", args=[session.pk]),
            )
        )
    return rows


def plan_panel(request, plan) -> dict:
    """Context for series/_plan_panel.html."""
    role = staff_role_for(request, plan.patient)
    can_write = role in WRITE_ROLES and not getattr(
        getattr(request, "api_token", None), "read_only", False
    )
    rows = session_rows(plan, can_write=can_write)
    proposed = [r for r in rows if r.status == SessionStatus.PROPOSED]
    return {
        "plan": plan,
        "sessions": rows,
        "time_zone": plan.clinic.time_zone,
        "proposed": len(proposed),
        "can_write": can_write and plan.status == PlanStatus.ACTIVE,
        "flagged": sum(1 for r in rows if r.session.flagged),
        "can_confirm": can_write and plan.status == PlanStatus.ACTIVE and bool(proposed),
        "confirm_url": reverse("plan_series_confirm", args=[plan.pk]),
        "series_url": reverse("plan_series", args=[plan.pk]),
    }


def patient_sessions(plan) -> list:
    """The plan's sessions to show the patient: objects with `name`, `start` (aware datetime
    or None), `target_date`, `status_label`."""
    rows = []
    for row in session_rows(plan):
        if row.status not in PATIENT_LABELS:
            continue
        row.status_label = PATIENT_LABELS[row.status]
        if row.status == SessionStatus.PROPOSED:
            # A proposal is not an appointment: the patient sees the day, not a time to hold.
            row.start = None
        rows.append(row)
    return rows
