from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from ldnclinic.accounts.access import WRITE_ROLES, login_required_404
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.core.forms import add_action_errors
from ldnclinic.intake import actions
from ldnclinic.intake.definition import check_answers, display_value, items
from ldnclinic.intake.forms import IntakeForm
from ldnclinic.patients.access import get_patient_for_update, get_patient_for_user
from ldnclinic.patients.models import Patient
from ldnclinic.patients.views import _chart_context


def summary(version, answers):
    """[(section title, [row])] of the answered items, in definition order."""
    result = []
    for section in version.definition["sections"]:
        rows = []
        for item in section["items"]:
            if item["id"] in answers:
                value = display_value(item, answers[item["id"]])
                lines = value if isinstance(value, list) else None
                rows.append({"label": item["label"], "value": value, "lines": lines})
        if rows:
            result.append((section["title"], rows))
    return result


def missing_labels(version, missing):
    labels = {item["id"]: item["label"] for item in items(version.definition)}
    return [labels[item_id] for item_id in missing]


def _own_record(request, pk):
    """The patient's own record: the portal is never a staff view of someone else's."""
    try:
        return Patient.objects.select_related("clinic").get(
            pk=pk, user=request.user, is_active=True
        )
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


@login_required_404
def portal_intake_start(request):
    records = list(Patient.objects.filter(user=request.user, is_active=True).order_by("id"))
    if not records:
        raise Http404("Not found")
    return redirect("portal_intake", pk=records[0].pk)


def _fill(request, patient, *, staff):
    """The intake form for a patient (portal) or staff (chart), GET and POST."""
    response = actions.latest_response(patient)
    version = response.version if response else actions.current_version(patient.clinic)
    answers = response.answers if response else {}
    context = {"patient": patient, "response": response, "version": version}
    if request.method == "POST":
        form = IntakeForm(version.definition, data=request.POST)
        raw = form.raw_answers()
        submitting = request.POST.get("action") == "submit"
        actor = Actor.from_request(request)
        try:
            if staff:
                response, check = actions.do_edit_intake(actor, patient, raw)
            elif submitting:
                response, check = actions.do_submit_intake(actor, patient, raw)
            else:
                response, check = actions.do_save_intake_draft(actor, patient, raw)
        except ValidationError as error:
            add_action_errors(form, error)
            shown = check_answers(version.definition, raw).answers
            context.update(form=form, sections=form.sections(shown), errors=True)
            return context, None
        if staff:
            messages.success(request, "Intake saved.")
        elif response.is_submitted:
            messages.success(request, "Thank you: your intake is submitted.")
            return context, "done"
        elif submitting:
            context["missing"] = missing_labels(version, check.missing)
            form = IntakeForm(version.definition, answers=response.answers)
            context.update(form=form, sections=form.sections(response.answers), response=response)
            return context, None
        else:
            messages.success(request, "Draft saved. You can come back to it at any time.")
        return context, "saved"
    form = IntakeForm(version.definition, answers=answers)
    context.update(form=form, sections=form.sections(answers))
    return context, None


@login_required_404
def portal_intake(request, pk):
    patient = _own_record(request, pk)
    response = actions.latest_response(patient)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if request.method == "GET":
        record(Event.INTAKE_VIEWED, Actor.from_request(request), patient=patient, subject=patient)
    if response is not None and response.is_submitted and not editing:
        context = {
            "patient": patient,
            "response": response,
            "summary": summary(response.version, response.answers),
        }
        return render(request, "intake/portal_summary.html", context)
    context, done = _fill(request, patient, staff=False)
    if done:
        return redirect("portal_intake", pk=patient.pk)
    return render(request, "intake/portal_form.html", context)


@login_required_404
def patient_intake(request, pk):
    patient = get_patient_for_user(request, pk, event=Event.INTAKE_VIEWED)
    context = _chart_context(request, patient, "intake")
    response = actions.latest_response(patient)
    context["response"] = response
    if response is not None:
        check = actions.check_for_patient(response.version, patient, response.answers)
        context["summary"] = summary(response.version, response.answers)
        context["missing"] = missing_labels(response.version, check.missing)
    return render(request, "intake/chart.html", context)


@login_required_404
def patient_intake_edit(request, pk):
    shown = Event.INTAKE_VIEWED if request.method == "GET" else None
    patient = get_patient_for_update(request, pk, roles=WRITE_ROLES, event=shown)
    context, done = _fill(request, patient, staff=True)
    if done:
        return redirect("patient_intake", pk=patient.pk)
    context.update(_chart_context(request, patient, "intake"))
    return render(request, "intake/chart_edit.html", context)
