"""The clinician's plan pages: the chart's Plans tab, the plan builder (condition ->
protocol -> scheme -> personalise, with a live preview), the plan page with its version
history, and the adjustment page. Patients see their plans on their own page, not here."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ldnclinic.accounts.access import CLINICAL_ROLES, login_required_404, request_memberships
from ldnclinic.accounts.models import Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.core.htmx import render_page_or_partial
from ldnclinic.diary import signals as diary_signals
from ldnclinic.evidence.library import evidence_for_protocol_condition
from ldnclinic.patients.access import (
    get_patient_for_staff,
    get_patient_for_update,
    staff_role_for,
)
from ldnclinic.patients.views import _chart_context
from ldnclinic.plans import actions
from ldnclinic.plans.access import audit_plan_read, get_plan_for_staff, get_plan_for_update
from ldnclinic.plans.actions_side_effects import do_review_side_effect
from ldnclinic.plans.builder import (
    adjustment_options,
    annotate_versions,
    describe_adjustment,
    dose_today,
    preview,
    version_view,
)
from ldnclinic.plans.forms import AdjustForm, PlanForm, initial_from_params
from ldnclinic.plans.models import LIVE_STATUSES, PlanStatus, ReportStatus
from ldnclinic.plans.params import default_params
from ldnclinic.prescriptions import panels as prescription_panels
from ldnclinic.prescriptions.actions import clinic_bud_days
from ldnclinic.protocols.library import conditions_for, get_protocol_version
from ldnclinic.scheduling.models import Appointment
from ldnclinic.screening.status import blocking_findings
from ldnclinic.series import panels as series_panels


def _today(clinic):
    return timezone.now().astimezone(clinic.tz).date()


def _bud_days(clinic):
    """The clinic's beyond-use days (prescriptions keeps them)."""
    return clinic_bud_days(clinic)


# The chart tab ----------------------------------------------------------------------------


@login_required_404
def patient_plans(request, pk):
    patient = get_patient_for_staff(request, pk, event=Event.PLAN_VIEWED)
    context = _chart_context(request, patient, "plans")
    today = _today(patient.clinic)
    plans = list(
        patient.plans.select_related("protocol_version__protocol", "clinician__user")
        .prefetch_related("versions")
        .annotate(
            new_reports=Count(
                "side_effect_reports",
                filter=Q(side_effect_reports__status=ReportStatus.NEW),
            )
        )
        .order_by("-created_at", "-id")
    )
    rows = []
    for plan in plans:
        versions = sorted(plan.versions.all(), key=lambda v: v.number)
        current = versions[-1] if versions else None
        live = plan.status in LIVE_STATUSES
        rows.append(
            {
                "plan": plan,
                "version": current,
                "dose_today": dose_today(current, today) if current and live else None,
                "start_date": current.params.get("start_date") if current else None,
            }
        )
    context.update(
        {
            "rows": rows,
            "blocking": blocking_findings(patient),
            "can_plan": staff_role_for(request, patient) in CLINICAL_ROLES,
            "today": today,
        }
    )
    return render(request, "plans/patient_plans.html", context)


# The builder ------------------------------------------------------------------------------


def _chooser(request, patient):
    """The condition, protocol and scheme chosen so far (GET or the POSTed hidden fields)."""
    source = request.POST if request.method == "POST" else request.GET
    conditions = conditions_for(patient.clinic)
    suggested = _suggested_conditions(patient, conditions)
    slug = source.get("condition") or (suggested[0] if len(suggested) == 1 else "")
    condition = next((c for c in conditions if c["slug"] == slug), None)
    protocols = condition["protocols"] if condition else []
    code = source.get("protocol") or ""
    if not any(p.code == code for p in protocols):
        # A protocol chosen for another condition before the condition changed.
        code = protocols[0].code if len(protocols) == 1 else ""
    version = None
    if code:
        number = _int(source.get("protocol_version")) if code == source.get("protocol") else None
        version = get_protocol_version(patient.clinic, code, number)
    scheme_code = source.get("scheme") or source.get("scheme_code") or ""
    if version is not None:
        codes = [s["code"] for s in version.data.get("schemes") or []]
        if scheme_code not in codes:
            scheme_code = version.data.get("default_scheme") or (codes[0] if codes else "")
    return {
        "conditions": conditions,
        "suggested": suggested,
        "condition": condition,
        "protocols": protocols,
        "protocol_version": version,
        "scheme_code": scheme_code,
        "schemes": version.data.get("schemes", []) if version else [],
    }


