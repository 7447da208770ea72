"""The staff calendar: day and week boards, the appointment panel and its quick actions
(arrived, no-show, completed, cancel, move, identity checked) and booking.

Every page works without JavaScript; with htmx the boards swap in place and the panel
loads beside the board. An action answers with a redirect to the appointment's panel
(htmx follows it and swaps the panel); `?changed=1` there tells the board to refresh.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ldnclinic.accounts.access import WRITE_ROLES, require_staff, require_write, staff_required
from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.core.forms import add_action_errors
from ldnclinic.core.htmx import render_page_or_partial
from ldnclinic.patients.access import (
    audit_patient_list,
    get_patient_for_update,
    patients_for_request,
)
from ldnclinic.scheduling.access import appointments_for_request, get_appointment_for_update
from ldnclinic.scheduling.actions import (
    STATUS_MOVES,
    SlotTaken,
    do_book_appointment,
    do_cancel_appointment,
    do_clear_identity_review,
    do_reschedule_appointment,
    do_set_appointment_status,
)
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.calendar_grid import Filters, build_board, practitioners_of
from ldnclinic.scheduling.forms_calendar import (
    DAY,
    WEEK,
    BookForm,
    CalendarFilterForm,
    CancelForm,
    MoveForm,
    StatusForm,
    practitioner_name,
    slot_value,
)
from ldnclinic.scheduling.models import (
    AppointmentStatus,
    BookingSource,
    Service,
    WorkingHours,
)

PATIENT_MATCHES = 8
# Arrived and no-show make sense only close to the appointment (the action refuses more
# than 12 hours ahead); the panel offers them from the same moment.
DESK_WINDOW = dt.timedelta(hours=12)
STATUS_LABELS = {
    AppointmentStatus.ARRIVED: "Arrived",
    AppointmentStatus.NOSHOW: "No-show",
    AppointmentStatus.FULFILLED: "Completed",
}


def _can_write(request, membership):
    token = getattr(request, "api_token", None)
    return membership.role in WRITE_ROLES and not (token is not None and token.read_only)


def calendar_url(filters=None, **changes):
    """The board's URL for `filters` with `changes`, leaving defaults out."""
    values = {}
    if filters is not None:
        values = {
            "view": filters.view,
            "date": filters.date,
            "practitioner": filters.practitioner,
            "location": filters.location,
            "hide_cancelled": filters.hide_cancelled,
        }
    values.update(changes)
    query = {}
    if values.get("view") == WEEK:
        query["view"] = WEEK
    if values.get("date"):
        query["date"] = values["date"].isoformat()
    for name in ("practitioner", "location"):
        if values.get(name):
            query[name] = values[name]
    if values.get("hide_cancelled"):
        query["hide_cancelled"] = "1"
    url = reverse("calendar")
    return f"{url}?{urlencode(query)}" if query else url


# The board ----------------------------------------------------------------------------


@staff_required()
def calendar(request):
    membership = require_staff(request)
    clinic = membership.clinic
    now = timezone.now()
    today = now.astimezone(clinic.tz).date()
    practitioners = practitioners_of(clinic)
    locations = [loc for loc in clinic.locations.all() if loc.is_active]
    form = CalendarFilterForm(request.GET, practitioners=practitioners, locations=locations)
    filters = Filters(**form.values(today))
    board = build_board(clinic, appointments_for_request(request), filters, practitioners, now=now)
    record(
        Event.APPOINTMENT_LIST_VIEWED,
        Actor.from_request(request),
        clinic=clinic,
        appointment_ids=[a.pk for a in board.appointments],
        view=filters.view,
        date=filters.date.isoformat(),
    )
    step = dt.timedelta(days=1 if filters.view == DAY else 7)
    context = {
        "clinic": clinic,
        "board": board,
        "form": form,
        "filters": filters,
        "today": today,
        "locations": locations,
        "practitioners": practitioners,
        "can_write": _can_write(request, membership),
        "this_url": calendar_url(filters),
        "prev_url": calendar_url(filters, date=filters.date - step),
        "next_url": calendar_url(filters, date=filters.date + step),
        "today_url": calendar_url(filters, date=None),
        "day_url": calendar_url(filters, view=DAY),
        "week_url": calendar_url(filters, view=WEEK),
        "book_url": reverse("calendar_book")
        + "?"
        + urlencode({"date": filters.date.isoformat(), "practitioner": filters.practitioner or ""}),
        "counts": _counts(board.appointments),
    }
    return render_page_or_partial(
        request, "scheduling/calendar/calendar.html", "scheduling/calendar/_board.html", context
    )


