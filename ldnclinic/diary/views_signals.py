"""The clinician's inbox of side-effect signals the diary raised (rules in
data/signal_rules.json): staff of the clinic read it, clinicians and admins mark signals
reviewed or adjust the plan from one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ldnclinic.accounts.access import CLINICAL_ROLES, require_staff, staff_required
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.diary.models import Signal, SignalStatus
from ldnclinic.diary.signals import do_review_signal, signal_rows
from ldnclinic.plans.models import LIVE_STATUSES


@staff_required()
@require_GET
def signal_list(request):
    membership = require_staff(request)
    signals = (
        Signal.objects.filter(
            clinic=membership.clinic, status=SignalStatus.OPEN, patient__is_active=True
        )
        .select_related("patient", "plan")
        .order_by("-severity", "-last_date", "-id")
    )
    rows = signal_rows(signals)
    record(
        Event.SIGNALS_LISTED,
        Actor.from_request(request),
        clinic=membership.clinic,
        count=len(rows),
        patients=sorted({r["signal"].patient_id for r in rows}),
    )
    context = {
        "rows": rows,
        "can_change": membership.role in CLINICAL_ROLES,
        "live_statuses": LIVE_STATUSES,
    }
    return render(request, "diary/signals.html", context)


@staff_required(roles=CLINICAL_ROLES)
@require_POST
def signal_review(request, pk):
    """Mark a signal reviewed without changing the plan."""
    membership = require_staff(request, CLINICAL_ROLES)
    signal = Signal.objects.filter(pk=pk, clinic=membership.clinic).first()
    if signal is None:
        raise Http404("Not found")
    try:
        do_review_signal(Actor.from_request(request), signal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Signal marked reviewed.")
    back = request.POST.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect("signal_list")