def _int(value):
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _suggested_conditions(patient, conditions):
    """The conditions the patient named in their latest intake that the clinic has
    protocols for (intake values use underscores, protocol slugs hyphens)."""
    response = patient.intake_responses.order_by("-updated_at", "-id").first()
    named = (response.answers.get("conditions") or []) if response else []
    slugs = {c["slug"] for c in conditions}
    out = []
    for value in named if isinstance(named, list) else []:
        slug = str(value).replace("_", "-")
        match = next((s for s in slugs if s == slug or s.startswith(slug + "-")), None)
        if match and match not in out:
            out.append(match)
    return out


def _plan_form(request, chooser, *, initial=None, with_reason=False):
    version = chooser["protocol_version"]
    adjuncts = version.data.get("adjuncts") or []
    if request.method == "POST":
        return PlanForm(request.POST, adjuncts=adjuncts, with_reason=with_reason)
    return PlanForm(initial=initial, adjuncts=adjuncts, with_reason=with_reason)


def _form_preview(form, chooser, clinic):
    """Validate the form through the engine: the preview, with the engine's field errors
    put on the form."""
    if not form.is_valid():
        return None
    result = preview(
        form.params(scheme_code=chooser["scheme_code"]),
        bud_days=_bud_days(clinic),
        today=_today(clinic),
    )
    if result["errors"]:
        form.add_engine_errors(result["errors"])
        return None
    return result


def _evidence(request, patient, condition_slug):
    """The evidence library's entry for a protocol condition as the patient's clinic sees
    it (its own edits laid over the global library): {"condition": Condition or None,
    "studies": [...], "can_edit": admin?}, or None before a condition is chosen. Two
    queries however many studies there are (evidence/library.py)."""
    if not condition_slug:
        return None
    condition, studies = evidence_for_protocol_condition(patient.clinic, condition_slug)
    return {
        "condition": condition,
        "studies": studies,
        "can_edit": staff_role_for(request, patient) == Role.ADMIN,
    }


def _builder_context(request, patient, chooser, form, result, **extra):
    context = _chart_context(request, patient, "plans")
    context.update(chooser)
    condition = chooser["condition"]
    context.update(
        {
            "form": form,
            "result": result,
            "blocking": blocking_findings(patient),
            "preview_url": reverse("plan_preview_fragment", args=[patient.pk]),
            "evidence": _evidence(request, patient, condition["slug"] if condition else ""),
            **extra,
        }
    )
    return context


@login_required_404
@require_http_methods(["GET", "POST"])
def plan_create(request, pk):
    patient = get_patient_for_update(request, pk, roles=CLINICAL_ROLES, event=Event.PLAN_VIEWED)
    chooser = _chooser(request, patient)
    form = result = None
    if chooser["protocol_version"] is not None:
        if request.method == "POST":
            form = _plan_form(request, chooser)
            result = _form_preview(form, chooser, patient.clinic)
            if result is not None and request.POST.get("action") == "save":
                try:
                    plan = actions.do_create_plan(
                        Actor.from_request(request),
                        patient,
                        protocol_version=chooser["protocol_version"],
                        condition=chooser["condition"]["slug"],
                        params=result["params"],
                        clinician=_clinician(request, patient),
                    )
                except ValidationError as error:
                    _errors_on(form, error)
                else:
                    messages.success(request, "Draft plan saved. Check it, then activate it.")
                    return redirect("plan_detail", pk=plan.pk)
        else:
            params = default_params(
                chooser["protocol_version"].data,
                start_date=_today(patient.clinic),
                scheme_code=chooser["scheme_code"],
            )
            form = _plan_form(request, chooser, initial=initial_from_params(params))
            result = preview(
                params, bud_days=_bud_days(patient.clinic), today=_today(patient.clinic)
            )
    context = _builder_context(
        request, patient, chooser, form, result, title="New plan", action_url=request.path
    )
    status = 400 if form is not None and form.errors else 200
    return render_page_or_partial(
        request, "plans/builder.html", "plans/_builder.html", context, status=status
    )


