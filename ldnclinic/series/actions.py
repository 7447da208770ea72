"""Every change to a plan's session series: propose, confirm (book all), move, shift the
later sessions after a move, withdraw on pause, cancel on stop."""

import datetime as dt
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.plans.models import PlanStatus
from ldnclinic.scheduling.actions import (
    SlotTaken,
    do_book_appointment,
    do_cancel_appointment,
    do_reschedule_appointment,
)
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.models import AppointmentStatus, BookingSource
from ldnclinic.series.models import OPEN_STATUSES, PlanSession, SessionStatus
from ldnclinic.series.propose import (
    Anchor,
    adjunct_by_code,
    horizon_note,
    patient_busy,
    pick_slot,
    plan_start,
    propose_one,
    propose_series,
    window,
)

STOP_REASON = "Treatment plan stopped"
# Set while the series moves its own appointments, so the reschedule hook does not shift
# the same sessions a second time.
_SHIFTING: ContextVar[bool] = ContextVar("series_shifting", default=False)
BOOKING_TRIES = 3


def _save(session, actor, fields=None):
    session._history_user = actor.user
    if fields is None:
        session.save()
    else:
        session.save(update_fields=[*fields, "updated_at"])


def _sync(session, actor):
    """A booked session follows its appointment: done when fulfilled, cancelled when the
    calendar cancelled it or the patient did not come."""
    if session.status != SessionStatus.BOOKED or session.appointment_id is None:
        return session
    status = session.appointment.status
    if status == AppointmentStatus.FULFILLED:
        session.status = SessionStatus.COMPLETED
    elif status in (AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW):
        session.status = SessionStatus.CANCELLED
        session.note = "The appointment was cancelled from the calendar."
    else:
        return session
    _save(session, actor, ["status", "note"])
    return session


def _live(plan, **filters):
    return list(
        PlanSession.objects.live()
        .filter(plan=plan, **filters)
        .select_related("appointment", "service__clinic", "service__resource")
        .order_by("adjunct_code", "sequence", "id")
    )


def _local_date(start, tz):
    return start.astimezone(tz).date()


def _anchor(session, tz):
    start = session.start
    if start is None:
        return Anchor(session.target_date)
    practitioner = (
        session.appointment.practitioner_id
        if session.appointment_id and session.status != SessionStatus.PROPOSED
        else session.proposed_practitioner_id
    )
    return Anchor(_local_date(start, tz), practitioner, start)


def _apply(session, proposal):
    session.target_date = proposal.target_date
    session.earliest_date = proposal.earliest_date
    session.latest_date = proposal.latest_date
    session.proposed_start = proposal.start
    session.proposed_practitioner_id = proposal.practitioner_id
    session.note = proposal.note
    session.flagged = False


def _label(session):
    return f"{session.adjunct_name} session {session.sequence}"


@transaction.atomic
def do_propose_series(actor: Actor, plan, *, version=None, from_date=None, now=None):
    """Propose the plan's sessions afresh: open proposals are withdrawn and replaced;
    booked and completed sessions stay and anchor the ones after them."""
    now = now or timezone.now()
    version = version or plan.current_version
    tz = plan.clinic.tz
    kept, withdrawn = {}, []
    for session in _live(plan):
        _sync(session, actor)
        if session.status in (SessionStatus.BOOKED, SessionStatus.COMPLETED):
            kept[(session.adjunct_code, session.sequence)] = _anchor(session, tz)
        elif session.status in OPEN_STATUSES:
            session.status = SessionStatus.WITHDRAWN
            _save(session, actor, ["status"])
            withdrawn.append(session.pk)
    proposals = propose_series(plan, version, from_date=from_date, now=now, kept=kept)
    created = []
    for p in proposals:
        session = PlanSession(
            clinic=plan.clinic,
            patient=plan.patient,
            plan=plan,
            plan_version=version,
            adjunct_code=p.adjunct_code,
            adjunct_name=p.adjunct_name,
            service=p.service,
            sequence=p.sequence,
            target_date=p.target_date,
            earliest_date=p.earliest_date,
            latest_date=p.latest_date,
            proposed_start=p.start,
            proposed_practitioner_id=p.practitioner_id,
            status=p.status,
            note=p.note,
        )
        _save(session, actor)
        created.append(session)
    record(
        Event.SERIES_PROPOSED,
        actor,
        patient=plan.patient,
        subject=plan,
        version=version.number,
        from_date=from_date.isoformat() if from_date else None,
        proposed=[
            {"session": s.pk, "start": s.proposed_start.isoformat() if s.proposed_start else None}
            for s in created
        ],
        withdrawn=withdrawn,
        kept=len(kept),
    )
    return created


