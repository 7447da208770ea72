"""The patient's plan pages in the portal (today's dose, the next change, sessions, what to
expect, how to report) and the printable handout, which staff can print from the plan too."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ldnclinic.accounts.access import login_required_404
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.plans.access import get_plan_for_staff, plans_for_request
from ldnclinic.plans.actions_side_effects import do_report_side_effect
from ldnclinic.plans.forms import SideEffectForm
from ldnclinic.plans.models import LIVE_STATUSES, Plan, PlanStatus
from ldnclinic.prescriptions.guidance import clinic_phone, guidance, plan_day
from ldnclinic.prescriptions.handout_pdf import render_handout_pdf
from ldnclinic.prescriptions.texts import formulation_text
from ldnclinic.prescriptions.views import pdf_response
from ldnclinic.series.panels import patient_sessions


def own_plans(request):
    """The request user's own plans (as a patient), whatever staff roles they also have."""
    return (
        plans_for_request(request)
        .filter(patient__user=request.user, patient__is_active=True)
        .exclude(status=PlanStatus.DRAFT)
        .select_related("patient__clinic", "clinician__user")
    )


def _own_plan(request, pk, event, plans=None):
    try:
        plan = (plans if plans is not None else own_plans(request)).get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None
    if event is not None:
        record(
            event, Actor.from_request(request), patient=plan.patient, subject=plan, page="portal"
        )
    return plan


def plan_page_context(plan, *, now=None) -> dict:
    data = guidance()
    return {
        "plan": plan,
        "patient": plan.patient,
        "clinic": plan.clinic,
        "day": plan_day(plan, now=now),
        "formulation_text": formulation_text(plan.current_version.params["formulation"]),
        "sessions": patient_sessions(plan),
        "first_weeks": data["first_weeks"],
        "important": data["important"],
        "reporting": data["reporting"],
        "clinic_phone": clinic_phone(plan.clinic),
    }


@require_GET
@login_required_404
def portal_plans(request):
    if not request.user.patient_records.filter(is_active=True).exists():
        raise Http404("Not found")
    plans = list(own_plans(request).filter(status__in=LIVE_STATUSES))
    actor = Actor.from_request(request)
    items = []
    for plan in plans:
        record(Event.PLAN_VIEWED, actor, patient=plan.patient, subject=plan, page="portal_list")
        items.append({"plan": plan, "day": plan_day(plan)})
    return render(request, "prescriptions/patient_plans.html", {"items": items})


def _portal_plan_page(request, plan, form=None, status=200):
    context = plan_page_context(plan)
    live = plan.status in LIVE_STATUSES
    if live and form is None:
        today = timezone.now().astimezone(plan.clinic.tz).date()
        form = SideEffectForm(initial={"started_on": today})
    context.update(
        {
            "side_effect_form": form if live else None,
            "side_effects": list(plan.side_effect_reports.order_by("-created_at", "-id")),
        }
    )
    return render(request, "prescriptions/patient_plan.html", context, status=status)


@require_GET
@login_required_404
def portal_plan(request, pk):
    plan = _own_plan(request, pk, Event.PLAN_VIEWED)
    return _portal_plan_page(request, plan)


@require_POST
@login_required_404
def portal_side_effect_report(request, pk):
    """The patient reports a side effect on their own live plan (else 404)."""
    live = own_plans(request).filter(status__in=LIVE_STATUSES)
    plan = _own_plan(request, pk, None, plans=live)
    form = SideEffectForm(request.POST)
    if form.is_valid():
        try:
            do_report_side_effect(Actor.from_request(request), plan, **form.cleaned_data)
        except ValidationError as error:
            _errors_on(form, error)
        else:
            messages.success(
                request,
                "Thank you: your report is with the clinic. If it is urgent, call them.",
            )
            return redirect("portal_plan", pk=plan.pk)
    record(Event.PLAN_VIEWED, Actor.from_request(request), patient=plan.patient, subject=plan)
    return _portal_plan_page(request, plan, form, status=400)


def _errors_on(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_GET
@login_required_404
def portal_plan_handout(request, pk):
    plan = _own_plan(request, pk, Event.PLAN_HANDOUT_DOWNLOADED)
    return _handout(plan)


@require_GET
@login_required_404
def plan_handout(request, pk):
    plan = get_plan_for_staff(request, pk, event=Event.PLAN_HANDOUT_DOWNLOADED)
    return _handout(plan)


def _handout(plan):
    pdf = render_handout_pdf(plan_page_context(plan))
    return pdf_response(pdf, f"plan-{plan.pk}-handout.pdf")