def _clinician(request, patient):
    """The signed-in clinician (or admin) leads the plans they draft."""
    return next(
        (
            m
            for m in request_memberships(request)
            if m.clinic_id == patient.clinic_id and m.role in CLINICAL_ROLES
        ),
        None,
    )


def _errors_on(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        form.add_engine_errors({k: " ".join(v) for k, v in error.message_dict.items()})
    else:
        form.add_error(None, error.messages)


@login_required_404
@require_POST
def plan_preview_fragment(request, pk):
    """htmx: the builder's preview pane for what the form says now."""
    patient = get_patient_for_update(request, pk, roles=CLINICAL_ROLES)
    chooser = _chooser(request, patient)
    if chooser["protocol_version"] is None:
        return render(request, "plans/_preview.html", {"form": None, "result": None})
    form = _plan_form(request, chooser)
    result = _form_preview(form, chooser, patient.clinic)
    return render(request, "plans/_preview.html", {"form": form, "result": result})


# One plan ---------------------------------------------------------------------------------


def _protocol_url(plan):
    try:
        return reverse("protocol_detail", kwargs={"code": plan.protocol_version.protocol.code})
    except NoReverseMatch:
        return None


def _plan_context(request, plan, active="plans"):
    patient = plan.patient
    context = _chart_context(request, patient, active)
    role = staff_role_for(request, patient)
    context.update(
        {
            "plan": plan,
            "protocol_url": _protocol_url(plan),
            "can_change": role in CLINICAL_ROLES,
            "today": _today(patient.clinic),
        }
    )
    return context


@login_required_404
def plan_detail(request, pk):
    plan = get_plan_for_staff(request, pk)
    context = _plan_context(request, plan)
    versions = list(plan.versions.select_related("created_by", "appointment").order_by("-number"))
    annotate_versions(versions, actions.SOURCES)
    current = versions[0]
    context.update(
        {
            "version": current,
            "view": version_view(current, context["today"]),
            "versions": versions,
            "blocking": blocking_findings(plan.patient) if plan.status == PlanStatus.DRAFT else [],
            "is_live": plan.status in LIVE_STATUSES,
            "evidence": _evidence(request, plan.patient, plan.condition_slug),
            "rx_panel": prescription_panels.plan_panel(request, plan),
            "series_panel": series_panels.plan_panel(request, plan),
            "plan_signals": diary_signals.plan_signals(plan),
            "side_effects": list(
                plan.side_effect_reports.select_related(
                    "patient", "reviewed_by", "resolved_by_version"
                ).order_by("-created_at", "-id")
            ),
        }
    )
    context["new_side_effects"] = sum(
        1 for r in context["side_effects"] if r.status == ReportStatus.NEW
    )
    return render(request, "plans/detail.html", context)


@login_required_404
@require_POST
def side_effect_review(request, pk, report_pk):
    """Mark a side-effect report reviewed without changing the plan."""
    plan = get_plan_for_update(request, pk)
    report = plan.side_effect_reports.filter(pk=report_pk).first()
    if report is None:
        raise Http404("Not found")
    try:
        do_review_side_effect(Actor.from_request(request), report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Side effect marked reviewed.")
    return redirect("plan_detail", pk=plan.pk)


@login_required_404
def plan_version(request, pk, number):
    plan = get_plan_for_staff(request, pk, event=None)
    version = plan.versions.select_related("created_by").filter(number=number).first()
    if version is None:
        raise Http404("No such version")
    annotate_versions([version], actions.SOURCES)
    audit_plan_read(request, plan, version=version.number)
    context = _plan_context(request, plan)
    context.update(
        {
            "version": version,
            "view": version_view(version, context["today"]),
            "is_current": version.number == plan.versions.order_by("-number").first().number,
            "adjustment_lines": [
                describe_adjustment(a) + (f": {a['reason']}" if a.get("reason") else "")
                for a in version.adjustments
            ],
        }
    )
    return render(request, "plans/version.html", context)


@login_required_404
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    plan = get_plan_for_update(request, pk, event=Event.PLAN_VIEWED)
    if plan.status != PlanStatus.DRAFT:
        messages.error(request, "Only a draft can be edited; adjust a live plan instead.")
        return redirect("plan_detail", pk=plan.pk)
    patient = plan.patient
    current = plan.current_version
    version = plan.protocol_version
    data = version.data
    condition = {"slug": plan.condition_slug, "name": plan.condition_name}
    scheme_code = (request.POST.get("scheme_code") if request.method == "POST" else None) or (
        current.params.get("scheme_code", "")
    )
    chooser = {
        "conditions": [],
        "suggested": [],
        "condition": condition,
        "protocols": [],
        "protocol_version": version,
        "scheme_code": scheme_code,
        "schemes": data.get("schemes", []),
        "locked": True,
    }
    form = _plan_form(
        request, chooser, initial=initial_from_params(current.params), with_reason=True
    )
    today = _today(patient.clinic)
    if request.method == "POST":
        result = _form_preview(form, chooser, patient.clinic)
        if result is not None and request.POST.get("action") == "save":
            try:
                actions.do_edit_plan(
                    Actor.from_request(request),
                    plan,
                    params=result["params"],
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ValidationError as error:
                _errors_on(form, error)
            else:
                messages.success(request, "Draft updated: a new version is on record.")
                return redirect("plan_detail", pk=plan.pk)
    else:
        result = preview(current.params, bud_days=_bud_days(patient.clinic), today=today)
    context = _builder_context(
        request,
        patient,
        chooser,
        form,
        result,
        plan=plan,
        title=f"Edit draft plan (version {current.number})",
        action_url=request.path,
    )
    return render(request, "plans/builder.html", context, status=400 if form.errors else 200)


@login_required_404
@require_POST
def plan_activate(request, pk):
    plan = get_plan_for_update(request, pk)
    try:
        actions.do_activate_plan(Actor.from_request(request), plan)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Plan activated.")
    return redirect("plan_detail", pk=plan.pk)


@login_required_404
@require_POST
def plan_complete(request, pk):
    plan = get_plan_for_update(request, pk)
    try:
        actions.do_complete_plan(
            Actor.from_request(request), plan, reason=request.POST.get("reason", "")[:2000]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Plan completed.")
    return redirect("plan_detail", pk=plan.pk)


# Adjusting --------------------------------------------------------------------------------


def _adjust_form(request, plan, today, report=None, signal=None):
    current = plan.current_version
    timing = _current_timing(current, today)
    options = adjustment_options(plan.protocol_version.data, plan.status, timing)
    appointments = (
        Appointment.objects.filter(
            patient=plan.patient,
            start__date__gte=today - datetime.timedelta(days=60),
            start__date__lte=today + datetime.timedelta(days=1),
        )
        .select_related("service", "clinic")
        .order_by("-start")
    )
    if request.method == "POST":
        return AdjustForm(request.POST, options=options, appointments=appointments)
    kind = request.GET.get("kind")
    option = next((o for o in options if o["kind"] == kind), None)
    initial = {"effective_date": today, "source": "side_effect" if kind != "stop" else "visit"}
    if option is not None:
        initial["kind"] = kind
        initial["days"] = option.get("default_days")
    if report is not None:
        initial["source"] = "side_effect"
        initial["reason"] = report_reason(report)
    if signal is not None:
        initial.update(diary_signals.adjust_initial(signal, options, kind))
    return AdjustForm(initial=initial, options=options, appointments=appointments)


def report_reason(report) -> str:
    """ "Insomnia (moderate) since 2026-11-20, reported by the patient" """
    by = "the patient" if report.reported_by_id == report.patient.user_id else "the clinic"
    return f"{report.summary}, reported by {by}"


def _report_from(request, plan):
    """The side-effect report the adjustment answers (?report=<id>, or the hidden field
    on POST), if it is one of this plan's; None otherwise."""
    value = request.POST.get("report") if request.method == "POST" else request.GET.get("report")
    pk = _int(value)
    if pk is None:
        return None
    return plan.side_effect_reports.select_related("patient").filter(pk=pk).first()


def _current_timing(version, today):
    view = version_view(version, today)
    return (view["today_step"] or {}).get("timing")


# What the new calendar depends on; the reason and source are needed only to save.
CALENDAR_FIELDS = ("kind", "effective_date", "days")


def _adjust_preview(form, plan, clinic, today):
    form.is_valid()
    if any(name in form.errors for name in CALENDAR_FIELDS):
        return None
    current = plan.current_version
    result = preview(
        current.params,
        [*current.adjustments, form.adjustment()],
        bud_days=_bud_days(clinic),
        today=today,
    )
    if result["errors"]:
        for key, message in result["errors"].items():
            field = key if key in form.fields else None
            if field is None or field not in form.errors:
                form.add_error(field, message)
        return None
    return result


@login_required_404
@require_http_methods(["GET", "POST"])
def plan_adjust(request, pk):
    plan = get_plan_for_update(request, pk, event=Event.PLAN_VIEWED)
    if plan.status not in LIVE_STATUSES:
        messages.error(request, actions.NOT_LIVE.format(status=plan.get_status_display().lower()))
        return redirect("plan_detail", pk=plan.pk)
    today = _today(plan.patient.clinic)
    report = _report_from(request, plan)
    signal = diary_signals.signal_for_adjust(request, plan)
    form = _adjust_form(request, plan, today, report, signal)
    result = None
    if request.method == "POST":
        result = _adjust_preview(form, plan, plan.patient.clinic, today)
        ready = result is not None and not form.errors
        if ready and request.POST.get("action") == "save":
            try:
                _save_adjustment(request, plan, form, report, signal)
            except ValidationError as error:
                _adjust_errors(form, error)
                result = None
            else:
                messages.success(request, "Plan adjusted: a new version is on record.")
                return redirect("plan_detail", pk=plan.pk)
    context = _plan_context(request, plan)
    current = plan.current_version
    context.update(
        {
            "form": form,
            "result": result,
            "version": current,
            "view": version_view(current, today),
            "options": form.options,
            "preview_url": reverse("plan_adjust_preview", args=[plan.pk]),
            "report": report,
            "signal": signal,
        }
    )
    return render(request, "plans/adjust.html", context, status=400 if form.errors else 200)


@transaction.atomic
def _save_adjustment(request, plan, form, report, signal=None):
    """The new version and, when it answers a side-effect report, the report marked
    reviewed with it: both or neither."""
    actor = Actor.from_request(request)
    plan = actions.do_adjust_plan(
        actor,
        plan,
        adjustment=form.adjustment(),
        reason=form.cleaned_data["reason"],
        source=form.cleaned_data["source"],
        appointment=form.cleaned_data.get("appointment"),
    )
    if report is not None and report.resolved_by_version_id is None:
        version = plan.versions.order_by("-number").first()
        do_review_side_effect(actor, report, version=version)
    if signal is not None and signal.resolved_by_version_id is None:
        diary_signals.do_review_signal(actor, signal, version=plan.versions.latest("number"))
    return plan


def _adjust_errors(form, error):
    if hasattr(error, "error_dict"):
        for key, messages_ in error.message_dict.items():
            form.add_error(key if key in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@login_required_404
@require_POST
def plan_adjust_preview(request, pk):
    """htmx: the calendar the adjustment would make, before saving."""
    plan = get_plan_for_update(request, pk)
    if plan.status not in LIVE_STATUSES:
        return render(
            request,
            "plans/_adjust_preview.html",
            {"refusal": actions.NOT_LIVE.format(status=plan.get_status_display().lower())},
            status=400,
        )
    today = _today(plan.patient.clinic)
    form = _adjust_form(request, plan, today)
    result = _adjust_preview(form, plan, plan.patient.clinic, today)
    return render(request, "plans/_adjust_preview.html", {"form": form, "result": result})
