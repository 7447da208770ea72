"""Assessment pages: the chart's Assessments tab, scoring one instrument with a live total
(htmx), one assessment with its comparison to baseline; the patient's questionnaires in the
portal and from the emailed link. Staff of the clinic read (the front desk too, as for plans
and the diary); clinicians and admins score and mark in error."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ldnclinic.accounts.access import CLINICAL_ROLES, login_required_404
from ldnclinic.accounts.client_ip import client_ip
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.outcomes.access import (
    get_assessment_for_staff,
    get_assessment_for_update,
    get_own_request,
    own_patient,
)
from ldnclinic.outcomes.actions import (
    do_mark_assessment_in_error,
    do_record_assessment,
    score_items,
)
from ldnclinic.outcomes.forms import AssessmentForm, ItemsForm, around_today_first
from ldnclinic.outcomes.instruments import (
    InstrumentInputError,
    UnknownInstrument,
    catalogue,
    compare,
    get_instrument,
)
from ldnclinic.outcomes.models import AssessmentSource, AssessmentStatus, RequestStatus
from ldnclinic.outcomes.requests import request_for_token
from ldnclinic.patients.access import get_patient_for_staff, get_patient_for_update, staff_role_for
from ldnclinic.patients.views import _chart_context
from ldnclinic.plans.models import LIVE_STATUSES
from ldnclinic.scheduling.models import AppointmentStatus

APPOINTMENT_CHOICES = 40
REQUESTS_SHOWN = 20


def _instrument(code):
    try:
        return get_instrument(code)
    except UnknownInstrument:
        raise Http404("Not found") from None


def comparison(baseline, current) -> dict | None:
    """compare() of two stored assessments of one instrument: on their items (so component
    definitions such as oSCORAD-35 count), else on their totals."""
    if baseline is None or current is None or baseline.pk == current.pk:
        return None
    try:
        return compare(
            current.instrument, baseline_items=baseline.items, current_items=current.items
        )
    except (InstrumentInputError, UnknownInstrument):
        try:
            return compare(current.instrument, float(baseline.total), float(current.total))
        except (InstrumentInputError, UnknownInstrument):
            return None


def baseline_of(assessments):
    """The first final assessment (the baseline) of a list of one instrument's."""
    final = [a for a in assessments if a.status == AssessmentStatus.FINAL]
    return min(final, key=lambda a: (a.assessed_at, a.pk)) if final else None


def _groups(assessments):
    """[{instrument, rows: [{assessment, comparison}]}] by instrument name, newest first."""
    by_code = {}
    for assessment in assessments:
        by_code.setdefault(assessment.instrument, []).append(assessment)
    groups = []
    for code, rows in by_code.items():
        baseline = baseline_of(rows)
        instrument = catalogue().get(code)
        groups.append(
            {
                "code": code,
                "instrument": instrument,
                "baseline": baseline,
                "rows": [
                    {
                        "assessment": a,
                        "comparison": comparison(baseline, a)
                        if a.status == AssessmentStatus.FINAL
                        else None,
                    }
                    for a in rows
                ],
            }
        )
    return sorted(groups, key=lambda g: g["instrument"].name if g["instrument"] else g["code"])


def protocol_codes(patient) -> list[str]:
    """The instruments of the patient's live plans' protocols, in protocol order."""
    codes = []
    plans = patient.plans.filter(status__in=LIVE_STATUSES).select_related("protocol_version")
    for plan in plans:
        for entry in (plan.protocol_version.data or {}).get("instruments") or []:
            code = str(entry.get("code") or "").upper()
            if code in catalogue() and code not in codes:
                codes.append(code)
    return codes


# The chart tab ----------------------------------------------------------------------------


