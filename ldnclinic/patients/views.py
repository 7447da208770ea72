from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from ldnclinic.accounts.access import (
    CLINICAL_ROLES,
    WRITE_ROLES,
    login_required_404,
    require_staff,
    staff_required,
)
from ldnclinic.accounts.models import User
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.core.forms import add_action_errors
from ldnclinic.core.htmx import render_page_or_partial
from ldnclinic.patients import actions
from ldnclinic.patients.access import (
    audit_patient_list,
    get_patient_for_staff,
    get_patient_for_update,
    get_patient_for_user,
    staff_role_for,
)
from ldnclinic.patients.forms import DeactivateForm, PatientForm
from ldnclinic.patients.models import Patient

PAGE_SIZE = 25


@staff_required()
def patient_list(request):
    membership = require_staff(request)
    query = request.GET.get("q", "").strip()[:100]
    show_inactive = request.GET.get("inactive") == "1"
    patients = Patient.objects.filter(clinic=membership.clinic).search(query)
    if not show_inactive:
        patients = patients.filter(is_active=True)
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_patient_list(request, page.object_list, query=query, page=page.number)
    context = {
        "page": page,
        "query": query,
        "show_inactive": show_inactive,
        "can_add": membership.role in WRITE_ROLES,
    }
    return render_page_or_partial(request, "patients/list.html", "patients/_results.html", context)


@staff_required(roles=WRITE_ROLES)
def patient_create(request):
    membership = require_staff(request, WRITE_ROLES)
    form = PatientForm(request.POST or None, clinic=membership.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            patient = actions.do_create_patient(
                Actor.from_request(request), membership.clinic, **form.cleaned_data
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Added {patient.full_name} ({patient.mrn}).")
            return redirect("patient_detail", pk=patient.pk)
    return render(request, "patients/form.html", {"form": form, "creating": True})


def chart_tabs(patient, active, *, staff):
    tabs = [
        ("overview", "Overview", reverse("patient_detail", args=[patient.pk])),
    ]
    if staff:
        tabs.append(("history", "Record history", reverse("patient_history", args=[patient.pk])))
        tabs.append(("intake", "Intake", reverse("patient_intake", args=[patient.pk])))
        tabs.append(("consents", "Consents", reverse("patient_consents", args=[patient.pk])))
        tabs.append(("screening", "Safety screen", reverse("patient_screening", args=[patient.pk])))
        tabs.append(("plans", "Plans", reverse("patient_plans", args=[patient.pk])))
        tabs.append(("diary", "Diary", reverse("patient_diary", args=[patient.pk])))
        tabs.append(
            ("assessments", "Assessments", reverse("patient_assessments", args=[patient.pk]))
        )
        tabs.append(("photos", "Photos", reverse("patient_photos", args=[patient.pk])))
        tabs.append(("timeline", "Progress", reverse("patient_timeline", args=[patient.pk])))
    return [{"key": k, "label": label, "url": url, "active": k == active} for k, label, url in tabs]


def _chart_context(request, patient, active):
    role = staff_role_for(request, patient)
    return {
        "patient": patient,
        "tabs": chart_tabs(patient, active, staff=role is not None),
        "can_edit": role in WRITE_ROLES,
        "can_deactivate": role in CLINICAL_ROLES,
        "is_staff_view": role is not None,
    }


@login_required_404
def patient_detail(request, pk):
    patient = get_patient_for_user(request, pk)
    return render(request, "patients/detail.html", _chart_context(request, patient, "overview"))


@login_required_404
def patient_history(request, pk):
    # Staff only: the history names the staff who made each change.
    patient = get_patient_for_staff(request, pk, event=Event.PATIENT_HISTORY_VIEWED)
    context = _chart_context(request, patient, "history")
    versions = list(
        patient.history.select_related("history_user").order_by("-history_date", "-history_id")
    )
    diffs = [
        versions[i].diff_against(versions[i + 1]).changes if i + 1 < len(versions) else None
        for i in range(len(versions))
    ]
    emails = _login_emails(diffs)
    context["versions"] = [
        {"record": version, "changes": _describe(diff, emails) if diff is not None else None}
        for version, diff in zip(versions, diffs, strict=True)
    ]
    return render(request, "patients/history.html", context)


def _login_emails(diffs):
    ids = {v for diff in diffs if diff for c in diff if c.field == "user" for v in (c.old, c.new)}
    ids.discard(None)
    if not ids:
        return {}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "email"))


def _describe(changes, emails):
    """History changes with field labels and display values, not column names and ids."""
    described = []
    for change in changes:
        field = Patient._meta.get_field(change.field)
        old, new = change.old, change.new
        if change.field == "user":
            old, new = emails.get(old, old), emails.get(new, new)
        elif field.choices:
            labels = dict(field.flatchoices)
            old, new = labels.get(old, old), labels.get(new, new)
        described.append({"label": capfirst(field.verbose_name), "old": old, "new": new})
    return described


@login_required_404
def patient_edit(request, pk):
    # The form shows the whole record, so opening it is a read.
    shown = Event.PATIENT_VIEWED if request.method == "GET" else None
    patient = get_patient_for_update(request, pk, roles=WRITE_ROLES, event=shown)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_patient(Actor.from_request(request), patient, **form.changed_values())
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("patient_detail", pk=patient.pk)
    return render(request, "patients/form.html", {"form": form, "patient": patient})


@require_POST
@login_required_404
def patient_deactivate(request, pk):
    patient = get_patient_for_update(request, pk, roles=CLINICAL_ROLES)
    form = DeactivateForm(request.POST)
    if form.is_valid():
        try:
            actions.do_deactivate_patient(
                Actor.from_request(request), patient, form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The record is now inactive. Nothing was deleted.")
    else:
        messages.error(request, " ".join(form.errors["reason"]))
    return redirect("patient_detail", pk=patient.pk)


@require_POST
@login_required_404
def patient_invite(request, pk):
    patient = get_patient_for_update(request, pk, roles=WRITE_ROLES)
    try:
        actions.do_invite_patient_to_portal(
            Actor.from_request(request),
            patient,
            site_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{patient.full_name} can now sign in to the portal.")
    return redirect("patient_detail", pk=patient.pk)


@require_POST
@login_required_404
def patient_reactivate(request, pk):
    patient = get_patient_for_update(request, pk, roles=CLINICAL_ROLES)
    try:
        actions.do_reactivate_patient(Actor.from_request(request), patient)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The record is active again.")
    return redirect("patient_detail", pk=patient.pk)