def _counts(appointments):
    cancelled = sum(a.status == AppointmentStatus.CANCELLED for a in appointments)
    return {"active": len(appointments) - cancelled, "cancelled": cancelled}


# The appointment panel ------------------------------------------------------------------


def _clinic_appointment(request, pk):
    """An appointment of the current clinic the staff member may see, else 404."""
    membership = require_staff(request)
    appointment = (
        appointments_for_request(request)
        .filter(clinic=membership.clinic, pk=pk)
        .select_related("patient", "practitioner__user", "location", "resource")
        .first()
    )
    if appointment is None:
        raise Http404("Not found")
    return membership, appointment


def _appointment_for_update(request, pk):
    membership = require_staff(request, WRITE_ROLES)
    appointment = get_appointment_for_update(request, pk)
    if appointment.clinic_id != membership.clinic_id:
        raise Http404("Not found")
    return appointment


def _status_choices(appointment, now):
    allowed = STATUS_MOVES.get(appointment.status, set())
    too_early = appointment.start - now > DESK_WINDOW
    return [
        (status, label)
        for status, label in STATUS_LABELS.items()
        if status in allowed
        and not (too_early and status in (AppointmentStatus.ARRIVED, AppointmentStatus.NOSHOW))
    ]


def _render_panel(request, membership, appointment, *, cancel_form=None, errors=()):
    tz = appointment.clinic.tz
    now = timezone.now()
    can_write = _can_write(request, membership)
    context = {
        "appointment": appointment,
        "start": appointment.start.astimezone(tz),
        "end": appointment.end.astimezone(tz),
        "practitioner": practitioner_name(appointment.practitioner),
        "where": _where(appointment),
        "can_write": can_write,
        "status_choices": _status_choices(appointment, now) if can_write else [],
        "can_move": can_write
        and appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING),
        "can_cancel": can_write
        and appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING),
        "cancel_form": cancel_form or CancelForm(None),
        "errors": list(errors),
        "calendar_url": calendar_url(date=appointment.start.astimezone(tz).date()),
    }
    response = render_page_or_partial(
        request,
        "scheduling/calendar/appointment.html",
        "scheduling/calendar/_appointment.html",
        context,
    )
    if request.GET.get("changed"):
        response["HX-Trigger"] = "calendar-changed"
    return response


def _where(appointment):
    """The appointment's location; for a service without one, where its practitioner
    works at that hour."""
    if appointment.location is not None:
        return appointment.location.name
    local = appointment.start.astimezone(appointment.clinic.tz)
    hours = (
        WorkingHours.objects.filter(
            practitioner_id=appointment.practitioner_id,
            weekday=local.weekday(),
            start__lte=local.time(),
            end__gt=local.time(),
        )
        .select_related("location")
        .first()
    )
    return hours.location.name if hours else ""


@staff_required()
def appointment_detail(request, pk):
    membership, appointment = _clinic_appointment(request, pk)
    record(
        Event.APPOINTMENT_VIEWED,
        Actor.from_request(request),
        patient=appointment.patient,
        subject=appointment,
    )
    return _render_panel(request, membership, appointment)


def _changed(request, appointment, message):
    messages.success(request, message)
    return redirect(reverse("calendar_appointment", args=[appointment.pk]) + "?changed=1")


def _refused(request, pk, errors=(), *, cancel_form=None):
    """The panel again (reloaded: the action rolled back), with what went wrong."""
    membership, appointment = _clinic_appointment(request, pk)
    return _render_panel(request, membership, appointment, cancel_form=cancel_form, errors=errors)


@require_POST
@staff_required()
def appointment_status(request, pk):
    appointment = _appointment_for_update(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, form.errors["status"])
    status = form.cleaned_data["status"]
    try:
        do_set_appointment_status(Actor.from_request(request), appointment, status)
    except ValidationError as error:
        return _refused(request, pk, error.messages)
    return _changed(request, appointment, f"Marked {STATUS_LABELS[status].lower()}.")