@require_GET
@login_required_404
def patient_assessments(request, pk):
    patient = get_patient_for_staff(request, pk, event=Event.ASSESSMENTS_LISTED)
    context = _chart_context(request, patient, "assessments")
    assessments = list(
        patient.assessments.select_related("appointment__service", "recorded_by").order_by(
            "-assessed_at", "-id"
        )
    )
    first = protocol_codes(patient)
    context.update(
        {
            "clinic": patient.clinic,
            "groups": _groups(assessments),
            "can_score": staff_role_for(request, patient) in CLINICAL_ROLES,
            "protocol_instruments": [catalogue()[c] for c in first],
            "other_instruments": [i for c, i in catalogue().items() if c not in first],
            "requests": [
                (r, catalogue()[r.instrument].name if r.instrument in catalogue() else r.instrument)
                for r in patient.assessment_requests.select_related(
                    "assessment", "clinic"
                ).order_by("-due_date", "-id")[:REQUESTS_SHOWN]
            ],
        }
    )
    return render(request, "outcomes/assessment_list.html", context)


# Scoring ----------------------------------------------------------------------------------


def _context_form(request, patient, data=None):
    clinic = patient.clinic
    today = timezone.localdate(timezone.now(), clinic.tz)
    appointments = list(
        patient.appointments.exclude(status=AppointmentStatus.CANCELLED)
        .select_related("service")
        .order_by("-start")[:APPOINTMENT_CHOICES]
    )
    plans = sorted(
        patient.plans.all(),
        key=lambda p: (p.status not in LIVE_STATUSES, -p.created_at.timestamp()),
    )
    ordered = around_today_first(appointments, clinic, today)
    form = AssessmentForm(data, clinic=clinic, appointments=ordered, plans=plans)
    if data is None:
        live = next((p for p in plans if p.status in LIVE_STATUSES), None)
        if live is not None:
            form.initial["plan"] = str(live.pk)
        if ordered and abs((timezone.localdate(ordered[0].start, clinic.tz) - today).days) <= 1:
            form.initial["appointment"] = str(ordered[0].pk)
    return form


def _scoring_page(request, patient, instrument, items_form, form, status=200):
    context = _chart_context(request, patient, "assessments")
    context.update(
        {
            "clinic": patient.clinic,
            "instrument": instrument,
            "items_form": items_form,
            "form": form,
            "preview": None,
        }
    )
    return render(request, "outcomes/assessment_form.html", context, status=status)


def _add_errors(error: ValidationError, items_form, form):
    for key, messages_ in error.message_dict.items():
        if key in form.fields:
            form.add_error(key, messages_)
        elif key in ("request", "source", "instrument", "__all__"):
            form.add_error(None, messages_)
        else:
            items_form.add_errors({key: messages_})


