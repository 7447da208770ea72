"""Appointment reminders, sent by `python manage.py send_reminders` (run it every five
minutes from cron or a systemd timer; the README shows both).

When a reminder goes out
------------------------
A clinic's offsets (`Clinic.reminder_offsets`, default "48,2") are real hours before
the appointment's start, so across a daylight-saving change a 48 h reminder for Monday
10:00 goes out on Saturday at 09:00 local time: 48 hours before, not "two days at the
same clock time". The email shows the time in the clinic's zone.

The reminder for offset H has a window: from `start - H` until the next smaller offset
falls due (or until the start, for the smallest). A run sends it while its window is
open. It records it as `skipped`, never to be sent, when

- the appointment got its current time after `start - H`: it was booked (or moved)
  later. A booking made 10 hours ahead gets no 48 h reminder, only the 2 h one; its
  confirmation email has just told the patient the time;
- the window closed before a run reached it (runs stopped for a while): a later
  reminder is due instead, or the appointment has started (skipped rows are written
  for appointments that started less than LOOKBACK ago).

Only booked and pending appointments of active patients get reminders; a cancelled one
gets none. Email goes to patients with an email address; SMS too when the clinic has
`sms_reminders` on and the patient has a phone number.

Exactly once, or rather at most once
------------------------------------
Each (appointment, offset, channel) has at most one `Reminder` row, and the unique
constraint decides between concurrent runs. A run claims a reminder by inserting its
row with status `sending` in its own short transaction, commits, and only then sends;
afterwards it marks the row `sent` or `failed`. Two runs racing for one reminder both
try the insert; one wins, the other gets an IntegrityError and leaves it alone.

A crash between the claim and the mark leaves a `sending` row, and nobody can tell
whether the message left. We choose at-most-once over at-least-once: a patient who
gets the same reminder twice doubts the clinic's records (and pays for a second text),
while one lost reminder among several is cheap. So a `sending` row is never resent:
after STALE_CLAIM (15 minutes, far longer than a send can take) the next run that
looks at the appointment marks it `skipped` with a note and audits it as
REMINDER_FAILED, so that it shows.

A backend that raises did not send: the row becomes `failed` and later runs try again
while the window is open, up to MAX_ATTEMPTS in all. A retry is claimed by a
conditional update (on the status and the attempt count) that only one run can win.

Moved appointments
------------------
A reminder row belongs to the time the appointment had when the row was claimed
(`claimed_at`). When an appointment gets a new start (its history says when), rows
claimed before that no longer count: a run re-claims such a row for the new time with
a conditional update on its old `claimed_at`, so again only one run wins. A cleaner
model would store the start a reminder was for (`Reminder.for_start`); the history
gives the same answer without a schema change.

`claimed_at` is the real clock; the `now` a run is given (`--now`) only decides which
reminders are due, so a test or a demo can run "as if it were" another time.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ldnclinic.accounts.models import Clinic
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.core.sms import send_sms
from ldnclinic.scheduling.ics import location_text
from ldnclinic.scheduling.links import manage_path
from ldnclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Reminder,
    ReminderChannel,
)

REMINDED_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.PENDING)
STALE_CLAIM = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 3
LOOKBACK = dt.timedelta(hours=24)

BOOKED_LATER = "Booked or moved after this reminder's time."
SUPERSEDED = "Not sent in time: a later reminder was due instead."
STARTED = "Not sent in time: the appointment had started."
INTERRUPTED = (
    "The run that claimed it stopped before recording the result; it may have been "
    "sent, so it is not sent again."
)


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    dry_run: bool = False

    def line(self):
        if self.dry_run:
            return (
                f"Dry run: {self.sent} to send, {self.skipped} to skip; "
                "nothing was sent or recorded."
            )
        return f"Reminders: {self.sent} sent, {self.failed} failed, {self.skipped} skipped."


@dataclass
class Step:
    """One reminder a run acts on: send it (skip_reason empty) or record it as skipped."""

    appointment: Appointment
    offset_hours: int
    channel: str
    skip_reason: str
    anchor: dt.datetime
    previous: Reminder | None = field(default=None)


def reminder_moments(start, offsets, anchor, now) -> list[tuple[int, str]]:
    """The offsets whose moment has come, each with "" (send it) or why it is skipped.
    `anchor` is when the appointment got its current start."""
    offsets = sorted(offsets, reverse=True)
    moments = []
    for index, hours in enumerate(offsets):
        due_at = start - dt.timedelta(hours=hours)
        if due_at > now:
            continue
        following = offsets[index + 1] if index + 1 < len(offsets) else 0
        if anchor > due_at:
            reason = BOOKED_LATER
        elif now >= start:
            reason = STARTED
        elif now >= start - dt.timedelta(hours=following):
            reason = SUPERSEDED
        else:
            reason = ""
        moments.append((hours, reason))
    return moments


def channels_for(appointment) -> list[str]:
    patient = appointment.patient
    channels = []
    if patient.email:
        channels.append(ReminderChannel.EMAIL)
    if appointment.clinic.sms_reminders and patient.phone:
        channels.append(ReminderChannel.SMS)
    return channels


def start_set_at(appointments) -> dict[int, dt.datetime]:
    """When each appointment got its current start: its booking or its last move, from
    its history (one query); `created_at` when it has no history."""
    by_id = {a.pk: a for a in appointments}
    history = Appointment.history.model.objects.filter(id__in=by_id).order_by(
        "id", "history_date", "history_id"
    )
    anchors: dict[int, dt.datetime] = {}
    for pk, start, when in history.values_list("id", "start", "history_date"):
        if start != by_id[pk].start:
            anchors.pop(pk, None)
        else:
            anchors.setdefault(pk, when)
    return {pk: anchors.get(pk, a.created_at) for pk, a in by_id.items()}


def _clinic_offsets(log) -> dict[int, list[int]]:
    offsets = {}
    for clinic in Clinic.objects.only("id", "reminder_offsets"):
        try:
            offsets[clinic.pk] = clinic.reminder_offset_hours
        except ValueError:
            log(f"Clinic {clinic.pk}: unreadable reminder offsets {clinic.reminder_offsets!r}.")
    return offsets


def _candidates(now, clinic_offsets):
    """Booked or pending appointments of active patients that started less than
    LOOKBACK ago or start within their clinic's largest offset."""
    by_horizon: dict[int, list[int]] = {}
    for clinic_id, offsets in clinic_offsets.items():
        if offsets:
            by_horizon.setdefault(max(offsets), []).append(clinic_id)
    if not by_horizon:
        return []
    within = models.Q()
    for hours, clinic_ids in by_horizon.items():
        within |= models.Q(clinic_id__in=clinic_ids, start__lte=now + dt.timedelta(hours=hours))
    return list(
        Appointment.objects.filter(within)
        .filter(status__in=REMINDED_STATUSES, start__gt=now - LOOKBACK, patient__is_active=True)
        .select_related("clinic", "patient", "service", "location")
        .order_by("start", "id")
    )