@require_POST
@staff_required()
def appointment_cancel(request, pk):
    appointment = _appointment_for_update(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, cancel_form=form)
    try:
        do_cancel_appointment(
            Actor.from_request(request), appointment, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        return _refused(request, pk, error.messages, cancel_form=form)
    late = " (late: inside the cancellation window)" if appointment.cancelled_late else ""
    return _changed(request, appointment, f"Cancelled{late}.")


@require_POST
@staff_required()
def appointment_identity_checked(request, pk):
    appointment = _appointment_for_update(request, pk)
    try:
        do_clear_identity_review(Actor.from_request(request), appointment)
    except ValidationError as error:
        return _refused(request, pk, error.messages)
    return _changed(request, appointment, "Identity checked.")


# Free slots, shared by move and book --------------------------------------------------


def _parse_date(value, default):
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return default


def _slot_groups(slots, names, tz, *, chosen=None):
    """Free slots grouped by practitioner, as radio choices."""
    groups = {}
    for slot in slots:
        value = slot_value(slot.practitioner_id, slot.start)
        group = groups.setdefault(
            slot.practitioner_id,
            {"practitioner": names.get(slot.practitioner_id, ""), "slots": []},
        )
        local = slot.start.astimezone(tz)
        group["slots"].append(
            {
                "value": value,
                "label": f"{local:%H:%M}",
                "day": local.date(),
                "checked": value == chosen,
            }
        )
    return list(groups.values())


def _slot_error_fields(error):
    """The action names the slot `start` or `practitioner`; the form calls it `slot`."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {}
    for field_name, messages_ in error.message_dict.items():
        key = "slot" if field_name in ("start", "practitioner") else field_name
        renamed.setdefault(key, []).extend(messages_)
    return ValidationError(renamed)


# Move ---------------------------------------------------------------------------------


@staff_required()
def appointment_move(request, pk):
    appointment = _appointment_for_update(request, pk)
    actor = Actor.from_request(request)
    form = MoveForm(request.POST if request.method == "POST" else None)
    taken = None
    if request.method == "GET":
        record(Event.APPOINTMENT_VIEWED, actor, patient=appointment.patient, subject=appointment)
    elif form.is_valid():
        practitioner_id, start = form.cleaned_data["slot"]
        practitioner = Membership.objects.filter(
            clinic_id=appointment.clinic_id, pk=practitioner_id
        ).first()
        try:
            if practitioner is None:
                raise ValidationError({"slot": ["Choose one of the free times."]})
            do_reschedule_appointment(actor, appointment, start=start, practitioner=practitioner)
        except SlotTaken as error:
            taken = error.next_slots
            form.add_error("slot", str(error))
            appointment.refresh_from_db()  # the action may have changed it before it lost
        except ValidationError as error:
            add_action_errors(form, _slot_error_fields(error))
            appointment.refresh_from_db()
        else:
            local = appointment.start.astimezone(appointment.clinic.tz)
            return _changed(request, appointment, f"Moved to {local:%a %d %b, %H:%M}.")
    return render_page_or_partial(
        request,
        "scheduling/calendar/move.html",
        "scheduling/calendar/_move.html",
        _move_context(request, appointment, form, taken),
    )


def _move_context(request, appointment, form, taken):
    tz = appointment.clinic.tz
    data = request.POST if request.method == "POST" else request.GET
    day = _parse_date(data.get("date"), appointment.start.astimezone(tz).date())
    service = appointment.service
    performers = [m for m in service.practitioners.select_related("user") if m.is_active]
    names = {m.pk: practitioner_name(m) for m in performers}
    # By default the same practitioner; "Any" (an empty value) widens the search.
    chosen_practitioner = _int_or_none(data.get("practitioner", appointment.practitioner_id))
    if chosen_practitioner not in names:
        chosen_practitioner = None
    movable = appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING)
    if taken is not None:
        free = taken
    elif movable:
        free = find_service_slots(
            service,
            day,
            day,
            practitioner_ids={chosen_practitioner} if chosen_practitioner else None,
            ignore_appointment=appointment,
        )
    else:
        free = []
    return {
        "movable": movable,
        "appointment": appointment,
        "start": appointment.start.astimezone(tz),
        "form": form,
        "day": day,
        "performers": performers,
        "chosen_practitioner": chosen_practitioner,
        "groups": _slot_groups(free, names, tz, chosen=data.get("slot")),
        "taken": taken is not None,
        "panel_url": reverse("calendar_appointment", args=[appointment.pk]),
        "move_url": reverse("calendar_appointment_move", args=[appointment.pk]),
    }


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Book ---------------------------------------------------------------------------------


def _clinic_services(clinic):
    return list(
        Service.objects.filter(clinic=clinic, is_active=True)
        .select_related("clinic", "resource", "location")
        .prefetch_related(
            Prefetch(
                "practitioners",
                queryset=Membership.objects.filter(is_active=True).select_related("user"),
            )
        )
        .order_by("name")
    )


@staff_required()
def book(request):
    membership = require_staff(request, WRITE_ROLES)
    require_write(request)
    services = _clinic_services(membership.clinic)
    form = BookForm(request.POST if request.method == "POST" else None, services=services)
    taken = None
    if request.method == "POST" and form.is_valid():
        done, taken = _try_booking(request, membership, form, services)
        if done is not None:
            return done
    return render_page_or_partial(
        request,
        "scheduling/calendar/book.html",
        "scheduling/calendar/_book.html",
        _book_context(request, membership.clinic, form, services, taken),
    )


def _book_context(request, clinic, form, services, taken):
    """The form's choices: from the query string while choosing, from the POST when a
    booking was refused."""
    tz = clinic.tz
    data = request.POST if request.method == "POST" else request.GET
    service = next((s for s in services if s.pk == _int_or_none(data.get("service"))), None)
    day = _parse_date(data.get("date"), timezone.now().astimezone(tz).date())
    performers = list(service.practitioners.all()) if service else practitioners_of(clinic)
    names = {m.pk: practitioner_name(m) for m in performers}
    chosen_practitioner = _int_or_none(data.get("practitioner"))
    if chosen_practitioner not in names:
        chosen_practitioner = None
    if taken is not None:
        free = taken
    elif service is not None:
        free = find_service_slots(
            service,
            day,
            day,
            practitioner_ids={chosen_practitioner} if chosen_practitioner else None,
        )
    else:
        free = []
    query = data.get("q", "").strip()[:100]
    chosen_patient, matches = _patient_choices(
        request, clinic, query, _int_or_none(data.get("patient"))
    )
    return {
        "form": form,
        "services": services,
        "service": service,
        "day": day,
        "performers": performers,
        "chosen_practitioner": chosen_practitioner,
        "groups": _slot_groups(
            free, names, tz, chosen=data.get("slot") or _slot_at(free, data.get("time"), tz)
        ),
        "taken": taken is not None,
        "no_slots_hint": "" if service else "Choose a service to see its free times.",
        "query": query,
        "chosen_patient": chosen_patient,
        "matches": matches,
        "telehealth": bool(data.get("telehealth")),
        "reason": data.get("reason", "")[:500],
        "time": data.get("time", "")[:5],
        "calendar_url": calendar_url(date=day),
    }


def _slot_at(free, time, tz):
    """The first free slot at `time` (HH:MM, from a clicked empty cell), to preselect."""
    for slot in free if time else ():
        if f"{slot.start.astimezone(tz):%H:%M}" == time:
            return slot_value(slot.practitioner_id, slot.start)
    return None


def _patient_choices(request, clinic, query, patient_id):
    """The chosen patient and up to PATIENT_MATCHES others matching `query`; both are
    reads of patient data, so the list is audited."""
    patients = patients_for_request(request).filter(clinic=clinic, is_active=True)
    chosen = patients.filter(pk=patient_id).first() if patient_id else None
    matches = []
    if query:
        matches = [p for p in patients.search(query)[: PATIENT_MATCHES + 1] if p != chosen]
        matches = matches[:PATIENT_MATCHES]
    shown = ([chosen] if chosen else []) + matches
    if shown:
        audit_patient_list(request, shown, query=query, purpose="booking")
    return chosen, matches


def _try_booking(request, membership, form, services):
    """Book from a valid form: (the redirect, None) on success; else (None, the next free
    slots if the time was just taken, or None), with the errors on the form."""
    data = form.cleaned_data
    service = next(s for s in services if s.pk == data["service"])
    practitioner_id, start = data["slot"]
    practitioner = next((m for m in service.practitioners.all() if m.pk == practitioner_id), None)
    try:
        patient = get_patient_for_update(request, data["patient"], roles=WRITE_ROLES)
    except Http404:
        form.add_error("patient", "Choose a patient.")
        return None, None
    try:
        if practitioner is None:
            raise ValidationError({"slot": ["That practitioner does not perform this service."]})
        appointment, _ = do_book_appointment(
            Actor.from_request(request),
            patient=patient,
            service=service,
            start=start,
            practitioner=practitioner,
            reason=data["reason"],
            telehealth=data["telehealth"],
            source=BookingSource.STAFF,
        )
    except SlotTaken as error:
        form.add_error("slot", str(error))
        return None, error.next_slots
    except ValidationError as error:
        add_action_errors(form, _slot_error_fields(error))
        return None, None
    local = appointment.start.astimezone(membership.clinic.tz)
    message = f"Booked {patient.full_name} for {service.name} on {local:%a %d %b at %H:%M}."
    return _changed(request, appointment, message), None
