"""Side-effect signals from the diary: rules as data (data/signal_rules.json, each with its
source and evidence grade), a pure evaluator over diary lines, and the actions that raise a
signal (on every diary save, in the same transaction) and mark it reviewed.

A signal is a prompt for the clinician to look, never an automatic change to the plan."""

import datetime
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import record
from ldnclinic.diary.models import (
    SIDE_EFFECT_FIELDS,
    SIDE_EFFECTS,
    DiaryEntry,
    Signal,
    SignalSeverity,
    SignalStatus,
)
from ldnclinic.plans.notify import plan_recipients

RULES_FILE = Path(__file__).parent / "data" / "signal_rules.json"
ONE_DAY = datetime.timedelta(days=1)
# How far back the evaluator reads the diary (the longest rule window).
LOOKBACK_DAYS = 14
# Nothing clinical in a subject line.
URGENT_SUBJECT = "An urgent diary signal to review — {clinic}"


@cache
def rules() -> dict[str, dict]:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return {rule["id"]: rule for rule in data["rules"]}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    dates: tuple[datetime.date, ...] = field(default_factory=tuple)


def _finding(rule_id, entries) -> Finding:
    dates = tuple(sorted({e.date for e in entries}))
    return Finding(rule_id, rules()[rule_id]["severity"], dates)


def _window_start(day, plan_start, step_starts):
    """The start of the plan or of its latest dose change on or before `day`."""
    starts = [s for s in (plan_start, *step_starts) if s is not None and s <= day]
    return max(starts) if starts else None


def _sleep_early(entries, plan_start, step_starts, today):
    p = rules()["sleep.early"]["params"]
    if plan_start is None:
        return None
    recent = [e for e in entries if today - (p["window_days"] - 1) * ONE_DAY <= e.date <= today]
    last = sorted(recent, key=lambda e: e.date)[-p["nights"] :]
    if not last:
        return None
    start = _window_start(last[-1].date, plan_start, step_starts)
    if start is None or last[-1].date > start + (p["window_days"] - 1) * ONE_DAY:
        return None
    hits = [
        e
        for e in last
        if e.date >= start and any(getattr(e, s) >= p["min_score"] for s in p["symptoms"])
    ]
    return _finding("sleep.early", hits) if len(hits) >= p["min_nights"] else None


def _severe_any(entries, today):
    p = rules()["severe.any"]["params"]
    since = today - (p["lookback_days"] - 1) * ONE_DAY
    hits = [
        e
        for e in entries
        if since <= e.date <= today and any(getattr(e, s) >= p["score"] for s in SIDE_EFFECT_FIELDS)
    ]
    return _finding("severe.any", hits) if hits else None


def _missed_doses(entries, plan_start, today):
    p = rules()["missed.doses"]["params"]
    if plan_start is None:
        return None
    since = max(today - (p["lookback_days"] - 1) * ONE_DAY, plan_start)
    hits = [e for e in entries if since <= e.date <= today and e.dose_taken is False]
    return _finding("missed.doses", hits) if len(hits) >= p["min_missed"] else None


def evaluate(entries, plan_start, step_starts, today) -> list[Finding]:
    """The findings for the diary lines `entries` (objects with date, dose_taken and the
    side-effect scores). `plan_start` is the live plan's first day (None: no live plan, so
    only severe side effects count); `step_starts` the days its dose changed. Pure."""
    entries = [e for e in entries if e.date <= today]
    found = [
        _sleep_early(entries, plan_start, tuple(step_starts), today),
        _severe_any(entries, today),
        _missed_doses(entries, plan_start, today),
    ]
    return [f for f in found if f is not None]


# The patient's live plan -------------------------------------------------------------------


def live_plan(patient):
    """(plan, plan_start, step_starts) for the patient's live plan, or (None, None, ())."""
    from ldnclinic.diary.schedule import _calendars

    for plan, calendar, _formulation in _calendars(patient):
        steps = list(calendar.steps)
        if not steps:
            continue
        starts = tuple(
            b.start_date for a, b in zip(steps, steps[1:], strict=False) if b.dose_mg != a.dose_mg
        )
        return plan, steps[0].start_date, starts
    return None, None, ()


# Actions -------------------------------------------------------------------------------------


@transaction.atomic
def do_evaluate_signals(actor, patient, *, today) -> list[Signal]:
    """Evaluate the patient's recent diary and raise (or refresh) the open signals: at most
    one open signal per patient and rule. A new signal is audited with its rule id only."""
    plan, plan_start, step_starts = live_plan(patient)
    entries = list(
        DiaryEntry.objects.filter(
            patient=patient, date__gte=today - LOOKBACK_DAYS * ONE_DAY, date__lte=today
        )
    )
    out = []
    for finding in evaluate(entries, plan_start, step_starts, today):
        try:
            # A savepoint: a concurrent save raising the same signal loses the one-open
            # constraint here, and the retry updates the winner's row instead.
            with transaction.atomic():
                out.append(_raise(actor, patient, plan, finding))
        except IntegrityError:
            out.append(_raise(actor, patient, plan, finding))
    return out


def _raise(actor, patient, plan, finding) -> Signal:
    dates = [d.isoformat() for d in finding.dates]
    signal = (
        Signal.objects.select_for_update()
        .filter(patient=patient, rule=finding.rule, status=SignalStatus.OPEN)
        .first()
    )
    if signal is not None:
        merged = sorted(set(signal.dates) | set(dates))
        if merged != signal.dates or (plan and signal.plan_id is None):
            signal.dates = merged
            signal.first_date = datetime.date.fromisoformat(merged[0])
            signal.last_date = datetime.date.fromisoformat(merged[-1])
            signal.plan = signal.plan or plan
            signal.save()
        return signal
    signal = Signal.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        plan=plan,
        rule=finding.rule,
        severity=finding.severity,
        first_date=finding.dates[0],
        last_date=finding.dates[-1],
        dates=dates,
    )
    record(Event.SIGNAL_RAISED, actor, patient=patient, subject=signal, rule=finding.rule)
    if signal.severity == SignalSeverity.URGENT:
        recipients = plan_recipients(patient.clinic_id, plan)
        if recipients:
            clinic = patient.clinic
            transaction.on_commit(lambda: send_urgent_signal_email(clinic, recipients), robust=True)
    return signal


