"""The clinic admin's scheduling settings: services, rooms and devices, weekly working
hours, time off and extra hours, and clinic closures. Admins only (others 403, another
clinic's objects 404); every change goes through scheduling.actions_settings."""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from ldnclinic.accounts.access import require_staff, staff_required
from ldnclinic.accounts.models import Membership, Role
from ldnclinic.audit.log import Actor
from ldnclinic.core.forms import add_action_errors
from ldnclinic.core.htmx import render_page_or_partial
from ldnclinic.scheduling import actions_settings as actions
from ldnclinic.scheduling.forms_settings import (
    ClosureForm,
    ResourceForm,
    ServiceForm,
    TimeOffForm,
    hours_formset,
    member_label,
    practitioners_of,
)
from ldnclinic.scheduling.models import (
    ClinicClosure,
    Resource,
    Service,
    TimeOff,
    WorkingHours,
)

ADMIN_ONLY = (Role.ADMIN,)
PAST_SHOWN = 20


def _clinic(request):
    return require_staff(request, ADMIN_ONLY).clinic


def _practitioner(clinic, pk):
    return get_object_or_404(practitioners_of(clinic).select_related("clinic"), pk=pk)


def _posted(request):
    # Not `request.POST or None`: an empty POST must be a bound form with errors.
    return request.POST if request.method == "POST" else None


def _day(date):
    return date_format(date, "l j F Y")


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


# Services -----------------------------------------------------------------------------


@staff_required(roles=ADMIN_ONLY)
def service_list(request):
    clinic = _clinic(request)
    services = (
        Service.objects.filter(clinic=clinic)
        .select_related("location", "resource")
        .prefetch_related(
            Prefetch(
                "practitioners",
                queryset=Membership.objects.select_related("user").order_by("user__full_name"),
            )
        )
        .order_by("-is_active", "name")
    )
    return render(request, "scheduling/settings/services.html", {"services": services})


