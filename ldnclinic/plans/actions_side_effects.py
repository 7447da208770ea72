"""Side effects the patient reports on a live plan, and the clinician's review of them.

The clinician is told by email that a report is waiting, and nothing more: the symptom, its
severity and the note stay behind the sign-in, since email passes through third parties
and shared inboxes (as ldnclinic/scheduling/notify.py keeps appointment emails clean)."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.plans.models import (
    LIVE_STATUSES,
    Plan,
    ReportStatus,
    Severity,
    SideEffectReport,
    Symptom,
)
from ldnclinic.plans.notify import plan_recipients

NOTE_MAX = 1000
NOT_LIVE = "Side effects can be reported only on an active or paused plan; this plan is {status}."
EMAIL_SUBJECT = "A patient reported a side effect — {clinic}"


def _staff_role(user, clinic_id):
    if user is None:
        return None
    membership = Membership.objects.filter(user=user, clinic_id=clinic_id, is_active=True).first()
    return membership.role if membership else None


def _is_own_patient(user, plan) -> bool:
    return user is not None and plan.patient.user_id == user.pk and plan.patient.is_active


def check_report(*, symptom, severity, started_on, note, today) -> dict:
    """The cleaned report fields, or ValidationError with a message per field."""
    errors = {}
    if symptom not in Symptom.values:
        errors["symptom"] = "Choose one of the listed side effects."
    if severity not in Severity.values:
        errors["severity"] = "Choose mild, moderate or severe."
    if not isinstance(started_on, datetime.date):
        errors["started_on"] = "Enter the date it started."
    elif started_on > today:
        errors["started_on"] = "The start date cannot be in the future."
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"Keep the note to {NOTE_MAX} characters."
    if errors:
        raise ValidationError(errors)
    return {"symptom": symptom, "severity": severity, "started_on": started_on, "note": note}


@transaction.atomic
def do_report_side_effect(actor: Actor, plan, *, symptom, severity, started_on, note=""):
    """A new report on `plan`, by its own patient or the clinic's staff; the plan's
    clinician is emailed (without clinical detail) once the transaction commits. The email
    is robust: a mail server that is down is logged and does not fail the saved report."""
    user = actor.user
    if not _is_own_patient(user, plan) and _staff_role(user, plan.clinic_id) is None:
        raise PermissionDenied("Only the patient or the clinic's staff can report on this plan.")
    plan = (
        Plan.objects.select_for_update(of=("self",))
        .select_related("patient", "clinic", "clinician__user")
        .get(pk=plan.pk)
    )
    if plan.status not in LIVE_STATUSES:
        raise ValidationError(NOT_LIVE.format(status=plan.get_status_display().lower()))
    today = timezone.now().astimezone(plan.clinic.tz).date()
    fields = check_report(
        symptom=symptom, severity=severity, started_on=started_on, note=note, today=today
    )
    report = SideEffectReport.objects.create(
        clinic_id=plan.clinic_id,
        patient=plan.patient,
        plan=plan,
        reported_by=user,
        **fields,
    )
    record(
        Event.SIDE_EFFECT_REPORTED,
        actor,
        patient=plan.patient,
        subject=report,
        plan_id=plan.pk,
        symptom=report.symptom,
        severity=report.severity,
        started_on=report.started_on.isoformat(),
    )
    recipients = plan_recipients(plan.clinic_id, plan)
    if recipients:
        transaction.on_commit(lambda: send_report_email(plan, recipients), robust=True)
    return report


def send_report_email(plan, recipients):
    """ "A patient reported a side effect on their plan; sign in to read it." No name,
    no symptom, no condition."""
    context = {
        "clinic": plan.clinic,
        "url": settings.SITE_URL.rstrip("/") + reverse("plan_detail", args=[plan.pk]),
    }
    send_mail(
        subject=EMAIL_SUBJECT.format(clinic=plan.clinic.name),
        message=render_to_string("plans/email/side_effect_reported.txt", context),
        html_message=render_to_string("plans/email/side_effect_reported.html", context),
        from_email=None,
        recipient_list=recipients,
    )


@transaction.atomic
def do_review_side_effect(actor: Actor, report, *, version=None):
    """Mark `report` reviewed by a clinician or clinic admin, with the plan version that
    answered it when there is one (an adjustment made from the report)."""
    if _staff_role(actor.user, report.clinic_id) not in CLINICAL_ROLES:
        raise PermissionDenied("Only a clinician or a clinic admin can review side effects.")
    report = SideEffectReport.objects.select_for_update().get(pk=report.pk)
    if version is not None and version.plan_id != report.plan_id:
        raise ValidationError({"version": "That version belongs to another plan."})
    if report.status == ReportStatus.REVIEWED and (
        version is None or report.resolved_by_version_id is not None
    ):
        raise ValidationError("This report has already been reviewed.")
    report.status = ReportStatus.REVIEWED
    if report.reviewed_at is None:
        report.reviewed_by = actor.user
        report.reviewed_at = timezone.now()
    if version is not None:
        report.resolved_by_version = version
    report.save()
    record(
        Event.SIDE_EFFECT_REVIEWED,
        actor,
        patient=report.patient,
        subject=report,
        plan_id=report.plan_id,
        version=version.number if version is not None else None,
    )
    return report