def send_urgent_signal_email(clinic, recipients):
    """ "An urgent diary signal; sign in to read it." No name, no symptom, no condition."""
    context = {"clinic": clinic, "url": settings.SITE_URL.rstrip("/") + reverse("signal_list")}
    send_mail(
        subject=URGENT_SUBJECT.format(clinic=clinic.name),
        message=render_to_string("diary/email/urgent_signal.txt", context),
        html_message=render_to_string("diary/email/urgent_signal.html", context),
        from_email=None,
        recipient_list=recipients,
    )


def _staff_role(user, clinic_id):
    if user is None:
        return None
    membership = Membership.objects.filter(user=user, clinic_id=clinic_id, is_active=True).first()
    return membership.role if membership else None


@transaction.atomic
def do_review_signal(actor, signal, *, version=None) -> Signal:
    """Mark `signal` reviewed by a clinician or clinic admin, with the plan version that
    answered it when there is one (an adjustment made from the signal)."""
    if _staff_role(actor.user, signal.clinic_id) not in CLINICAL_ROLES:
        raise PermissionDenied("Only a clinician or a clinic admin can review signals.")
    signal = Signal.objects.select_for_update().get(pk=signal.pk)
    if version is not None and signal.plan_id not in (None, version.plan_id):
        raise ValidationError({"version": "That version belongs to another plan."})
    if signal.status == SignalStatus.REVIEWED and (
        version is None or signal.resolved_by_version_id is not None
    ):
        raise ValidationError("This signal has already been reviewed.")
    signal.status = SignalStatus.REVIEWED
    if signal.reviewed_at is None:
        signal.reviewed_by = actor.user
        signal.reviewed_at = timezone.now()
    if version is not None:
        signal.resolved_by_version = version
        signal.plan_id = signal.plan_id or version.plan_id
    signal.save()
    record(
        Event.SIGNAL_REVIEWED,
        actor,
        patient=signal.patient,
        subject=signal,
        rule=signal.rule,
        version=version.number if version is not None else None,
    )
    return signal


# What the pages show --------------------------------------------------------------------------


def signal_reason(signal) -> str:
    """The adjustment reason prefilled from a signal: "Diary signal: <title> (dates)"."""
    rule = rules().get(signal.rule, {})
    dates = ", ".join(signal.dates)
    return f"Diary signal: {rule.get('title', signal.rule)} ({dates})"


def suggested_kind(signal) -> str | None:
    kinds = rules().get(signal.rule, {}).get("suggest_kinds") or []
    return kinds[0] if kinds else None


def signal_rows(signals) -> list[dict]:
    """Each signal with its rule and the diary lines behind it (date, dose taken, scores)."""
    signals = list(signals)
    wanted = {(s.patient_id, d) for s in signals for d in s.dates}
    patients = {p for p, _ in wanted}
    days = {datetime.date.fromisoformat(d) for _, d in wanted}
    entries = {}
    if wanted:
        for entry in DiaryEntry.objects.filter(patient_id__in=patients, date__in=days):
            entries[(entry.patient_id, entry.date.isoformat())] = entry
    rows = []
    for signal in signals:
        lines = []
        for day in signal.dates:
            entry = entries.get((signal.patient_id, day))
            if entry is None:
                continue
            lines.append(
                {
                    "date": entry.date,
                    "dose_taken": entry.dose_taken,
                    "scores": [(label, getattr(entry, name)) for name, label in SIDE_EFFECTS],
                }
            )
        rows.append({"signal": signal, "rule": rules().get(signal.rule, {}), "lines": lines})
    return rows


def plan_signals(plan) -> list[dict]:
    """The plan's open signals, for the plan page panel."""
    return signal_rows(
        Signal.objects.filter(plan=plan, status=SignalStatus.OPEN).select_related("patient")
    )


# The plan's adjust page (?signal=<id>) ---------------------------------------------------------


def signal_for_adjust(request, plan):
    """The signal an adjustment answers (?signal=<id>, or the hidden field on POST), if it
    is one of this plan's patient's signals on this plan (or on no plan); None otherwise."""
    value = request.POST.get("signal") if request.method == "POST" else request.GET.get("signal")
    try:
        pk = int(value) if value else None
    except (TypeError, ValueError):
        return None
    if pk is None:
        return None
    return (
        Signal.objects.filter(pk=pk, clinic_id=plan.clinic_id, patient_id=plan.patient_id)
        .filter(models.Q(plan=plan) | models.Q(plan__isnull=True))
        .select_related("patient")
        .first()
    )


def adjust_initial(signal, options, kind=None) -> dict:
    """The adjust form's prefill from a signal: source side effect, the reason, and the
    rule's first suggested kind the plan offers (unless ?kind= chose one)."""
    initial = {"source": "side_effect", "reason": signal_reason(signal)}
    offered = {o["kind"]: o for o in options}
    if not kind or kind not in offered:
        for suggested in rules().get(signal.rule, {}).get("suggest_kinds") or []:
            if suggested in offered:
                initial["kind"] = suggested
                initial["days"] = offered[suggested].get("default_days")
                break
    return initial
