"""Emails to patients about their appointments: booked, moved, cancelled.

The actions queue them with `queue_appointment_email`, which sends once the transaction
has committed (a rolled-back booking never emails). `send_appointment_email` is the one
layout: other senders can reuse it with their own templates (see its docstring).

An email says only the service, the time (in the clinic's zone, with the zone named), the
place and the clinic's contact: never the reason, the condition or anything clinical,
since email passes through third parties and shared inboxes.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.scheduling.ics import location_text, patient_ics
from ldnclinic.scheduling.links import manage_path

logger = logging.getLogger(__name__)

CONFIRMATION = "confirmation"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"

# Subject lines: the service, the time and the clinic, nothing else.
SUBJECTS = {
    CONFIRMATION: "Booked: {service} on {short_when} — {clinic}",
    RESCHEDULED: "Moved: {service} now on {short_when} — {clinic}",
    CANCELLED: "Cancelled: {service} on {short_when} — {clinic}",
}


def zone_label(tz):
    """ "America/New_York" -> "New York time": how a patient recognises the zone."""
    key = getattr(tz, "key", str(tz))
    return f"{key.rsplit('/', 1)[-1].replace('_', ' ')} time"


def when_text(start, end, tz):
    """ "Monday 30 November 2026, 09:00–09:30 EST (New York time)" """
    local, local_end = start.astimezone(tz), end.astimezone(tz)
    return (
        f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}–{local_end:%H:%M} "
        f"{local.tzname()} ({zone_label(tz)})"
    )


def short_when(start, tz):
    """ "Mon 30 Nov 09:00 EST", for subject lines."""
    local = start.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M} {local.tzname()}"


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def clinic_contact(clinic):
    return " · ".join(part for part in (clinic.phone, clinic.email, clinic.website) if part)


def appointment_context(appointment, *, previous_start=None):
    """What any appointment email may say. Add nothing clinical here."""
    clinic = appointment.clinic
    tz = clinic.tz
    context = {
        "clinic": clinic,
        "clinic_name": clinic.name,
        "service_name": appointment.service.name,
        "when": when_text(appointment.start, appointment.end, tz),
        "short_when": short_when(appointment.start, tz),
        "place": location_text(appointment),
        "telehealth": appointment.telehealth,
        "contact": clinic_contact(clinic),
        "window_hours": clinic.cancellation_window_hours,
        "manage_url": "",
        "book_again_url": absolute(reverse("booking-services", args=[clinic.slug])),
    }
    if appointment.status != "cancelled":
        context["manage_url"] = absolute(manage_path(appointment))
    if previous_start is not None:
        context["previous_when"] = short_when(previous_start, tz)
    return context


def send_appointment_email(
    appointment,
    kind,
    *,
    now=None,
    previous_start=None,
    template=None,
    subject=None,
    extra_context=None,
    attach_ics=True,
):
    """Email the patient about `appointment` in the shared layout; returns True if sent.

    `kind` names the email in the audit trail and, unless `template` is given, picks
    scheduling/email/appointment_<kind>.txt and .html (which extend _layout.txt/.html).
    `subject` is a format string over the context (service, short_when, clinic);
    `extra_context` adds to what the templates see. The .ics goes with it (METHOD:CANCEL
    once cancelled). Nothing is sent to a patient without an email address.
    """
    patient = appointment.patient
    if not patient.email:
        return False
    now = now or timezone.now()
    context = appointment_context(appointment, previous_start=previous_start)
    context.update(extra_context or {})
    template = template or f"scheduling/email/appointment_{kind}"
    pattern = subject or SUBJECTS[kind]
    message = EmailMultiAlternatives(
        subject=pattern.format(
            service=context["service_name"],
            short_when=context["short_when"],
            clinic=context["clinic_name"],
        ),
        body=render_to_string(f"{template}.txt", context),
        to=[patient.email],
        reply_to=[appointment.clinic.email] if appointment.clinic.email else None,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if attach_ics:
        method = "CANCEL" if appointment.status == "cancelled" else "PUBLISH"
        message.attach(
            "appointment.ics",
            patient_ics(appointment, now=now, manage_url=context["manage_url"]),
            f"text/calendar; method={method}; charset=utf-8",
        )
    message.send()
    # The kind only: the address is in the patient's record, not copied into the trail.
    record(
        Event.APPOINTMENT_EMAIL_SENT,
        Actor.system(via="email"),
        patient=patient,
        subject=appointment,
        kind=kind,
    )
    return True


@transaction.atomic
def open_portal_for_intake(patient):
    """Give a patient who booked online a portal login without the invitation's own email:
    the confirmation carries the set-password link. None when the address is already
    another patient's login here."""
    from ldnclinic.patients.actions import do_invite_patient_to_portal

    try:
        do_invite_patient_to_portal(
            Actor.system(via="booking"),
            patient,
            site_url=settings.SITE_URL.rstrip("/"),
            send_invite=False,
        )
    except ValidationError:
        return None
    return patient.user


def intake_invitation(appointment):
    """The confirmation's "before your visit" links, while the patient has no submitted
    intake: {} when none applies. A patient without a login gets one only when they
    booked online themselves; staff invite the others from the chart."""
    from ldnclinic.accounts.actions import set_password_url
    from ldnclinic.intake.models import IntakeResponse, IntakeStatus
    from ldnclinic.scheduling.models import BookingSource

    patient = appointment.patient
    submitted = IntakeResponse.objects.filter(patient=patient, status=IntakeStatus.SUBMITTED)
    if not patient.is_active or submitted.exists():
        return {}
    user = patient.user
    if user is None and appointment.source == BookingSource.ONLINE:
        try:
            user = open_portal_for_intake(patient)
        except IntegrityError:
            # A twin booking made the login a moment ago: send the plain confirmation.
            logger.warning("No portal login for patient %s", patient.pk)
            user = None
    if user is None:
        return {}
    site_url = settings.SITE_URL.rstrip("/")
    return {
        "intake_url": absolute(reverse("portal_intake_start")),
        "consents_url": absolute(reverse("consents_portal")),
        "set_password_url": "" if user.has_usable_password() else set_password_url(user, site_url),
    }


def _send_after_commit(appointment_id, kind, previous_start):
    from ldnclinic.scheduling.models import Appointment

    appointment = (
        Appointment.objects.select_related("clinic", "service", "location", "patient__user")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return
    extra = intake_invitation(appointment) if kind == CONFIRMATION else {}
    send_appointment_email(appointment, kind, previous_start=previous_start, extra_context=extra)


def queue_appointment_email(appointment, kind, *, previous_start=None):
    """Send `kind` about `appointment` once the current transaction commits.

    Robust: a mail server that is down is logged, and does not undo or fail the
    booking that has already committed."""
    if not appointment.patient.email:
        return
    appointment_id = appointment.pk
    if previous_start is not None:
        previous_start = previous_start.astimezone(dt.UTC)
    transaction.on_commit(
        lambda: _send_after_commit(appointment_id, kind, previous_start), robust=True
    )
