"""Booking without the staff: the public pages (no account), the manage link a patient
gets by email, and booking from the patient portal.

The public pages show only what a clinic publishes (services, free times). Everything
about one appointment is reached through its signed manage link, or through the portal
gate (`appointments_for_request`, narrowed to the user's own records)."""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ldnclinic.accounts.access import login_required_404
from ldnclinic.accounts.client_ip import client_ip
from ldnclinic.accounts.models import Clinic, Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.core.forms import add_action_errors
from ldnclinic.core.htmx import render_page_or_partial
from ldnclinic.patients.access import patients_for_request
from ldnclinic.scheduling.access import appointments_for_request
from ldnclinic.scheduling.actions import SlotTaken
from ldnclinic.scheduling.availability import MAX_SEARCH_DAYS, find_service_slots
from ldnclinic.scheduling.forms_public import (
    BookingDetailsForm,
    PortalBookingForm,
    new_form_key,
)
from ldnclinic.scheduling.ics import location_text, patient_ics
from ldnclinic.scheduling.links import (
    LinkExpired,
    LinkInvalid,
    appointment_for_token,
    manage_path,
    manage_token,
)
from ldnclinic.scheduling.models import AppointmentStatus, Service
from ldnclinic.scheduling.notify import absolute, clinic_contact, when_text, zone_label
from ldnclinic.scheduling.public import (
    PatientDetails,
    bookable_practitioner,
    do_cancel_online,
    do_portal_booking,
    do_public_booking,
    do_reschedule_online,
    online_changes,
    take_booking_attempt,
)

ANY = "any"  # the practitioner choice "first available"


# Reading the request ------------------------------------------------------------------


def _online_services():
    return (
        Service.objects.filter(online_bookable=True, is_active=True)
        .select_related("clinic", "resource", "location")
        .prefetch_related(
            Prefetch(
                "practitioners",
                queryset=Membership.objects.filter(is_active=True).select_related("user"),
            )
        )
    )


def _service_or_404(clinic_slug, service_slug):
    """An online-bookable service of the clinic the URL names: another clinic's service
    under this clinic's slug is not found."""
    service = _online_services().filter(clinic__slug=clinic_slug, slug=service_slug).first()
    if service is None:
        raise Http404("No such service")
    return service


def _parse_start(value):
    """An aware datetime from ?start=, or None."""
    try:
        start = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


def _start_param(moment):
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_query(url, **params):
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def practitioner_name(membership):
    name = membership.user.full_name or membership.user.email.split("@")[0]
    return f"{name}, {membership.title}" if membership.title else name


def _practitioner_choice(service, value, default=None):
    """(chosen Membership or None for "first available", the select's value, error)."""
    if value in (None, ""):
        if default is None:
            return None, ANY, ""
        return default, str(default.pk), ""
    if value == ANY:
        return None, ANY, ""
    try:
        chosen = bookable_practitioner(service, value)
    except ValidationError as error:
        return None, ANY, error.messages[0]
    return chosen, str(chosen.pk), ""


def _link_actor(request):
    """Whoever holds a manage link: not a signed-in user, but audited with the address."""
    return Actor(user=None, ip=client_ip(request), via="link")