def _close_stale_claim(row):
    """A `sending` row older than STALE_CLAIM: possibly sent, never resent (see above)."""
    with transaction.atomic():
        closed = Reminder.objects.filter(
            pk=row.pk, status=Reminder.Status.SENDING, claimed_at=row.claimed_at
        ).update(status=Reminder.Status.SKIPPED, error=INTERRUPTED)
        if closed:
            record(
                Event.REMINDER_FAILED,
                Actor.system(),
                patient=row.appointment.patient,
                subject=row.appointment,
                offset_hours=row.offset_hours,
                channel=row.channel,
                error=INTERRUPTED,
                will_retry=False,
            )
    row.status, row.error = Reminder.Status.SKIPPED, INTERRUPTED
    return bool(closed)


def _next_step(row, anchor, reason):
    """Whether a reminder with this existing row (or none) needs acting on."""
    if row is None or row.claimed_at < anchor:
        return True  # never claimed, or claimed for the appointment's earlier time
    return not reason and row.status == Reminder.Status.FAILED and row.attempts < MAX_ATTEMPTS


def plan(now, clock, *, dry_run=False, log=print) -> tuple[list[Step], int]:
    """The reminders to act on now, and how many stale claims were closed."""
    clinic_offsets = _clinic_offsets(log)
    appointments = _candidates(now, clinic_offsets)
    if not appointments:
        return [], 0
    anchors = start_set_at(appointments)
    existing = {
        (r.appointment_id, r.offset_hours, r.channel): r
        for r in Reminder.objects.filter(appointment__in=appointments)
    }
    by_id = {a.pk: a for a in appointments}
    closed = 0
    for row in existing.values():
        if row.status == Reminder.Status.SENDING and row.claimed_at < clock - STALE_CLAIM:
            row.appointment = by_id[row.appointment_id]
            if not dry_run and _close_stale_claim(row):
                closed += 1
    steps = []
    for appointment in appointments:
        channels = channels_for(appointment)
        if not channels:
            continue
        offsets = clinic_offsets[appointment.clinic_id]
        anchor = anchors[appointment.pk]
        for hours, reason in reminder_moments(appointment.start, offsets, anchor, now):
            for channel in channels:
                row = existing.get((appointment.pk, hours, channel))
                if _next_step(row, anchor, reason):
                    steps.append(Step(appointment, hours, channel, reason, anchor, row))
    return steps, closed


