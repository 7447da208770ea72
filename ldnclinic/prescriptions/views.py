"""Prescription pages: draft from a plan, the prescription (sign, void, PDF), and the
clinic admin's compounding defaults and pharmacy directory."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ldnclinic.accounts.access import (
    login_required_404,
    require_staff,
    require_write,
    staff_required,
)
from ldnclinic.accounts.models import Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.core.forms import add_action_errors
from ldnclinic.plans.access import get_plan_for_update
from ldnclinic.prescriptions import actions
from ldnclinic.prescriptions.access import (
    get_prescription_for_staff,
    get_prescription_for_update,
    may_prescribe_for,
)
from ldnclinic.prescriptions.forms import (
    DRAFT_PREFIX,
    CompoundingSettingsForm,
    DraftPrescriptionForm,
    PharmacyForm,
    SignPrescriptionForm,
    VoidPrescriptionForm,
)
from ldnclinic.prescriptions.models import (
    PREPARATIONS,
    CompoundingSettings,
    Pharmacy,
    PrescriptionStatus,
)
from ldnclinic.prescriptions.texts import (
    bud_label,
    dispense_rows,
    formulation_text,
    preparation_name,
    preparation_source,
    step_ml,
)
from ldnclinic.screening.status import blocking_findings

ADMIN_ONLY = (Role.ADMIN,)


def _next_or(request, fallback):
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _detail_context(request, prescription, **extra):
    can_prescribe = may_prescribe_for(request, prescription.patient)
    is_draft = prescription.status == PrescriptionStatus.DRAFT
    fill_header, fill_rows, summary = dispense_rows(
        prescription.dispense, prescription.formulation, prescription.steps
    )
    steps = [
        {**step, "volume_ml": step_ml(step, prescription.formulation), "sig": line}
        for step, line in zip(prescription.steps, prescription.sig_lines, strict=False)
    ]
    context = {
        "patient": prescription.patient,
        "rx": prescription,
        "steps": steps,
        "formulation_text": formulation_text(prescription.formulation),
        "preparation_name": preparation_name(prescription.preparation),
        "bud_label": bud_label(),
        "fill_header": fill_header,
        "fill_rows": fill_rows,
        "summary": summary,
        "can_prescribe": can_prescribe,
        "sign_form": SignPrescriptionForm(),
        "void_form": VoidPrescriptionForm(),
        "blocking": blocking_findings(prescription.patient) if can_prescribe and is_draft else [],
        "screening_url": reverse("patient_screening", args=[prescription.patient_id]),
    }
    context.update(extra)
    return context


@login_required_404
def prescription_draft(request, plan_pk):
    event = Event.PLAN_VIEWED if request.method == "GET" else None
    plan = get_plan_for_update(request, plan_pk, event=event)
    form = DraftPrescriptionForm(request.POST or None, clinic=plan.clinic, prefix=DRAFT_PREFIX)
    if request.method == "POST" and form.is_valid():
        try:
            prescription = actions.do_draft_prescription(
                Actor.from_request(request),
                plan,
                pharmacy=form.cleaned_data["pharmacy"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Prescription drafted. Check it, then sign it.")
            return redirect("prescription_detail", prescription.pk)
    context = {"plan": plan, "patient": plan.patient, "form": form}
    return render(request, "prescriptions/draft.html", context)


@require_GET
@login_required_404
def prescription_detail(request, pk):
    prescription = get_prescription_for_staff(request, pk)
    return render(request, "prescriptions/detail.html", _detail_context(request, prescription))


@require_POST
@login_required_404
def prescription_sign(request, pk):
    prescription = get_prescription_for_update(request, pk)
    form = SignPrescriptionForm(request.POST)
    refused = []
    if form.is_valid():
        try:
            actions.do_sign_prescription(
                Actor.from_request(request), prescription, password=form.cleaned_data["password"]
            )
        except actions.PrescribingRefused as error:
            refused = error.findings
            form.add_error(None, error.messages)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Prescription signed. The PDF is ready to print or send.")
            return redirect(_next_or(request, reverse("prescription_detail", args=[pk])))
    prescription = get_prescription_for_staff(request, pk, event=None)
    context = _detail_context(request, prescription, sign_form=form, refused=refused)
    return render(request, "prescriptions/detail.html", context)


@require_POST
@login_required_404
def prescription_void(request, pk):
    prescription = get_prescription_for_update(request, pk)
    form = VoidPrescriptionForm(request.POST)
    if form.is_valid():
        try:
            actions.do_void_prescription(
                Actor.from_request(request), prescription, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Prescription marked void.")
            return redirect(_next_or(request, reverse("prescription_detail", args=[pk])))
    prescription = get_prescription_for_staff(request, pk, event=None)
    context = _detail_context(request, prescription, void_form=form)
    return render(request, "prescriptions/detail.html", context)


@require_GET
@login_required_404
def prescription_pdf(request, pk):
    prescription = get_prescription_for_staff(request, pk, event=None, with_pdf=True)
    if not prescription.has_pdf:
        raise Http404("This prescription is not signed.")
    record(
        Event.PRESCRIPTION_PDF_DOWNLOADED,
        Actor.from_request(request),
        patient=prescription.patient,
        subject=prescription,
        pdf_sha256=prescription.pdf_sha256,
    )
    return pdf_response(bytes(prescription.pdf), prescription.pdf_filename)


def pdf_response(content: bytes, filename: str, *, inline=True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# The clinic admin's compounding page ---------------------------------------------------


def _bud_rows(form):
    return [
        {
            "field": form[f"bud_{preparation}"],
            "storage": form[f"storage_{preparation}"],
            "name": preparation_name(preparation),
            **preparation_source(preparation),
        }
        for preparation in PREPARATIONS
    ]


@staff_required(roles=ADMIN_ONLY)
def compounding_settings(request):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    settings = CompoundingSettings.for_clinic(clinic)
    form = CompoundingSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST":
        require_write(request)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in form.fields}
            # The form changed the instance while validating; the action saves from the row.
            settings.refresh_from_db()
            try:
                actions.do_save_compounding_settings(Actor.from_request(request), clinic, **values)
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(request, "Compounding defaults saved.")
                return redirect("compounding_settings")
    context = {
        "form": form,
        "rows": _bud_rows(form),
        "bud_label": bud_label(),
        "pharmacies": Pharmacy.objects.filter(clinic=clinic),
    }
    return render(request, "prescriptions/compounding_settings.html", context)


def _clinic_pharmacy(clinic, pk):
    try:
        return Pharmacy.objects.get(clinic=clinic, pk=pk)
    except (Pharmacy.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def _pharmacy_form(request, clinic, pharmacy):
    form = PharmacyForm(request.POST or None, instance=pharmacy or Pharmacy(clinic=clinic))
    if request.method == "POST":
        require_write(request)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in form.fields}
            if pharmacy is not None:
                pharmacy.refresh_from_db()
            try:
                actions.do_save_pharmacy(Actor.from_request(request), clinic, pharmacy, **values)
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(request, "Pharmacy saved.")
                return redirect("compounding_settings")
    context = {"form": form, "pharmacy": pharmacy}
    return render(request, "prescriptions/pharmacy_form.html", context)


@staff_required(roles=ADMIN_ONLY)
def pharmacy_create(request):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    return _pharmacy_form(request, clinic, None)


@staff_required(roles=ADMIN_ONLY)
def pharmacy_edit(request, pk):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    return _pharmacy_form(request, clinic, _clinic_pharmacy(clinic, pk))


@require_POST
@staff_required(roles=ADMIN_ONLY)
def pharmacy_set_active(request, pk):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    pharmacy = _clinic_pharmacy(clinic, pk)
    require_write(request)
    active = request.POST.get("active") == "1"
    actions.do_set_pharmacy_active(Actor.from_request(request), pharmacy, active=active)
    messages.success(request, f"{pharmacy.name} {'reactivated' if active else 'deactivated'}.")
    return redirect("compounding_settings")