def _notice(request, title, message, status, *, link=None, headers=None):
    response = render(
        request,
        "scheduling/public/notice.html",
        {"title": title, "message": message, "link": link},
        status=status,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _too_many(request, retry_after):
    minutes = -(-retry_after // 60)
    return _notice(
        request,
        "Too many booking attempts",
        f"There have been too many booking attempts from your network in the last hour. "
        f"Please try again in {minutes} minutes, or call the clinic to book.",
        429,
        headers={"Retry-After": str(retry_after)},
    )


# The week of free times ---------------------------------------------------------------


@dataclass
class Week:
    title: str
    zone: str
    days: list = field(default_factory=list)
    prev_url: str = ""
    next_url: str = ""
    first_free: dict | None = None

    @property
    def has_slots(self):
        return any(day["slots"] for day in self.days)


def _monday(day):
    return day - dt.timedelta(days=day.weekday())


def _day_label(day):
    return f"{day:%a} {day.day} {day:%b}"


def slot_week(service, *, week, chosen, now, slot_href, week_href, ignore=None):
    """The free times of `service` in the week holding the date `week` (clamped to the
    weeks that can have any), each linked with `slot_href(slot)`."""
    tz = service.clinic.tz
    today = now.astimezone(tz).date()
    last_day = (now + dt.timedelta(days=service.horizon_days)).astimezone(tz).date()
    first_monday, last_monday = _monday(today), _monday(last_day)
    monday = min(max(_monday(week or today), first_monday), last_monday)
    sunday = monday + dt.timedelta(days=6)
    practitioner_ids = {chosen.pk} if chosen is not None else None
    found = find_service_slots(
        service, monday, sunday, practitioner_ids=practitioner_ids, now=now,
        ignore_appointment=ignore,
    )  # fmt: skip
    by_day = {monday + dt.timedelta(days=i): [] for i in range(7)}
    seen = set()
    for slot in found:
        # With "first available" several practitioners can offer one time: list it once.
        if slot.start in seen:
            continue
        seen.add(slot.start)
        local = slot.start.astimezone(tz)
        by_day[local.date()].append(
            {
                "label": f"{local:%H:%M}",
                "long_label": f"{local:%A} {local.day} {local:%B}, {local:%H:%M}",
                "href": slot_href(slot),
            }
        )
    noon = dt.datetime.combine(monday, dt.time(12), tzinfo=tz)
    result = Week(
        title=f"{monday.day} {monday:%B} – {sunday.day} {sunday:%B %Y}",
        zone=f"{noon.tzname()} ({zone_label(tz)})",
        days=[
            {"label": _day_label(day), "slots": slots, "past": day < today or day > last_day}
            for day, slots in by_day.items()
        ],
        prev_url=week_href(monday - dt.timedelta(days=7)) if monday > first_monday else "",
        next_url=week_href(monday + dt.timedelta(days=7)) if monday < last_monday else "",
    )
    if not found and sunday < last_day:
        # An empty week: look ahead once, so nobody clicks "Later" week after week.
        ahead_end = min(sunday + dt.timedelta(days=MAX_SEARCH_DAYS - 1), last_day)
        later = find_service_slots(
            service, sunday + dt.timedelta(days=1), ahead_end,
            practitioner_ids=practitioner_ids, now=now, ignore_appointment=ignore,
        )  # fmt: skip
        if later:
            local = later[0].start.astimezone(tz)
            result.first_free = {
                "label": f"{local:%A} {local.day} {local:%B}",
                "url": week_href(local.date()),
            }
    return result


def _week_param(request):
    try:
        return dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return None


def _practitioner_options(service):
    return [{"id": str(m.pk), "name": practitioner_name(m)} for m in service.practitioners.all()]


def _slot_summary(service, start, chosen):
    tz = service.clinic.tz
    return {
        "service_name": service.name,
        "when": when_text(start, start + service.duration, tz),
        "practitioner": practitioner_name(chosen) if chosen else "First available",
        "place": _service_place(service),
        "price": service.price_display,
    }


def _service_place(service):
    location = service.location
    if location is None:
        return service.clinic.name
    parts = [location.name, location.address_line1, location.city]
    return ", ".join(part for part in parts if part)


def _appointment_summary(appointment):
    return {
        "service_name": appointment.service.name,
        "when": when_text(appointment.start, appointment.end, appointment.clinic.tz),
        "practitioner": practitioner_name(appointment.practitioner),
        "place": location_text(appointment),
        "status": appointment.get_status_display(),
    }


def _next_slot_buttons(taken, service, href):
    tz = service.clinic.tz
    buttons = []
    for slot in taken.next_slots:
        local = slot.start.astimezone(tz)
        buttons.append(
            {"label": f"{local:%a} {local.day} {local:%b}, {local:%H:%M}", "href": href(slot)}
        )
    return buttons


# Public booking -----------------------------------------------------------------------


@require_GET
def booking_clinics(request):
    clinics = list(
        Clinic.objects.filter(services__online_bookable=True, services__is_active=True)
        .distinct()
        .order_by("name")
    )
    if len(clinics) == 1:
        return redirect("booking-services", clinic_slug=clinics[0].slug)
    return render(request, "scheduling/public/clinics.html", {"clinics": clinics})


@require_GET
def booking_services(request, clinic_slug):
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    services = list(_online_services().filter(clinic=clinic))
    return render(
        request,
        "scheduling/public/services.html",
        {"clinic": clinic, "services": services, "contact": clinic_contact(clinic)},
    )


@require_GET
def booking_slots(request, clinic_slug, service_slug):
    service = _service_or_404(clinic_slug, service_slug)
    chosen, choice, error = _practitioner_choice(service, request.GET.get("practitioner"))
    slots_url = reverse("booking-slots", args=[clinic_slug, service_slug])
    details_url = reverse("booking-details", args=[clinic_slug, service_slug])
    practitioner = chosen.pk if chosen else None
    week = slot_week(
        service,
        week=_week_param(request),
        chosen=chosen,
        now=timezone.now(),
        slot_href=lambda slot: _with_query(
            details_url, start=_start_param(slot.start), practitioner=practitioner
        ),
        week_href=lambda day: _with_query(slots_url, practitioner=choice, week=day.isoformat()),
    )
    context = {
        "clinic": service.clinic,
        "service": service,
        "week": week,
        "slots_url": slots_url,
        "practitioners": _practitioner_options(service),
        "choice": choice,
        "practitioner_error": error,
        "step": 1,
    }
    return render_page_or_partial(
        request, "scheduling/public/slots.html", "scheduling/public/_slot_week.html", context
    )


def _choose_a_time_first(request, service, slots_url):
    """The details and confirm pages need ?start=…: send the visitor back to the times."""
    return _notice(
        request,
        "Choose a time first",
        "This page needs a time from the list of free times.",
        400,
        link={"url": slots_url, "label": f"See free times for {service.name}"},
    )


@require_http_methods(["GET", "POST"])
def booking_details(request, clinic_slug, service_slug):
    service = _service_or_404(clinic_slug, service_slug)
    slots_url = reverse("booking-slots", args=[clinic_slug, service_slug])
    start = _parse_start(request.GET.get("start"))
    if start is None:
        return _choose_a_time_first(request, service, slots_url)
    practitioner_value = request.GET.get("practitioner", "")
    form = BookingDetailsForm(
        request.POST if request.method == "POST" else None,
        initial={"idempotency_key": new_form_key()},
    )
    status, next_slots = 200, []
    details_url = reverse("booking-details", args=[clinic_slug, service_slug])
    if request.method == "POST":
        retry_after = take_booking_attempt(request)
        if retry_after is not None:
            return _too_many(request, retry_after)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment, _ = do_public_booking(
                    Actor.from_request(request),
                    service=service,
                    start=start,
                    practitioner=bookable_practitioner(service, practitioner_value),
                    details=PatientDetails(
                        given_name=data["given_name"],
                        family_name=data["family_name"],
                        email=data["email"],
                        phone=data["phone"],
                        birth_date=data["birth_date"],
                    ),
                    condition=data["condition"],
                    reason=data["reason"],
                    idempotency_key=data["idempotency_key"] or None,
                )
            except SlotTaken as taken:
                form.add_error(
                    None,
                    "That time has just been taken. Choose one of the next free times "
                    "below (your details are kept), or go back to the list.",
                )
                next_slots = _next_slot_buttons(
                    taken,
                    service,
                    lambda slot: _with_query(
                        details_url,
                        start=_start_param(slot.start),
                        practitioner=practitioner_value,
                    ),
                )
                status = 409
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                return redirect("booking-confirmed", token=manage_token(appointment))
    chosen = None
    if practitioner_value:
        chosen = next(
            (m for m in service.practitioners.all() if str(m.pk) == practitioner_value), None
        )
    context = {
        "clinic": service.clinic,
        "service": service,
        "form": form,
        "summary": _slot_summary(service, start, chosen),
        "back_url": _with_query(slots_url, practitioner=practitioner_value),
        "next_slots": next_slots,
        "step": 2,
    }
    return render(request, "scheduling/public/details.html", context, status=status)


# Manage links -------------------------------------------------------------------------


def _from_link(request, token, page):
    """(appointment, None), or (None, a friendly page) for a link that does not work.
    A GET is a read of the appointment and is audited."""
    try:
        appointment = appointment_for_token(token)
    except LinkInvalid as error:
        status = 410 if isinstance(error, LinkExpired) else 404
        return None, _notice(request, "This link does not work", str(error), status)
    if request.method == "GET":
        record(
            Event.APPOINTMENT_VIEWED,
            _link_actor(request),
            patient=appointment.patient,
            subject=appointment,
            page=page,
        )
    return appointment, None


def _manage_context(appointment, now):
    clinic = appointment.clinic
    changes = online_changes(appointment, now)
    return {
        "appointment": appointment,
        "clinic": clinic,
        "summary": _appointment_summary(appointment),
        "changes": changes,
        "cancelled": appointment.status == AppointmentStatus.CANCELLED,
        "contact": clinic_contact(clinic),
        "book_again_url": reverse("booking-services", args=[clinic.slug]),
    }


@require_GET
def booking_confirmed(request, token):
    appointment, refused = _from_link(request, token, "confirmed")
    if refused:
        return refused
    context = _manage_context(appointment, timezone.now())
    context["token"] = token
    context["has_email"] = bool(appointment.patient.email)
    return render(request, "scheduling/public/confirmed.html", context)


@require_GET
def booking_manage(request, token):
    appointment, refused = _from_link(request, token, "manage")
    if refused:
        return refused
    context = _manage_context(appointment, timezone.now())
    context.update(
        token=token,
        reschedule_url=reverse("booking-reschedule", args=[token]),
        cancel_url=reverse("booking-cancel", args=[token]),
        ics_url=reverse("booking-ics", args=[token]),
    )
    return render(request, "scheduling/public/manage.html", context)


@require_GET
def booking_ics(request, token):
    appointment, refused = _from_link(request, token, "ics")
    if refused:
        return refused
    body = patient_ics(
        appointment, now=timezone.now(), manage_url=absolute(manage_path(appointment))
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@require_http_methods(["GET", "POST"])
def booking_reschedule(request, token):
    appointment, refused = _from_link(request, token, "reschedule")
    if refused:
        return refused
    return _reschedule_page(
        request,
        appointment,
        actor=_link_actor(request),
        page_url=reverse("booking-reschedule", args=[token]),
        back_url=reverse("booking-manage", args=[token]),
        done_url=manage_path,
    )


@require_http_methods(["GET", "POST"])
def booking_cancel(request, token):
    appointment, refused = _from_link(request, token, "cancel")
    if refused:
        return refused
    return _cancel_page(
        request,
        appointment,
        actor=_link_actor(request),
        back_url=reverse("booking-manage", args=[token]),
        done_url=manage_path,
    )


def _reschedule_page(request, appointment, *, actor, page_url, back_url, done_url):
    """Pick a new time for `appointment` (GET ?start= shows the confirmation), then move it
    (POST). Shared by the manage link and the portal."""
    now = timezone.now()
    service = appointment.service
    service = _online_services().filter(pk=service.pk).first() or service
    context = _manage_context(appointment, now)
    context.update(back_url=back_url, page_url=page_url, service=service)
    status = 200
    source = request.POST if request.method == "POST" else request.GET
    current = next(
        (m for m in service.practitioners.all() if m.pk == appointment.practitioner_id), None
    )
    chosen, choice, error = _practitioner_choice(
        service, source.get("practitioner"), default=current
    )
    start = _parse_start(source.get("start"))
    if request.method == "POST":
        if start is None:
            error = "Choose a new time from the list."
            status = 400
        else:
            try:
                moved = do_reschedule_online(
                    actor, appointment, start=start, practitioner=chosen, now=now
                )
            except SlotTaken:
                error = "That time has just been taken. Choose another."
                status = 409
                start = None
            except ValidationError as refusal:
                error = " ".join(refusal.messages)
                status = 400
                start = None
            else:
                messages.success(
                    request, "Your appointment has moved. We have emailed the new details."
                )
                return redirect(done_url(moved))
    practitioner = chosen.pk if chosen else ANY
    if context["changes"].can_move:
        context["week"] = slot_week(
            service,
            week=_week_param(request)
            or (start or appointment.start).astimezone(service.clinic.tz).date(),
            chosen=chosen,
            now=now,
            ignore=appointment,
            slot_href=lambda slot: _with_query(
                page_url,
                start=_start_param(slot.start),
                practitioner=practitioner,
                week=slot.start.astimezone(service.clinic.tz).date().isoformat(),
            ),
            week_href=lambda day: _with_query(page_url, practitioner=choice, week=day.isoformat()),
        )
    if start is not None and context["changes"].can_move:
        context["proposed"] = {
            "start": _start_param(start),
            "when": when_text(start, start + service.duration, service.clinic.tz),
        }
    context.update(
        practitioners=_practitioner_options(service),
        choice=choice,
        slots_url=page_url,
        error=error,
    )
    return render_page_or_partial(
        request,
        "scheduling/public/reschedule.html",
        "scheduling/public/_slot_week.html",
        context,
        status=status,
    )


def _cancel_page(request, appointment, *, actor, back_url, done_url):
    now = timezone.now()
    context = _manage_context(appointment, now)
    context["back_url"] = back_url
    status = 200
    if request.method == "POST":
        try:
            cancelled = do_cancel_online(actor, appointment, now=now)
        except ValidationError as refusal:
            context["error"] = " ".join(refusal.messages)
            status = 400
        else:
            late = " It was recorded as a late cancellation." if cancelled.cancelled_late else ""
            messages.success(request, f"Your appointment is cancelled.{late}")
            return redirect(done_url(cancelled))
    return render(request, "scheduling/public/cancel.html", context, status=status)


# Portal booking -----------------------------------------------------------------------


def _own_records(request):
    """The signed-in user's own active patient records: the patient side of the gate,
    without the staff side (staff book from the calendar)."""
    return (
        patients_for_request(request)
        .filter(user=request.user, is_active=True)
        .select_related("clinic")
    )


def _own_record_or_404(request, clinic_slug):
    patient = _own_records(request).filter(clinic__slug=clinic_slug).first()
    if patient is None:
        raise Http404("Not found")
    return patient


def _own_appointment_or_404(request, pk):
    appointment = (
        appointments_for_request(request)
        .filter(pk=pk, patient__in=_own_records(request))
        .select_related("patient", "location", "practitioner__user")
        .first()
    )
    if appointment is None:
        raise Http404("Not found")
    return appointment


@login_required_404
@require_GET
def portal_bookings(request):
    records = list(_own_records(request))
    if not records:
        raise Http404("Not found")
    now = timezone.now()
    upcoming = list(
        appointments_for_request(request)
        .filter(
            patient__in=records,
            status__in=(AppointmentStatus.BOOKED, AppointmentStatus.PENDING),
            start__gt=now,
        )
        .select_related("location", "practitioner__user", "patient")
    )
    clinic_ids = {p.clinic_id for p in records}
    record(
        Event.APPOINTMENT_LIST_VIEWED,
        Actor.from_request(request),
        clinic_id=clinic_ids.pop() if len(clinic_ids) == 1 else None,
        appointment_ids=[a.pk for a in upcoming],
    )
    services = list(
        _online_services()
        .filter(clinic__in=[p.clinic_id for p in records], new_patients_only=False)
        .order_by("clinic__name", "name")
    )
    clinics = [
        {"clinic": p.clinic, "services": [s for s in services if s.clinic_id == p.clinic_id]}
        for p in records
    ]
    items = []
    for appointment in upcoming:
        items.append(
            {
                "summary": _appointment_summary(appointment),
                "changes": online_changes(appointment, now),
                "reschedule_url": reverse("booking-portal-reschedule", args=[appointment.pk]),
                "cancel_url": reverse("booking-portal-cancel", args=[appointment.pk]),
            }
        )
    return render(request, "scheduling/public/portal.html", {"upcoming": items, "clinics": clinics})


@login_required_404
@require_GET
def portal_slots(request, clinic_slug, service_slug):
    _own_record_or_404(request, clinic_slug)
    service = _service_or_404(clinic_slug, service_slug)
    chosen, choice, error = _practitioner_choice(service, request.GET.get("practitioner"))
    slots_url = reverse("booking-portal-slots", args=[clinic_slug, service_slug])
    confirm_url = reverse("booking-portal-confirm", args=[clinic_slug, service_slug])
    practitioner = chosen.pk if chosen else None
    context = {
        "clinic": service.clinic,
        "service": service,
        "slots_url": slots_url,
        "practitioners": _practitioner_options(service),
        "choice": choice,
        "practitioner_error": error,
        "portal": True,
        "step": 1,
    }
    if not service.new_patients_only:
        context["week"] = slot_week(
            service,
            week=_week_param(request),
            chosen=chosen,
            now=timezone.now(),
            slot_href=lambda slot: _with_query(
                confirm_url, start=_start_param(slot.start), practitioner=practitioner
            ),
            week_href=lambda day: _with_query(slots_url, practitioner=choice, week=day.isoformat()),
        )
    return render_page_or_partial(
        request, "scheduling/public/slots.html", "scheduling/public/_slot_week.html", context
    )


@login_required_404
@require_http_methods(["GET", "POST"])
def portal_confirm(request, clinic_slug, service_slug):
    patient = _own_record_or_404(request, clinic_slug)
    service = _service_or_404(clinic_slug, service_slug)
    slots_url = reverse("booking-portal-slots", args=[clinic_slug, service_slug])
    start = _parse_start(request.GET.get("start"))
    if start is None:
        return _choose_a_time_first(request, service, slots_url)
    practitioner_value = request.GET.get("practitioner", "")
    confirm_url = reverse("booking-portal-confirm", args=[clinic_slug, service_slug])
    # An empty POST is still a submission (every field is optional).
    form = PortalBookingForm(request.POST if request.method == "POST" else None)
    status, next_slots = 200, []
    if request.method == "POST" and form.is_valid():
        try:
            do_portal_booking(
                Actor.from_request(request),
                patient=patient,
                service=service,
                start=start,
                practitioner=bookable_practitioner(service, practitioner_value),
                condition=form.cleaned_data["condition"],
                reason=form.cleaned_data["reason"],
            )
        except SlotTaken as taken:
            form.add_error(None, "That time has just been taken. Choose one of the next ones.")
            next_slots = _next_slot_buttons(
                taken,
                service,
                lambda slot: _with_query(
                    confirm_url, start=_start_param(slot.start), practitioner=practitioner_value
                ),
            )
            status = 409
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            email = " We have emailed you the details." if patient.email else ""
            messages.success(request, f"Your appointment is booked.{email}")
            return redirect("booking-portal")
    chosen = next((m for m in service.practitioners.all() if str(m.pk) == practitioner_value), None)
    context = {
        "clinic": service.clinic,
        "service": service,
        "form": form,
        "summary": _slot_summary(service, start, chosen),
        "back_url": _with_query(slots_url, practitioner=practitioner_value),
        "next_slots": next_slots,
        "portal": True,
        "step": 2,
    }
    return render(request, "scheduling/public/portal_confirm.html", context, status=status)


def _audit_portal_view(request, appointment, page):
    record(
        Event.APPOINTMENT_VIEWED,
        Actor.from_request(request),
        patient=appointment.patient,
        subject=appointment,
        page=page,
    )


@login_required_404
@require_http_methods(["GET", "POST"])
def portal_reschedule(request, pk):
    appointment = _own_appointment_or_404(request, pk)
    if request.method == "GET":
        _audit_portal_view(request, appointment, "portal-reschedule")
    return _reschedule_page(
        request,
        appointment,
        actor=Actor.from_request(request),
        page_url=reverse("booking-portal-reschedule", args=[pk]),
        back_url=reverse("booking-portal"),
        done_url=lambda moved: reverse("booking-portal"),
    )


@login_required_404
@require_http_methods(["GET", "POST"])
def portal_cancel(request, pk):
    appointment = _own_appointment_or_404(request, pk)
    if request.method == "GET":
        _audit_portal_view(request, appointment, "portal-cancel")
    return _cancel_page(
        request,
        appointment,
        actor=Actor.from_request(request),
        back_url=reverse("booking-portal"),
        done_url=lambda cancelled: reverse("booking-portal"),
    )