def _book(actor, session, start, practitioner_id, now):
    """Book one session in a savepoint, so a lost slot leaves the transaction usable."""
    practitioner = next(
        (m for m in session.service.practitioners.all() if m.pk == practitioner_id), None
    )
    total = (
        PlanSession.objects.live()
        .filter(plan_id=session.plan_id, adjunct_code=session.adjunct_code)
        .count()
    )
    with transaction.atomic():
        appointment, _ = do_book_appointment(
            actor,
            patient=session.patient,
            service=session.service,
            start=start,
            practitioner=practitioner,
            reason=f"{session.adjunct_name}, session {session.sequence} of {total}",
            source=BookingSource.STAFF,
            now=now,
        )
    return appointment


def _confirm_one(actor, session, adjunct, anchor, *, start_date, today, now):
    """Book `session`, re-proposing it inside its window when its time is gone. Returns
    the appointment, or None when its window is still past the booking horizon."""
    tz = session.clinic.tz
    if adjunct is not None and (anchor is not None or session.sequence == 1):
        target, earliest, latest = window(adjunct, anchor, start_date, today)
    else:
        target, earliest, latest = session.target_date, session.earliest_date, session.latest_date
    session.target_date, session.earliest_date, session.latest_date = target, earliest, latest
    tried = []
    start, practitioner_id = session.proposed_start, session.proposed_practitioner_id
    if start is not None and not earliest <= _local_date(start, tz) <= latest:
        start = None
    for _ in range(BOOKING_TRIES):
        if start is None:
            avoid = patient_busy(session.patient, now) + tried
            slot = pick_slot(
                session.service,
                earliest,
                latest,
                target,
                practitioner_id=anchor.practitioner_id if anchor else practitioner_id,
                like=anchor.start if anchor else None,
                now=now,
                avoid=avoid,
            )
            if slot is None:
                waiting = horizon_note(session.service, latest, now)
                if waiting:
                    session.proposed_start, session.note = None, waiting
                    _save(session, actor)
                    return None
                raise ValidationError(
                    f"{_label(session)} has no free time between {earliest:%-d %b} and "
                    f"{latest:%-d %b %Y}: nothing was booked. Free a time or book it by hand."
                )
            start, practitioner_id = slot.start, slot.practitioner_id
        try:
            appointment = _book(actor, session, start, practitioner_id, now)
        except SlotTaken:
            pass
        except ValidationError as error:
            # A time no longer offered (notice, hours changed) is retried; anything else
            # (an inactive patient or service) is the answer.
            if not set(getattr(error, "error_dict", {})) & {"start", "practitioner"}:
                raise
        else:
            session.appointment = appointment
            session.status = SessionStatus.BOOKED
            session.proposed_start = appointment.start
            session.proposed_practitioner_id = appointment.practitioner_id
            session.note, session.flagged = "", False
            _save(session, actor)
            return appointment
        tried.append((start, start + session.service.duration))
        start = None
    raise ValidationError(
        f"{_label(session)} could not be booked: its times kept being taken. Nothing was booked."
    )


@transaction.atomic
def do_confirm_series(actor: Actor, plan, *, now=None):
    """The front desk books every proposed session in one step. All or nothing: a session
    without a free time in its window fails the whole confirmation, naming it. Sessions
    whose window is still past the service's booking horizon stay proposed."""
    now = now or timezone.now()
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError("Only an active plan's sessions can be booked.")
    sessions = _live(plan)
    for session in sessions:
        _sync(session, actor)
    unschedulable = [s for s in sessions if s.status == SessionStatus.UNSCHEDULABLE]
    if unschedulable:
        raise ValidationError(
            f"{_label(unschedulable[0])} cannot be scheduled: {unschedulable[0].note} "
            "Nothing was booked."
        )
    if not any(s.status == SessionStatus.PROPOSED for s in sessions):
        raise ValidationError("There are no proposed sessions to confirm.")
    version = plan.current_version
    params = version.params
    start_date = plan_start(params, version.effective_from)
    tz = plan.clinic.tz
    today = now.astimezone(tz).date()
    booked, waiting = [], []
    anchors = {}
    for session in sessions:
        code = session.adjunct_code
        if session.status != SessionStatus.PROPOSED:
            if session.status in (SessionStatus.BOOKED, SessionStatus.COMPLETED):
                anchors[code] = _anchor(session, tz)
            continue
        adjunct = adjunct_by_code(params, code)
        appointment = _confirm_one(
            actor,
            session,
            adjunct,
            anchors.get(code),
            start_date=start_date,
            today=today,
            now=now,
        )
        if appointment is None:
            waiting.append(session)
        else:
            booked.append(session)
        anchors[code] = _anchor(session, tz)
    if not booked:
        raise ValidationError(
            "No session can be booked yet: " + " ".join(f"{_label(s)}: {s.note}" for s in waiting)
        )
    record(
        Event.SERIES_CONFIRMED,
        actor,
        patient=plan.patient,
        subject=plan,
        booked=[
            {"session": s.pk, "appointment": s.appointment_id, "start": s.start.isoformat()}
            for s in booked
        ],
        waiting=[s.pk for s in waiting],
    )
    return booked, waiting


