"""Patient-reported instruments on the protocol's schedule.

A plan keeps its protocol version; the version lists `instruments: [{"code", "at_days"}]`.
For each instrument the patient reports (`reported_by: patient`), a request falls due at the
plan's start date + each day offset. `ensure_requests(plan, today)` creates the requests that
are due (once each: the unique constraint per patient, plan, instrument and due date) and
emails the patient a link. The link carries a random token; only its SHA-256 is stored, so a
request whose email failed gets a fresh token when it is sent again. A request stays open for
WINDOW_DAYS after it falls due, then expires; one falling due while the patient already has a
fresh score for that instrument (from the clinician, or answered early) is not created.
"""

import datetime
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.outcomes.instruments import UnknownInstrument, get_instrument
from ldnclinic.outcomes.models import (
    Assessment,
    AssessmentRequest,
    AssessmentStatus,
    RequestStatus,
)
from ldnclinic.plans.models import Plan, PlanStatus

WINDOW_DAYS = 14
# A score this close before the due date counts for it.
RECENT_DAYS = 7


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def fill_url(raw: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("assessment_token_fill", args=[raw])


def plan_start(plan) -> datetime.date | None:
    version = plan.current_version
    if version is None:
        return None
    start = (version.params or {}).get("start_date")
    try:
        return datetime.date.fromisoformat(start) if start else version.effective_from
    except (TypeError, ValueError):
        return version.effective_from


def patient_instruments(plan) -> list[tuple[str, list[int]]]:
    """(code, day offsets) of the protocol's instruments that the patient reports.
    Codes the library does not know are skipped, not fatal."""
    out = []
    for entry in (plan.protocol_version.data or {}).get("instruments") or []:
        try:
            instrument = get_instrument(entry.get("code") or "")
        except UnknownInstrument:
            continue
        if instrument.data.get("reported_by") == "patient":
            days = sorted({int(d) for d in entry.get("at_days") or [] if int(d) >= 0})
            out.append((instrument.code, days))
    return out


def schedule(plan) -> list[tuple[str, datetime.date]]:
    """Every (instrument code, due date) of the plan's patient-reported instruments."""
    start = plan_start(plan)
    if start is None:
        return []
    return sorted(
        (code, start + datetime.timedelta(days=day))
        for code, days in patient_instruments(plan)
        for day in days
    )


def _end_of_day(day: datetime.date, tz) -> datetime.datetime:
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tz)
    return midnight.astimezone(datetime.UTC)


def _recently_scored(plan, code, due: datetime.date) -> bool:
    first_day = due - datetime.timedelta(days=RECENT_DAYS)
    since = datetime.datetime.combine(first_day, datetime.time(), plan.clinic.tz)
    return Assessment.objects.filter(
        patient_id=plan.patient_id,
        instrument=code,
        status=AssessmentStatus.FINAL,
        assessed_at__gte=since,
    ).exists()


@dataclass
class Summary:
    created: int = 0
    sent: int = 0
    expired: int = 0
    failed: int = 0

    def line(self) -> str:
        return (
            f"{self.created} request(s) created, {self.sent} email(s) sent, "
            f"{self.expired} expired, {self.failed} failed."
        )


def ensure_requests(plan, today: datetime.date, *, now=None, actor=None, summary=None) -> list:
    """Create (and email) the plan's requests that are due by `today` and still inside
    their window. Idempotent: running it again creates and sends nothing twice."""
    now = now or timezone.now()
    actor = actor or Actor.system()
    summary = summary if summary is not None else Summary()
    created = []
    existing = set(
        AssessmentRequest.objects.filter(plan=plan).values_list("instrument", "due_date")
    )
    for code, due in schedule(plan):
        if due > today or today > due + datetime.timedelta(days=WINDOW_DAYS):
            continue
        if (code, due) in existing or _recently_scored(plan, code, due):
            continue
        row = _create(plan, code, due, now, actor)
        if row is None:
            continue  # a concurrent run made it
        summary.created += 1
        created.append(row)
        if send_request(row, now=now):
            summary.sent += 1
        elif row.patient.email:
            summary.failed += 1
    return created