@require_http_methods(["GET", "POST"])
@login_required_404
def assessment_new(request, pk, code):
    if request.method == "GET":
        patient = get_patient_for_update(
            request, pk, roles=CLINICAL_ROLES, event=Event.PATIENT_VIEWED
        )
        instrument = _instrument(code)
        return _scoring_page(
            request, patient, instrument, ItemsForm(instrument), _context_form(request, patient)
        )
    patient = get_patient_for_update(request, pk, roles=CLINICAL_ROLES)
    instrument = _instrument(code)
    items_form = ItemsForm(instrument, request.POST)
    form = _context_form(request, patient, request.POST)
    if items_form.adding_row:
        return _scoring_page(request, patient, instrument, items_form, form)
    if form.is_valid():
        try:
            assessment = do_record_assessment(
                Actor.from_request(request),
                patient,
                instrument_code=instrument.code,
                items=items_form.items(),
                assessed_at=form.cleaned_data["assessed_at"],
                appointment=form.cleaned_data["appointment"],
                plan=form.cleaned_data["plan"],
                source=AssessmentSource.CLINICIAN,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_errors(error, items_form, form)
        else:
            messages.success(request, f"{instrument.code} recorded: {assessment.total_display}.")
            return redirect("assessment_detail", pk=assessment.pk)
    else:
        # Show the item errors too, not only the context form's.
        try:
            score_items(instrument, items_form.items())
        except ValidationError as error:
            items_form.add_errors(error.message_dict)
    return _scoring_page(request, patient, instrument, items_form, form, status=400)


@require_POST
@login_required_404
def assessment_preview(request, pk, code):
    """htmx: the total, band and components of what the form says now, or what is missing."""
    get_patient_for_update(request, pk, roles=CLINICAL_ROLES)
    instrument = _instrument(code)
    items_form = ItemsForm(instrument, request.POST)
    context = {"instrument": instrument, "result": None, "missing": 0, "invalid": {}}
    try:
        context["result"] = score_items(instrument, items_form.items())
        context["components"] = component_rows(context["result"].components)
        context["total"] = _number(context["result"].total)
    except ValidationError as error:
        missing, invalid = items_form.missing_and_invalid(error.message_dict)
        items_form.add_errors(invalid)
        context.update(
            {
                "missing": missing,
                "invalid": [
                    (f.label, f.error) for g in items_form.groups for f in g.fields if f.error
                ],
                "general": items_form.errors,
            }
        )
    return render(request, "outcomes/_assessment_preview.html", context)


# One assessment ---------------------------------------------------------------------------


@require_GET
@login_required_404
def assessment_detail(request, pk):
    assessment = get_assessment_for_staff(request, pk)
    patient = assessment.patient
    context = _chart_context(request, patient, "assessments")
    same = list(patient.assessments.filter(instrument=assessment.instrument))
    baseline = baseline_of(same)
    instrument = catalogue().get(assessment.instrument)
    context.update(
        {
            "clinic": patient.clinic,
            "assessment": assessment,
            "instrument": instrument,
            "items": _flat(_without_grids(assessment.items)),
            "grids": _grids(assessment.items),
            "components": component_rows(assessment.components),
            "baseline": baseline,
            "comparison": comparison(baseline, assessment)
            if assessment.status == AssessmentStatus.FINAL
            else None,
            "can_change": staff_role_for(request, patient) in CLINICAL_ROLES
            and assessment.status == AssessmentStatus.FINAL,
            "history": list(assessment.history.order_by("history_date")),
        }
    )
    return render(request, "outcomes/assessment_detail.html", context)


def _is_grid(value) -> bool:
    """A dict of dicts of scalars with the same keys (PASI and EASI regions)."""
    if not isinstance(value, dict) or len(value) < 2:
        return False
    rows = list(value.values())
    if not all(isinstance(r, dict) and r for r in rows):
        return False
    keys = list(rows[0])
    return all(
        list(r) == keys and not any(isinstance(v, dict | list) for v in r.values()) for r in rows
    )


def _grids(items) -> list[dict]:
    """The grid-shaped parts of the items as tables: rows by region, columns by item."""
    if not isinstance(items, dict):
        return []
    out = []
    for key, value in items.items():
        if _is_grid(value):
            columns = list(next(iter(value.values())))
            out.append(
                {
                    "title": _words(key),
                    "columns": [_words(c) for c in columns],
                    "rows": [(_words(k), [r[c] for c in columns]) for k, r in value.items()],
                }
            )
    return out


def _without_grids(items):
    if not isinstance(items, dict):
        return items
    return {k: v for k, v in items.items() if not _is_grid(v)}


def _flat(items, prefix="") -> list[tuple[str, object]]:
    """Nested items as (readable path, value) rows."""
    rows = []
    if isinstance(items, dict):
        for key, value in items.items():
            rows += _flat(value, f"{prefix} › {_words(key)}" if prefix else _words(key))
    elif isinstance(items, list) and any(isinstance(v, dict) for v in items):
        for index, value in enumerate(items, 1):
            rows += _flat(value, f"{prefix} {index}")
    else:
        if isinstance(items, list):
            items = ", ".join("—" if v is None else str(v).replace("_", " ") for v in items)
        rows.append((prefix, "—" if items is None else str(items).replace("_", " ")))
    return rows


def component_rows(components) -> list[tuple[str, object]]:
    return [(_words(k), _number(v)) for k, v in (components or {}).items()]


def _number(value):
    """12.0 -> 12; other values as they are."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _words(key) -> str:
    key = str(key)
    return f"Item {key}" if key.isdigit() else key.replace("_", " ").capitalize()


@require_POST
@login_required_404
def assessment_in_error(request, pk):
    assessment = get_assessment_for_update(request, pk)
    try:
        do_mark_assessment_in_error(
            Actor.from_request(request), assessment, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Marked entered in error; it no longer counts.")
    return redirect("assessment_detail", pk=assessment.pk)


# The patient's questionnaires -------------------------------------------------------------


def _open_requests(patient, now):
    return list(
        patient.assessment_requests.filter(status=RequestStatus.OPEN, expires_at__gt=now)
        .select_related("clinic")
        .order_by("due_date", "id")
    )


@require_GET
@login_required_404
def portal_assessments(request):
    patient = own_patient(request)
    now = timezone.now()
    requests_ = _open_requests(patient, now)
    results = list(
        patient.assessments.filter(status=AssessmentStatus.FINAL).order_by("-assessed_at", "-id")
    )
    record(
        Event.ASSESSMENTS_LISTED,
        Actor.from_request(request),
        patient=patient,
        subject=patient,
        page="portal",
    )
    names = {code: i.name for code, i in catalogue().items()}
    context = {
        "patient": patient,
        "clinic": patient.clinic,
        "requests": [(r, names.get(r.instrument, r.instrument)) for r in requests_],
        "results": [(a, names.get(a.instrument, a.instrument)) for a in results],
    }
    return render(request, "outcomes/portal_assessments.html", context)


def _fill(request, row, actor, template, done):
    """GET the questionnaire or POST it: scored and recorded as patient-reported."""
    instrument = _instrument(row.instrument)
    items_form = ItemsForm(instrument, request.POST if request.method == "POST" else None)
    context = {"row": row, "clinic": row.clinic, "instrument": instrument, "items_form": items_form}
    if request.method == "POST" and not items_form.adding_row:
        try:
            do_record_assessment(
                actor,
                row.patient,
                instrument_code=row.instrument,
                items=items_form.items(),
                source=AssessmentSource.PATIENT,
                request_obj=row,
            )
        except ValidationError as error:
            general = {k: v for k, v in error.message_dict.items() if k in ("request", "__all__")}
            if general:
                messages.error(request, " ".join(m for v in general.values() for m in v))
                return done()
            items_form.add_errors(error.message_dict)
            return render(request, template, context, status=400)
        return done(saved=True)
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required_404
def portal_assessment_fill(request, pk):
    row = get_own_request(request, pk)

    def done(saved=False):
        if saved:
            messages.success(request, "Thank you: your answers have been sent to the clinic.")
        return redirect("portal_assessments")

    if row.status != RequestStatus.OPEN or row.expires_at <= timezone.now():
        messages.info(request, "This questionnaire has been answered or has closed.")
        return redirect("portal_assessments")
    return _fill(
        request, row, Actor.from_request(request), "outcomes/portal_assessment_fill.html", done
    )


@require_http_methods(["GET", "POST"])
def assessment_token_fill(request, token):
    """The emailed link: no sign-in; the link is the credential, works once, expires.
    Unknown, used and expired links are all 404 (with a page that says what to do)."""
    row, problem = request_for_token(token)
    if problem is not None:
        return render(
            request,
            "outcomes/portal_assessment_link.html",
            {"problem": problem, "clinic": row.clinic if row else None},
            status=404,
        )
    actor = Actor(user=row.patient.user, ip=client_ip(request), via="link")

    def done(saved=False):
        return render(
            request,
            "outcomes/portal_assessment_link.html",
            {"problem": None if saved else "used", "clinic": row.clinic, "saved": saved},
            status=200 if saved else 404,
        )

    return _fill(request, row, actor, "outcomes/portal_assessment_fill.html", done)