def _free_slot(session, start, practitioner, now):
    tz = session.clinic.tz
    day = _local_date(start, tz)
    ids = {practitioner.pk} if practitioner is not None else None
    for slot in find_service_slots(session.service, day, day, practitioner_ids=ids, now=now):
        if slot.start == start:
            return slot
    return None


@transaction.atomic
def do_move_session(actor: Actor, session, start, *, practitioner=None, now=None):
    """Move one session inside its window. A booked one moves its appointment (the
    reschedule hook then shifts the later sessions); a proposed one takes the new time
    and the later proposals are proposed again from it."""
    now = now or timezone.now()
    if start.tzinfo is None:
        raise ValidationError({"start": ["Give the time with its UTC offset."]})
    start = start.astimezone(dt.UTC)
    if session.plan.status != PlanStatus.ACTIVE:
        raise ValidationError("Only an active plan's sessions can be moved.")
    _sync(session, actor)
    if session.status not in (SessionStatus.PROPOSED, SessionStatus.BOOKED):
        raise ValidationError("Only a proposed or booked session can be moved.")
    tz = session.clinic.tz
    day = _local_date(start, tz)
    if not session.earliest_date <= day <= session.latest_date:
        raise ValidationError(
            {
                "start": [
                    f"Choose a day from {session.earliest_date:%-d %b} to "
                    f"{session.latest_date:%-d %b %Y} (this session's window); "
                    "use the calendar to move it further."
                ]
            }
        )
    if session.status == SessionStatus.BOOKED:
        do_reschedule_appointment(
            actor, session.appointment, start=start, practitioner=practitioner, now=now
        )
        session.refresh_from_db()
        return session
    slot = _free_slot(session, start, practitioner, now)
    if slot is None:
        raise ValidationError({"start": ["That time is not free: choose one of the free times."]})
    before = session.proposed_start
    session.proposed_start, session.proposed_practitioner_id = slot.start, slot.practitioner_id
    session.note, session.flagged = "", False
    _save(session, actor)
    _shift_later(actor, session, before, now)
    return session


def shift_after_reschedule(actor: Actor, appointment, *, now=None):
    """Called by scheduling after any reschedule: if the appointment is a plan session,
    the later sessions of its series follow it."""
    if _SHIFTING.get():
        return
    session = (
        PlanSession.objects.filter(appointment=appointment, status=SessionStatus.BOOKED)
        .select_related("plan", "clinic", "service")
        .first()
    )
    if session is None:
        return
    now = now or timezone.now()
    before = session.proposed_start
    session.appointment = appointment
    session.proposed_start = appointment.start
    session.proposed_practitioner_id = appointment.practitioner_id
    session.note, session.flagged = "", False
    _save(session, actor, ["proposed_start", "proposed_practitioner", "note", "flagged"])
    _shift_later(actor, session, before, now)


def _shifted(start, days, tz):
    """The same wall-clock time `days` later in the clinic's zone (DST-safe)."""
    local = start.astimezone(tz)
    moved = dt.datetime.combine(local.date() + dt.timedelta(days=days), local.time(), tzinfo=tz)
    return moved.astimezone(dt.UTC)