def _create(plan, code, due, now, actor):
    expires = _end_of_day(due + datetime.timedelta(days=WINDOW_DAYS), plan.clinic.tz)
    try:
        with transaction.atomic():
            row = AssessmentRequest.objects.create(
                clinic_id=plan.clinic_id,
                patient=plan.patient,
                plan=plan,
                instrument=code,
                due_date=due,
                # Replaced by the emailed token's hash when it is sent.
                token_hash=token_hash(secrets.token_urlsafe(32)),
                expires_at=expires,
                created_by=actor.user,
            )
            record(
                Event.ASSESSMENT_REQUESTED,
                actor,
                patient=plan.patient,
                subject=row,
                instrument=code,
                due_date=due.isoformat(),
                plan=plan.pk,
            )
    except IntegrityError:
        return None
    return row


def request_email(row, raw_token: str) -> EmailMultiAlternatives:
    """What the patient receives: the clinic, a link, the deadline; no instrument name or
    condition in the subject, nothing clinical in the body beyond "a short questionnaire"."""
    clinic = row.clinic
    context = {
        "clinic": clinic,
        "url": fill_url(raw_token),
        "last_day": f"{row.last_day:%A} {row.last_day.day} {row.last_day:%B %Y}",
        "portal_url": settings.SITE_URL.rstrip("/") + reverse("portal_assessments"),
        "contact": " · ".join(part for part in (clinic.phone, clinic.email) if part),
    }
    subject = render_to_string("outcomes/email/assessment_request_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("outcomes/email/assessment_request.txt", context),
        to=[row.patient.email],
        reply_to=[clinic.email] if clinic.email else None,
    )
    message.attach_alternative(
        render_to_string("outcomes/email/assessment_request.html", context), "text/html"
    )
    return message


def send_request(row, *, now=None) -> bool:
    """Email the request with a fresh token; False when there is no address or it failed."""
    if not row.patient.email or row.status != RequestStatus.OPEN:
        return False
    raw = secrets.token_urlsafe(32)
    row.token_hash = token_hash(raw)
    row.save(update_fields=["token_hash"])
    try:
        request_email(row, raw).send()
    except Exception:  # noqa: BLE001 - the next run retries; one bad address stops nothing
        return False
    row.sent_at = now or timezone.now()
    row.save(update_fields=["sent_at"])
    return True


def expire_requests(now) -> int:
    expired = 0
    for row in AssessmentRequest.objects.filter(status=RequestStatus.OPEN, expires_at__lt=now):
        row.status = RequestStatus.EXPIRED
        row.save(update_fields=["status"])
        expired += 1
    return expired


def request_for_token(raw: str, *, now=None):
    """(request, problem): the open request the link names, or why it cannot be used:
    "unknown", "expired" or "used"."""
    if not raw or len(raw) > 100:
        return None, "unknown"
    row = (
        AssessmentRequest.objects.filter(token_hash=token_hash(raw))
        .select_related("patient__clinic", "plan", "clinic")
        .first()
    )
    if row is None:
        return None, "unknown"
    if row.status == RequestStatus.COMPLETED:
        return row, "used"
    if row.status != RequestStatus.OPEN or row.expires_at <= (now or timezone.now()):
        return row, "expired"
    return row, None


def send_assessment_requests(
    *, now=None, log: Callable[[str], object] = print, dry_run=False
) -> Summary:
    """For every active plan: create and send the requests that are due; retry unsent
    ones; expire the ones past their window."""
    now = now or timezone.now()
    summary = Summary()
    plans = Plan.objects.filter(status=PlanStatus.ACTIVE).select_related(
        "clinic", "patient", "protocol_version"
    )
    created = set()
    for plan in plans.filter(patient__is_active=True).order_by("id"):
        today = timezone.localdate(now, plan.clinic.tz)
        if dry_run:
            for code, due in schedule(plan):
                if due <= today <= due + datetime.timedelta(days=WINDOW_DAYS):
                    log(f"plan {plan.pk}: {code} due {due}")
            continue
        for row in ensure_requests(plan, today, now=now, summary=summary):
            created.add(row.pk)
            log(f"plan {plan.pk}: {row.instrument} due {row.due_date} requested")
    if dry_run:
        return summary
    unsent = (
        AssessmentRequest.objects.filter(
            status=RequestStatus.OPEN, sent_at__isnull=True, expires_at__gt=now
        )
        .exclude(patient__email="")
        .exclude(pk__in=created)
    )
    for row in unsent.select_related("patient", "clinic"):
        if send_request(row, now=now):
            summary.sent += 1
    summary.expired = expire_requests(now)
    return summary
