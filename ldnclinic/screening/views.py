"""The public self-check, "Could LDN be right for me?" (anonymous, stores nothing), and
the chart's Safety screen tab where clinicians review a patient's stored screenings."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ldnclinic.accounts.access import CLINICAL_ROLES, WRITE_ROLES, login_required_404
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.core.forms import add_action_errors
from ldnclinic.patients.access import (
    get_patient_for_staff,
    get_patient_for_update,
    staff_role_for,
)
from ldnclinic.patients.views import _chart_context
from ldnclinic.scheduling.public import take_hourly_attempt
from ldnclinic.screening import actions
from ldnclinic.screening.engine import evaluate
from ldnclinic.screening.forms import FindingForm, OverrideForm, SelfCheckForm
from ldnclinic.screening.models import FindingReview, Screening
from ldnclinic.screening.status import NEEDS, blocking_findings

# What the overall answer means, for a patient, in plain words; never a diagnosis.
VERDICTS = {
    "contraindicated": (
        "LDN is probably not safe for you at the moment",
        "Something in your answers rules LDN out for now. The reasons are below. This is "
        "not a diagnosis: a clinician can explain what it means for you and whether it "
        "may change.",
    ),
    "review": (
        "A clinician needs to look at this with you",
        "Some of your answers need a clinician's judgement before LDN could be considered. "
        "That is common; a consultation is the place to go through them.",
    ),
    "caution": (
        "LDN may be possible, with care",
        "Nothing in your answers rules LDN out, but some need care, such as a slower start "
        "or closer follow-up. The clinician will go through them with you.",
    ),
    "clear": (
        "Nothing in your answers rules LDN out",
        "That does not mean LDN will help or is right for you: the evidence for most skin "
        "conditions is limited, and only a consultation with a clinician can decide.",
    ),
}


@require_http_methods(["GET", "POST"])
def self_check(request):
    result = verdict = None
    status = 200
    if request.method == "POST":
        retry_after = take_hourly_attempt(request, "self-check", settings.SELF_CHECK_PER_HOUR)
        if retry_after is not None:
            response = render(
                request, "screening/self_check_limited.html", {"minutes": retry_after // 60 + 1}
            )
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
            return response
        form = SelfCheckForm(request.POST)
        if form.is_valid():
            result = evaluate(form.facts(), procedures=["ldn"])
            verdict = VERDICTS[result.status]
        else:
            status = 400
    else:
        form = SelfCheckForm()
    return render(
        request,
        "screening/self_check.html",
        {"form": form, "result": result, "verdict": verdict},
        status=status,
    )


# The chart's Safety screen tab ----------------------------------------------------------

SEVERITY_LABELS = {
    "contraindicated": "Contraindicated",
    "review": "Needs review",
    "caution": "Caution",
    "info": "Information",
}


def _matched_rows(matched):
    """What triggered a finding, as (fact, value) rows a clinician can read."""
    rows = []
    for fact, value in matched.items():
        label = fact.replace("_", " ").capitalize()
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value) or "—"
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        rows.append((label, value))
    return rows


def _finding_rows(screening, override_forms):
    reviews = {r.rule: r for r in screening.reviews.select_related("by")}
    rows = []
    for finding in screening.findings:
        rule = finding["rule"]
        form = override_forms.get(rule)
        if form is None and finding["severity"] == "contraindicated":
            form = OverrideForm(
                initial={"screening": screening.pk, "rule": rule}, auto_id=_auto_id(rule)
            )
        rows.append(
            {
                **finding,
                "severity_label": SEVERITY_LABELS.get(finding["severity"], finding["severity"]),
                "matched_rows": _matched_rows(finding["matched"]),
                "review": reviews.get(rule),
                "needs": NEEDS.get(finding["severity"]),
                "override_form": form,
            }
        )
    return rows


def _auto_id(rule):
    # One override form per finding on the page: distinct ids, the same field names.
    return "override-" + "".join(c if c.isalnum() else "-" for c in rule) + "-%s"


def _screening_page(request, patient, *, override_forms=None):
    context = _chart_context(request, patient, "screening")
    role = staff_role_for(request, patient)
    screening = actions.latest_screening(patient)
    context["screening"] = screening
    if screening is not None:
        context["findings"] = _finding_rows(screening, override_forms or {})
    context["earlier"] = list(
        Screening.objects.filter(patient=patient)
        .exclude(pk=getattr(screening, "pk", None))
        .order_by("-created_at", "-id")[:20]
    )
    context["history"] = list(
        FindingReview.objects.filter(screening__patient=patient)
        .select_related("by", "screening")
        .order_by("-at", "-id")
    )
    context["blocking"] = blocking_findings(patient)
    context["can_review"] = role in CLINICAL_ROLES
    context["can_run"] = role in WRITE_ROLES
    return render(request, "screening/chart.html", context)


@login_required_404
def patient_screening(request, pk):
    # No screening-view code exists: INTAKE_VIEWED is the read of what the intake said.
    patient = get_patient_for_staff(request, pk, event=Event.INTAKE_VIEWED)
    return _screening_page(request, patient)


@require_POST
@login_required_404
def patient_screening_run(request, pk):
    patient = get_patient_for_update(request, pk, roles=WRITE_ROLES)
    screening = actions.do_run_screening(Actor.from_request(request), patient)
    messages.success(request, f"Screened again: {screening.get_status_display().lower()}.")
    return redirect("patient_screening", pk=patient.pk)


def _screening_of(patient, form):
    return Screening.objects.filter(patient=patient, pk=form.cleaned_data["screening"]).first()


@require_POST
@login_required_404
def patient_screening_acknowledge(request, pk):
    patient = get_patient_for_update(request, pk, roles=CLINICAL_ROLES)
    form = FindingForm(request.POST)
    screening = _screening_of(patient, form) if form.is_valid() else None
    if screening is None:
        messages.error(request, "That finding is not on this patient's screening.")
        return redirect("patient_screening", pk=patient.pk)
    try:
        actions.do_acknowledge_finding(
            Actor.from_request(request), screening, form.cleaned_data["rule"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Finding acknowledged.")
    return redirect("patient_screening", pk=patient.pk)


@require_POST
@login_required_404
def patient_screening_override(request, pk):
    patient = get_patient_for_update(request, pk, roles=CLINICAL_ROLES)
    rule = request.POST.get("rule", "")[:100]
    form = OverrideForm(request.POST, auto_id=_auto_id(rule))
    screening = _screening_of(patient, form) if form.is_valid() else None
    if screening is None:
        messages.error(request, "That finding is not on this patient's screening.")
        return redirect("patient_screening", pk=patient.pk)
    try:
        actions.do_override_finding(
            Actor.from_request(request), screening, rule, form.cleaned_data["reason"]
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            messages.error(request, " ".join(error.messages))
            return redirect("patient_screening", pk=patient.pk)
        add_action_errors(form, error)
        return _screening_page(request, patient, override_forms={rule: form})
    messages.success(request, "Contraindication overridden; the reason is on record.")
    return redirect("patient_screening", pk=patient.pk)