@staff_required(roles=ADMIN_ONLY)
def service_edit(request, pk=None):
    clinic = _clinic(request)
    service = get_object_or_404(Service, pk=pk, clinic=clinic) if pk else None
    form = ServiceForm(_posted(request), instance=service, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_service(
                Actor.from_request(request), clinic, service, **form.cleaned_data
            )
        except ValidationError as error:
            add_action_errors(form, error)
            if service is not None:
                service.refresh_from_db()
        else:
            messages.success(request, f"Service “{saved.name}” saved.")
            return redirect("scheduling_services")
    context = {"form": form, "service": service}
    return render(request, "scheduling/settings/service_form.html", context)


# Rooms and devices --------------------------------------------------------------------


@staff_required(roles=ADMIN_ONLY)
def resource_list(request):
    clinic = _clinic(request)
    resources = (
        Resource.objects.filter(clinic=clinic)
        .select_related("location")
        .annotate(service_count=Count("services", filter=Q(services__is_active=True)))
        .order_by("-is_active", "location__name", "name")
    )
    return render(request, "scheduling/settings/resources.html", {"resources": resources})


@staff_required(roles=ADMIN_ONLY)
def resource_edit(request, pk=None):
    clinic = _clinic(request)
    resource = get_object_or_404(Resource, pk=pk, clinic=clinic) if pk else None
    form = ResourceForm(_posted(request), instance=resource, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_resource(
                Actor.from_request(request), clinic, resource, **form.cleaned_data
            )
        except ValidationError as error:
            add_action_errors(form, error)
            if resource is not None:
                resource.refresh_from_db()
        else:
            messages.success(request, f"“{saved.name}” saved.")
            return redirect("scheduling_resources")
    context = {"form": form, "resource": resource}
    return render(request, "scheduling/settings/resource_form.html", context)


# Working hours ------------------------------------------------------------------------


def week_summary(hours):
    """[(weekday label, "09:00–12:00 Main, 13:00–17:00 Main"), ...] for the days worked."""
    days = defaultdict(list)
    for row in sorted(hours, key=lambda h: (h.weekday, h.start)):
        days[row.weekday].append(f"{row.start:%H:%M}–{row.end:%H:%M} {row.location.name}")
    return [(WorkingHours.Weekday(day).label, ", ".join(days[day])) for day in sorted(days)]


@staff_required(roles=ADMIN_ONLY)
def hours_list(request):
    clinic = _clinic(request)
    today = actions.clinic_today(clinic)
    practitioners = (
        practitioners_of(clinic)
        .prefetch_related(
            Prefetch("working_hours", queryset=WorkingHours.objects.select_related("location"))
        )
        .annotate(upcoming=Count("time_off", filter=Q(time_off__date__gte=today)))
    )
    rows = [
        {"member": m, "label": member_label(m), "week": week_summary(m.working_hours.all())}
        for m in practitioners
    ]
    return render(request, "scheduling/settings/hours.html", {"rows": rows})


@staff_required(roles=ADMIN_ONLY)
def hours_edit(request, pk):
    clinic = _clinic(request)
    practitioner = _practitioner(clinic, pk)
    adding = request.method == "POST" and "add_row" in request.POST
    formset = hours_formset(practitioner, _posted(request), add_rows=int(adding))
    errors = []
    if request.method == "POST" and not adding and formset.is_valid():
        try:
            actions.do_set_working_hours(Actor.from_request(request), practitioner, formset.rows())
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, f"Working hours of {member_label(practitioner)} saved.")
            return redirect("scheduling_hours")
    context = {
        "formset": formset,
        "practitioner": practitioner,
        "label": member_label(practitioner),
        "action_errors": errors,
    }
    return render_page_or_partial(
        request,
        "scheduling/settings/hours_form.html",
        "scheduling/settings/_hours_rows.html",
        context,
    )


# Time off and extra hours -------------------------------------------------------------


@staff_required(roles=ADMIN_ONLY)
def time_off(request, pk):
    clinic = _clinic(request)
    practitioner = _practitioner(clinic, pk)
    form = TimeOffForm(_posted(request), clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            added = actions.do_save_time_off(
                Actor.from_request(request), practitioner, **form.cleaned_data
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            what = "Extra hours" if added.extra_hours else "Time off"
            messages.success(request, f"{what} on {_day(added.date)} added.")
            booked = actions.appointments_on(clinic, added.date, practitioner)
            if booked and not added.extra_hours:
                messages.warning(
                    request,
                    f"{_plural(booked, 'appointment')} with {member_label(practitioner)} "
                    "that day stay booked: move or cancel them from the calendar.",
                )
            return redirect("scheduling_time_off", pk=practitioner.pk)
    today = actions.clinic_today(clinic)
    entries = TimeOff.objects.filter(practitioner=practitioner).select_related("location")
    context = {
        "form": form,
        "practitioner": practitioner,
        "label": member_label(practitioner),
        "upcoming": entries.filter(date__gte=today).order_by("date", "start"),
        "past": entries.filter(date__lt=today).order_by("-date", "start")[:PAST_SHOWN],
    }
    return render(request, "scheduling/settings/time_off.html", context)


@require_POST
@staff_required(roles=ADMIN_ONLY)
def time_off_remove(request, pk):
    clinic = _clinic(request)
    entry = get_object_or_404(
        TimeOff.objects.select_related("practitioner__user", "practitioner__clinic"),
        pk=pk,
        practitioner__clinic=clinic,
    )
    try:
        actions.do_remove_time_off(Actor.from_request(request), entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Removed the entry on {_day(entry.date)}.")
    return redirect("scheduling_time_off", pk=entry.practitioner_id)


# Clinic closures ----------------------------------------------------------------------


@staff_required(roles=ADMIN_ONLY)
def closures(request):
    clinic = _clinic(request)
    form = ClosureForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            closure = actions.do_save_closure(
                Actor.from_request(request), clinic, **form.cleaned_data
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"The clinic is closed on {_day(closure.date)}.")
            booked = actions.appointments_on(clinic, closure.date)
            if booked:
                messages.warning(
                    request,
                    f"{_plural(booked, 'appointment')} that day stay booked: "
                    "move or cancel them from the calendar.",
                )
            return redirect("scheduling_closures")
    today = actions.clinic_today(clinic)
    entries = ClinicClosure.objects.filter(clinic=clinic)
    context = {
        "form": form,
        "upcoming": entries.filter(date__gte=today).order_by("date"),
        "past": entries.filter(date__lt=today).order_by("-date")[:PAST_SHOWN],
    }
    return render(request, "scheduling/settings/closures.html", context)


@require_POST
@staff_required(roles=ADMIN_ONLY)
def closure_remove(request, pk):
    clinic = _clinic(request)
    closure = get_object_or_404(ClinicClosure, pk=pk, clinic=clinic)
    try:
        actions.do_remove_closure(Actor.from_request(request), closure)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The closure on {_day(closure.date)} is removed.")
    return redirect(reverse("scheduling_closures"))