def _claim(step, clock) -> Reminder | None:
    """Claim the reminder in its own short transaction; None when another run has it."""
    skipped = bool(step.skip_reason)
    values = {
        "status": Reminder.Status.SKIPPED if skipped else Reminder.Status.SENDING,
        "claimed_at": clock,
        "sent_at": None,
        "error": step.skip_reason,
        "attempts": 0 if skipped else 1,
    }
    previous = step.previous
    try:
        with transaction.atomic():
            if previous is None:
                return Reminder.objects.create(
                    appointment=step.appointment,
                    offset_hours=step.offset_hours,
                    channel=step.channel,
                    **values,
                )
            if previous.claimed_at < step.anchor:
                # Claimed for the appointment's earlier time: take it over for the new one.
                match = {"claimed_at": previous.claimed_at}
            else:
                match = {"status": Reminder.Status.FAILED, "attempts": previous.attempts}
                values["attempts"] = previous.attempts + 1
            if not Reminder.objects.filter(pk=previous.pk, **match).update(**values):
                return None
    except IntegrityError:
        return None
    for name, value in values.items():
        setattr(previous, name, value)
    previous.appointment = step.appointment
    return previous


def _local_time(appointment):
    local = appointment.start.astimezone(appointment.clinic.tz)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} ({local.tzname()})"


def message_context(appointment, now):
    """What a reminder says: service, time in the clinic's zone, place, clinic contact
    and the manage link; nothing clinical."""
    clinic = appointment.clinic
    local = appointment.start.astimezone(clinic.tz)
    return {
        "clinic": clinic,
        "service_name": appointment.service.name,
        "when": _local_time(appointment),
        "short_when": f"{local:%a} {local.day} {local:%b} {local:%H:%M} {local.tzname()}",
        "place": location_text(appointment),
        "telehealth": appointment.telehealth,
        "contact": " · ".join(part for part in (clinic.phone, clinic.email) if part),
        "manage_url": settings.SITE_URL.rstrip("/") + manage_path(appointment),
        # Inside the clinic's window the link can only cancel, and that counts as late.
        "inside_window": appointment.start - now
        < dt.timedelta(hours=clinic.cancellation_window_hours),
    }


def reminder_email(appointment, now) -> EmailMultiAlternatives:
    context = message_context(appointment, now)
    subject = render_to_string("scheduling/email/reminder_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("scheduling/email/reminder.txt", context),
        to=[appointment.patient.email],
        reply_to=[appointment.clinic.email] if appointment.clinic.email else None,
    )
    message.attach_alternative(
        render_to_string("scheduling/email/reminder.html", context), "text/html"
    )
    return message


def reminder_sms_body(appointment, now) -> str:
    context = message_context(appointment, now)
    text = render_to_string("scheduling/email/reminder_sms.txt", context)
    return " ".join(text.split())


def _send(reminder, now):
    appointment = reminder.appointment
    if reminder.channel == ReminderChannel.SMS:
        send_sms(appointment.patient.phone, reminder_sms_body(appointment, now))
    else:
        reminder_email(appointment, now).send()


def _record_result(reminder, error=None):
    """Mark the claimed row sent or failed, and audit it, in one transaction."""
    appointment = reminder.appointment
    now = timezone.now()
    with transaction.atomic():
        if error is None:
            values = {"status": Reminder.Status.SENT, "sent_at": now, "error": ""}
        else:
            values = {"status": Reminder.Status.FAILED, "error": error[:300]}
        # A row re-claimed meanwhile (the appointment moved) keeps its new claim.
        Reminder.objects.filter(pk=reminder.pk, claimed_at=reminder.claimed_at).update(**values)
        payload = {
            "offset_hours": reminder.offset_hours,
            "channel": reminder.channel,
            "attempt": reminder.attempts,
        }
        if error is None:
            record(
                Event.REMINDER_SENT,
                Actor.system(),
                patient=appointment.patient,
                subject=appointment,
                **payload,
            )
        else:
            record(
                Event.REMINDER_FAILED,
                Actor.system(),
                patient=appointment.patient,
                subject=appointment,
                error=error[:300],
                will_retry=reminder.attempts < MAX_ATTEMPTS,
                **payload,
            )


def deliver(reminder, now) -> bool:
    """Send a claimed reminder; True if the backend took it."""
    try:
        _send(reminder, now)
    except Exception as error:  # any backend failure: recorded, retried by a later run
        _record_result(reminder, f"{type(error).__name__}: {error}")
        return False
    _record_result(reminder)
    return True


def send_reminders(*, now=None, dry_run=False, log: Callable[[str], object] = print) -> Summary:
    """Send the reminders that are due at `now` (default: the current time)."""
    clock = timezone.now()
    now = now or clock
    summary = Summary(dry_run=dry_run)
    steps, summary.skipped = plan(now, clock, dry_run=dry_run, log=log)
    for step in steps:
        if dry_run:
            verb = f"skip ({step.skip_reason})" if step.skip_reason else "send"
            log(
                f"Would {verb}: {step.channel} reminder {step.offset_hours} h before "
                f"appointment {step.appointment.pk} at {step.appointment.start.isoformat()}"
            )
            if step.skip_reason:
                summary.skipped += 1
            else:
                summary.sent += 1
            continue
        reminder = _claim(step, clock)
        if reminder is None:
            continue  # another run claimed it first
        if step.skip_reason:
            summary.skipped += 1
        elif deliver(reminder, now):
            summary.sent += 1
        else:
            summary.failed += 1
    return summary