def _shift_booked(actor, later, days, earliest, latest, now):
    """Move a later booked session by `days` when that time is free and inside its new
    window; True when it moved."""
    appointment = later.appointment
    tz = later.clinic.tz
    if not days:
        return earliest <= _local_date(appointment.start, tz) <= latest
    candidate = _shifted(appointment.start, days, tz)
    if not earliest <= _local_date(candidate, tz) <= latest:
        return False
    try:
        with transaction.atomic():
            do_reschedule_appointment(
                actor, appointment, start=candidate, practitioner=appointment.practitioner, now=now
            )
    except (SlotTaken, ValidationError):
        return False
    later.proposed_start = appointment.start
    return True


def _shift_later(actor, session, before, now):
    """The sessions after `session` follow its new date: proposals are proposed again;
    booked ones move by the same number of days when free and inside their window, or
    are flagged for the front desk."""
    plan = session.plan
    tz = session.clinic.tz
    version = plan.current_version
    params = version.params
    adjunct = adjunct_by_code(params, session.adjunct_code)
    if adjunct is None:
        return
    start_date = plan_start(params, version.effective_from)
    new_day = _local_date(session.start, tz)
    days = (new_day - _local_date(before, tz)).days if before is not None else 0
    today = now.astimezone(tz).date()
    anchor = _anchor(session, tz)
    avoid = patient_busy(plan.patient, now)
    changes = []
    token = _SHIFTING.set(True)
    try:
        for later in _live(plan, adjunct_code=session.adjunct_code, sequence__gt=session.sequence):
            _sync(later, actor)
            if later.status == SessionStatus.CANCELLED:
                continue
            if later.status == SessionStatus.COMPLETED:
                anchor = _anchor(later, tz)
                continue
            if later.status == SessionStatus.PROPOSED:
                proposal = propose_one(
                    adjunct,
                    later.service,
                    later.sequence,
                    anchor,
                    start_date=start_date,
                    floor=today,
                    now=now,
                    avoid=avoid,
                )
                _apply(later, proposal)
                _save(later, actor)
                anchor = proposal.anchor
                changes.append({"session": later.pk, "proposed": _iso(later.proposed_start)})
                continue
            target, earliest, latest = window(adjunct, anchor, start_date, today)
            later.target_date, later.earliest_date, later.latest_date = target, earliest, latest
            if later.status == SessionStatus.BOOKED:
                moved = _shift_booked(actor, later, days, earliest, latest, now)
                later.flagged = not moved
                later.note = (
                    ""
                    if moved
                    else (
                        "Not moved with the earlier session: check this booking "
                        f"(its window is now {earliest:%-d %b} to {latest:%-d %b %Y})."
                    )
                )
                changes.append(
                    {"session": later.pk, "booked": _iso(later.start), "flagged": later.flagged}
                )
            _save(later, actor)
            anchor = _anchor(later, tz)
    finally:
        _SHIFTING.reset(token)
    record(
        Event.SERIES_SHIFTED,
        actor,
        patient=plan.patient,
        subject=session,
        moved={"session": session.pk, "from": _iso(before), "to": _iso(session.start)},
        days=days,
        later=changes,
    )


def _iso(value):
    return value.isoformat() if value is not None else None


@transaction.atomic
def do_withdraw_series(actor: Actor, plan, *, cancel_booked=False, now=None):
    """Withdraw the open proposals. On a pause booked sessions stay (flagged for the front
    desk); on stop or completion (`cancel_booked`) future booked ones are cancelled."""
    now = now or timezone.now()
    withdrawn, cancelled, kept = [], [], []
    for session in _live(plan):
        _sync(session, actor)
        if session.status in OPEN_STATUSES:
            session.status = SessionStatus.WITHDRAWN
            _save(session, actor, ["status"])
            withdrawn.append(session.pk)
        elif session.status == SessionStatus.BOOKED and session.appointment.start > now:
            if cancel_booked:
                do_cancel_appointment(
                    actor, session.appointment, reason=STOP_REASON, now=now, late=False
                )
                session.status = SessionStatus.CANCELLED
                session.note = f"Cancelled: {STOP_REASON.lower()}."
                _save(session, actor, ["status", "note"])
                cancelled.append(session.pk)
            else:
                session.flagged = True
                session.note = "The plan is paused: keep or cancel this booking."
                _save(session, actor, ["flagged", "note"])
                kept.append(session.pk)
    if withdrawn or cancelled or kept:
        record(
            Event.SERIES_WITHDRAWN,
            actor,
            patient=plan.patient,
            subject=plan,
            plan_status=plan.status,
            withdrawn=withdrawn,
            cancelled=cancelled,
            booked_kept=kept,
        )
    return withdrawn, cancelled, kept
