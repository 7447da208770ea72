from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ldnclinic.accounts.access import login_required_404
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.consents.actions import do_sign_consent
from ldnclinic.consents.forms import SignConsentForm
from ldnclinic.consents.models import ConsentKind, ConsentSignature, split_paragraphs
from ldnclinic.consents.status import consent_statuses
from ldnclinic.core.forms import add_action_errors
from ldnclinic.patients.access import (
    get_patient_for_staff,
    get_patient_for_user,
    patients_for_request,
)
from ldnclinic.patients.views import _chart_context


def own_patient_records(request):
    """The request user's own active patient records: the portal's view of the gate."""
    return list(
        patients_for_request(request)
        .filter(user=request.user, is_active=True)
        .select_related("clinic")
        .order_by("clinic__name", "id")
    )


def _own_record(request):
    """The record a portal page is about: ?record=<pk> among the user's own, else the
    first. Anything not theirs is a 404."""
    records = own_patient_records(request)
    if not records:
        raise Http404("Not found")
    wanted = request.GET.get("record")
    if wanted is None:
        return records[0]
    for patient in records:
        if str(patient.pk) == wanted:
            return patient
    raise Http404("Not found")


@require_GET
@login_required_404
def consents_portal(request):
    records = own_patient_records(request)
    if not records:
        raise Http404("Not found")
    actor = Actor.from_request(request)
    groups = []
    for patient in records:
        record(Event.CONSENT_VIEWED, actor, patient=patient, subject=patient, page="portal")
        groups.append({"patient": patient, "statuses": consent_statuses(patient)})
    context = {"groups": groups, "several": len(records) > 1}
    return render(request, "consents/portal_list.html", context)


@login_required_404
def consent_sign(request, kind):
    if kind not in ConsentKind.values:
        raise Http404("Not found")
    patient = _own_record(request)
    status = consent_statuses(patient, [kind])[0]
    if status.current is None:
        raise Http404("Not found")
    version = status.current
    form = SignConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_sign_consent(
                Actor.from_request(request),
                patient,
                version,
                typed_name=form.cleaned_data["typed_name"],
                agreed=form.cleaned_data["agree"],
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Thank you. You signed “{version.document.title}”.")
            return redirect("consents_portal")
    if request.method == "GET":
        record(
            Event.CONSENT_VIEWED,
            Actor.from_request(request),
            patient=patient,
            subject=version,
            kind=kind,
            number=version.number,
        )
    context = {
        "patient": patient,
        "status": status,
        "version": version,
        "paragraphs": split_paragraphs(version.body),
        "form": form,
    }
    return render(request, "consents/sign.html", context)


@require_GET
@login_required_404
def consent_pdf(request, pk):
    patient_id = ConsentSignature.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404("Not found")
    # The gate decides: the patient themself or their clinic's staff; 404 for anyone else.
    patient = get_patient_for_user(request, patient_id, event=None)
    signature = ConsentSignature.objects.select_related("version__document").get(pk=pk)
    record(
        Event.CONSENT_PDF_DOWNLOADED,
        Actor.from_request(request),
        patient=patient,
        subject=signature,
        kind=signature.version.document.kind,
        number=signature.version.number,
    )
    response = HttpResponse(bytes(signature.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{signature.pdf_filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required_404
def patient_consents(request, pk):
    patient = get_patient_for_staff(request, pk, event=Event.CONSENT_VIEWED)
    context = _chart_context(request, patient, "consents")
    context["statuses"] = consent_statuses(patient)
    context["signatures"] = list(
        ConsentSignature.objects.filter(patient=patient)
        .select_related("version__document")
        .defer("pdf")
    )
    return render(request, "consents/chart.html", context)
