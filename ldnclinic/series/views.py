"""Session series pages: the front desk's list of series to confirm, one plan's series, the
confirm button and the move form."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Min, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ldnclinic.accounts.access import WRITE_ROLES, login_required_404, require_staff, require_write
from ldnclinic.audit.log import Actor
from ldnclinic.core.forms import add_action_errors
from ldnclinic.core.htmx import render_page_or_partial
from ldnclinic.patients.access import audit_patient_list, staff_role_for
from ldnclinic.plans.access import (
    audit_plan_read,
    get_plan_for_staff,
    get_plan_for_update,
    plans_for_staff,
)
from ldnclinic.plans.models import PlanStatus
from ldnclinic.scheduling.actions import SlotTaken
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.forms_calendar import MoveForm, practitioner_name, slot_value
from ldnclinic.series.actions import do_confirm_series, do_move_session
from ldnclinic.series.models import PlanSession, SessionStatus
from ldnclinic.series.panels import plan_panel


@require_GET
@login_required_404
def series_list(request):
    """Plans of this clinic with proposals the front desk has not confirmed yet."""
    membership = require_staff(request)
    proposed = Q(sessions__status=SessionStatus.PROPOSED)
    plans = list(
        plans_for_staff(request)
        .filter(clinic=membership.clinic, status=PlanStatus.ACTIVE)
        .annotate(
            proposed_count=Count("sessions", filter=proposed),
            flagged_count=Count("sessions", filter=Q(sessions__flagged=True)),
            first_start=Min("sessions__proposed_start", filter=proposed),
            first_target=Min("sessions__target_date", filter=proposed),
        )
        .filter(Q(proposed_count__gt=0) | Q(flagged_count__gt=0))
        .select_related("patient")
        .order_by("first_target", "id")
    )
    audit_patient_list(request, [p.patient for p in plans], page="series")
    context = {
        "plans": plans,
        "can_write": membership.role in WRITE_ROLES,
        "time_zone": membership.clinic.time_zone,
    }
    return render(request, "series/list.html", context)


@require_GET
@login_required_404
def plan_series(request, pk):
    plan = get_plan_for_staff(request, pk)
    context = {"plan": plan, "patient": plan.patient, "series_panel": plan_panel(request, plan)}
    return render(request, "series/plan_series.html", context)


def _back(request, plan):
    if request.POST.get("next") == "list":
        return reverse("series_list")
    return reverse("plan_series", args=[plan.pk])


@require_POST
@login_required_404
def plan_series_confirm(request, pk):
    plan = get_plan_for_update(request, pk, roles=WRITE_ROLES)
    try:
        booked, waiting = do_confirm_series(Actor.from_request(request), plan)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        text = f"Booked {len(booked)} session{'s' if len(booked) != 1 else ''}"
        if waiting:
            text += f"; {len(waiting)} can be booked later (past the booking horizon)"
        messages.success(request, f"{text} for {plan.patient.full_name}.")
    return redirect(_back(request, plan))


def _session_for_staff(request, pk):
    session = (
        PlanSession.objects.filter(pk=pk, plan__in=plans_for_staff(request))
        .select_related("plan__patient", "plan__clinic", "clinic", "service", "appointment")
        .first()
    )
    if session is None:
        raise Http404("Not found")
    return session


def _chosen_day(request, session, tz):
    current = session.start.astimezone(tz).date() if session.start else session.target_date
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = current
    return min(max(day, session.earliest_date), session.latest_date)


def _free_times(session, day, now):
    """The free times on `day`, grouped by practitioner, and the window's days that have
    any (one slot search over the whole window)."""
    tz = session.clinic.tz
    first = max(session.earliest_date, timezone.localdate(now, tz))
    if session.service is None or first > session.latest_date:
        return [], []
    found = find_service_slots(
        session.service,
        first,
        session.latest_date,
        now=now,
        ignore_appointment=session.appointment if session.appointment_id else None,
    )
    names = {m.pk: practitioner_name(m) for m in session.service.practitioners.all()}
    days, groups = {}, {}
    for slot in found:
        local = slot.start.astimezone(tz)
        days[local.date()] = days.get(local.date(), 0) + 1
        if local.date() != day:
            continue
        groups.setdefault(slot.practitioner_id, []).append(
            {
                "value": slot_value(slot.practitioner_id, slot.start),
                "day": local.date(),
                "label": f"{local:%H:%M}",
                "checked": slot.start == session.start,
            }
        )
    return (
        [{"date": d, "count": n} for d, n in sorted(days.items())],
        [{"practitioner": names.get(pk, ""), "slots": slots} for pk, slots in groups.items()],
    )


@login_required_404
def session_move(request, pk):
    session = _session_for_staff(request, pk)
    plan = session.plan
    form = MoveForm(request.POST or None)
    if request.method == "POST":
        if staff_role_for(request, plan.patient) not in WRITE_ROLES:
            raise PermissionDenied("Your role does not allow this.")
        require_write(request)
        if form.is_valid():
            practitioner_id, start = form.cleaned_data["slot"]
            practitioner = next(
                (m for m in session.service.practitioners.all() if m.pk == practitioner_id), None
            )
            try:
                do_move_session(
                    Actor.from_request(request), session, start, practitioner=practitioner
                )
            except SlotTaken:
                form.add_error("slot", "That time has just been taken: choose another.")
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(request, f"{session.adjunct_name} {session.sequence} moved.")
                return redirect("plan_series", pk=plan.pk)
    else:
        audit_plan_read(request, plan, session=session.pk, page="move")
    day = _chosen_day(request, session, session.clinic.tz)
    days, groups = _free_times(session, day, timezone.now())
    context = {
        "plan": plan,
        "session": session,
        "form": form,
        "days": days,
        "groups": groups,
        "day": day,
        "no_slots_hint": (
            "No free times that day: choose another day of the window."
            if days
            else "No free times left in this session's window: use the calendar."
        ),
        "move_url": reverse("series_session_move", args=[session.pk]),
        "movable": plan.status == PlanStatus.ACTIVE
        and session.status in (SessionStatus.PROPOSED, SessionStatus.BOOKED),
    }
    status = 400 if request.method == "POST" else 200
    return render_page_or_partial(
        request, "series/move.html", "series/_move.html", context, status=status
    )
