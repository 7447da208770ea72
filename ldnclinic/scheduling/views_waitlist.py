"""Waitlist pages: the patient's (portal), the front desk's, and the offer link.

Entries are fetched only through `entries_for_request`, built on the patient gate: a
patient sees their own, staff their clinic's; anything else is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from ldnclinic.accounts.access import (
    WRITE_ROLES,
    login_required_404,
    require_staff,
    require_write,
    staff_required,
)
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.core.forms import add_action_errors
from ldnclinic.core.htmx import render_page_or_partial
from ldnclinic.patients.access import audit_patient_list, patients_for_request
from ldnclinic.scheduling.forms_waitlist import PortalJoinForm, StaffJoinForm
from ldnclinic.scheduling.links import LinkExpired, LinkInvalid, offer_for_token, offer_token
from ldnclinic.scheduling.models import Appointment, WaitlistEntry, WaitlistOffer
from ldnclinic.scheduling.notify import clinic_contact, short_when
from ldnclinic.scheduling.waitlist import (
    CLOSED,
    MOVABLE,
    OfferClosed,
    closed_reason,
    do_accept_waitlist_offer,
    do_join_waitlist,
    do_leave_waitlist,
    offer_context,
)

PAGE_SIZE = 50
STATUS_FILTERS = {
    "waiting": [WaitlistEntry.Status.WAITING],
    "booked": [WaitlistEntry.Status.BOOKED],
    "closed": [WaitlistEntry.Status.WITHDRAWN, WaitlistEntry.Status.EXPIRED],
    "all": list(WaitlistEntry.Status),
}


def entries_for_request(request):
    return WaitlistEntry.objects.filter(patient__in=patients_for_request(request))


def own_patient_records(request):
    """The request user's own active patient records (the portal's view of the gate)."""
    return list(
        patients_for_request(request)
        .filter(user=request.user, is_active=True)
        .select_related("clinic")
    )


def _with_details(entries):
    return entries.select_related(
        "patient",
        "service__clinic",
        "practitioner__user",
        "current_appointment",
        "booked_appointment",
    ).prefetch_related(
        Prefetch(
            "offers",
            queryset=WaitlistOffer.objects.order_by("-created_at", "-id"),
            to_attr="offers_newest_first",
        )
    )


def _describe(entries, now):
    """Rows for the templates: times in the clinic's zone, the latest offer in words."""
    rows = []
    for entry in entries:
        tz = entry.service.clinic.tz
        offer = entry.offers_newest_first[0] if entry.offers_newest_first else None
        offer_text, open_offer = "", None
        if offer is not None:
            state = offer.get_status_display().lower()
            if offer.status == WaitlistOffer.Status.OPEN and entry.status == "waiting":
                open_offer = offer if offer.expires_at > now else None
                state = (
                    f"open until {short_when(offer.expires_at, tz)}" if open_offer else "expired"
                )
            offer_text = f"{short_when(offer.start, tz)} ({state})"
        current, booked = entry.current_appointment, entry.booked_appointment
        rows.append(
            {
                "entry": entry,
                "current": short_when(current.start, tz) if current else "",
                "booked": short_when(booked.start, tz) if booked else "",
                "offer": offer_text,
                "offer_path": (
                    reverse("waitlist_offer", args=[offer_token(open_offer)]) if open_offer else ""
                ),
                "joined": entry.created_at.astimezone(tz).date(),
            }
        )
    return rows


# Portal ----------------------------------------------------------------------------


@login_required_404
def waitlist_portal(request):
    patients = own_patient_records(request)
    if not patients:
        raise Http404("Not found")
    now = timezone.now()
    today = now.astimezone(patients[0].clinic.tz).date()
    form = PortalJoinForm(
        request.POST or None, patients=patients, now=now, initial={"earliest_date": today}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service = data["service"]
        patient = next(p for p in patients if p.clinic_id == service.clinic_id)
        try:
            do_join_waitlist(
                Actor.from_request(request),
                patient=patient,
                service=service,
                earliest_date=data["earliest_date"],
                latest_date=data["latest_date"],
                practitioner=data["practitioner"],
                current_appointment=data["current_appointment"],
                note=data["note"],
                now=now,
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(
                request,
                f"You are on the waitlist for {service.name}. "
                "We will email you when an earlier time frees up.",
            )
            return redirect("waitlist_portal")
    entries = _with_details(
        WaitlistEntry.objects.filter(patient__in=patients).order_by("-created_at", "-id")
    )
    audit_patient_list(request, patients, page="waitlist")
    context = {"form": form, "rows": _describe(entries, now)}
    return render(request, "scheduling/waitlist/portal.html", context)


@require_POST
@login_required_404
def waitlist_portal_leave(request, pk):
    patients = own_patient_records(request)
    entry = WaitlistEntry.objects.filter(pk=pk, patient__in=patients).first()
    if entry is None:
        raise Http404("Not found")
    try:
        do_leave_waitlist(Actor.from_request(request), entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"You have left the waitlist for {entry.service.name}.")
    return redirect("waitlist_portal")


# Staff -----------------------------------------------------------------------------


@staff_required()
def waitlist_list(request):
    membership = require_staff(request)
    now = timezone.now()
    status = request.GET.get("status", "waiting")
    if status not in STATUS_FILTERS:
        status = "waiting"
    services = membership.clinic.services.filter(waitlist__isnull=False).distinct()
    service_id = request.GET.get("service", "")
    entries = entries_for_request(request).filter(
        clinic=membership.clinic, status__in=STATUS_FILTERS[status]
    )
    if service_id.isdigit():
        entries = entries.filter(service_id=int(service_id))
    waiting_first = Case(
        When(status=WaitlistEntry.Status.WAITING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    entries = _with_details(entries).order_by("service__name", waiting_first, "created_at", "id")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _describe(page.object_list, now)
    _number_waiting(rows, membership.clinic)
    audit_patient_list(
        request, [row["entry"].patient for row in rows], page="waitlist", status=status
    )
    context = {
        "page": page,
        "groups": _grouped(rows),
        "status": status,
        "statuses": list(STATUS_FILTERS),
        "services": services,
        "service_id": service_id,
        "query": urlencode({"status": status, "service": service_id}),
        "can_write": membership.role in WRITE_ROLES,
    }
    return render_page_or_partial(
        request, "scheduling/waitlist/list.html", "scheduling/waitlist/_entries.html", context
    )


def _number_waiting(rows, clinic):
    """Each waiting entry's place in its service's queue (offers go out in this order)."""
    ids = [r["entry"].service_id for r in rows if r["entry"].status == "waiting"]
    queue = (
        WaitlistEntry.objects.filter(
            clinic=clinic, service_id__in=set(ids), status=WaitlistEntry.Status.WAITING
        )
        .order_by("created_at", "id")
        .values_list("pk", "service_id")
    )
    places, counts = {}, {}
    for pk, service_id in queue:
        counts[service_id] = counts.get(service_id, 0) + 1
        places[pk] = counts[service_id]
    for row in rows:
        row["place"] = places.get(row["entry"].pk)


def _grouped(rows):
    groups = []
    for row in rows:
        service = row["entry"].service
        if not groups or groups[-1]["service"] != service:
            groups.append({"service": service, "rows": []})
        groups[-1]["rows"].append(row)
    return groups


@staff_required(roles=WRITE_ROLES)
def waitlist_add(request):
    membership = require_staff(request, WRITE_ROLES)
    require_write(request)
    now = timezone.now()
    initial = {
        "earliest_date": now.astimezone(membership.clinic.tz).date(),
        "mrn": request.GET.get("mrn", "")[:20],
    }
    form = StaffJoinForm(
        request.POST or None,
        clinic=membership.clinic,
        patients=patients_for_request(request),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        current = None
        if data["bring_forward"]:
            current = (
                Appointment.objects.filter(
                    patient=form.patient,
                    service=data["service"],
                    status__in=MOVABLE,
                    start__gt=now,
                )
                .order_by("start")
                .first()
            )
            if current is None:
                form.add_error(
                    "bring_forward", "This patient has no upcoming appointment for this service."
                )
        if not form.errors:
            try:
                entry = do_join_waitlist(
                    Actor.from_request(request),
                    patient=form.patient,
                    service=data["service"],
                    earliest_date=data["earliest_date"],
                    latest_date=data["latest_date"],
                    practitioner=data["practitioner"],
                    current_appointment=current,
                    note=data["note"],
                    by_staff=True,
                    now=now,
                )
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Added {entry.patient.full_name} to the waitlist for {entry.service.name}.",
                )
                return redirect(f"{reverse('waitlist_list')}?service={entry.service_id}")
    return render(request, "scheduling/waitlist/add.html", {"form": form})


@require_POST
@staff_required(roles=WRITE_ROLES)
def waitlist_remove(request, pk):
    membership = require_staff(request, WRITE_ROLES)
    entry = (
        entries_for_request(request)
        .filter(pk=pk, clinic=membership.clinic)
        .select_related("patient", "service")
        .first()
    )
    if entry is None:
        raise Http404("Not found")
    require_write(request)
    try:
        do_leave_waitlist(Actor.from_request(request), entry, by_staff=True)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Took {entry.patient.full_name} off the waitlist for {entry.service.name}.",
        )
    return redirect(f"{reverse('waitlist_list')}?service={entry.service_id}")


# The offer link (no login: the signed link is the credential) -----------------------


def _closed(request, title, message, status, *, offer=None):
    clinic = offer.entry.clinic if offer else None
    context = {
        "title": title,
        "message": message,
        "clinic": clinic,
        "contact": clinic_contact(clinic) if clinic else "",
    }
    return render(request, "scheduling/waitlist/offer_closed.html", context, status=status)


def waitlist_offer(request, token):
    now = timezone.now()
    try:
        offer = offer_for_token(token, now=now)
    except LinkExpired:
        return _closed(request, *CLOSED["expired"], 410)
    except LinkInvalid as error:
        return _closed(request, "This link is not valid", str(error), 404)
    reason = closed_reason(offer, now)
    if reason:
        return _closed(request, *CLOSED[reason], 410, offer=offer)
    context = offer_context(offer)
    if request.method == "POST":
        actor = Actor.from_request(request)
        try:
            appointment = do_accept_waitlist_offer(actor, offer, now=now)
        except OfferClosed as error:
            return _closed(request, error.title, str(error), 410, offer=offer)
        if appointment is None:
            return render(request, "scheduling/waitlist/offer_taken.html", context, status=409)
        return render(request, "scheduling/waitlist/offer_booked.html", context)
    if context["current"] is not None:
        # The page shows the patient's current appointment: a read of their data.
        record(
            Event.APPOINTMENT_VIEWED,
            Actor.from_request(request),
            patient=offer.entry.patient,
            subject=context["current"],
            via_offer=offer.pk,
        )
    return render(request, "scheduling/waitlist/offer.html", context)
