"""Proposing a plan's session series: which day and time each in-clinic session should be.

Reads the database (services, the patient's appointments, one slot search per session
window) but writes nothing; the actions save what it returns. Timing follows the protocol
data (protocol_schema: session 1 on plan start + first_offset_days, session k+1 on session
k's actual date + interval_days, within target − tolerance_before_days .. target +
tolerance_after_days)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from ldnclinic.accounts.models import Membership
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.models import Appointment, Service

NO_SLOT = "No slot inside the window: book by hand."
NO_SERVICE = "The clinic offers no active service “{slug}”: add it in the scheduling settings."


@dataclass(frozen=True)
class Anchor:
    """Where the previous session of a series is (or was meant to be)."""

    date: dt.date
    practitioner_id: int | None = None
    start: dt.datetime | None = None


@dataclass
class Proposal:
    adjunct_code: str
    adjunct_name: str
    service: Service | None
    sequence: int
    target_date: dt.date
    earliest_date: dt.date
    latest_date: dt.date
    start: dt.datetime | None = None
    practitioner_id: int | None = None
    status: str = "proposed"
    note: str = ""

    @property
    def anchor(self) -> Anchor:
        if self.start is None:
            return Anchor(self.target_date)
        tz = self.service.clinic.tz
        return Anchor(self.start.astimezone(tz).date(), self.practitioner_id, self.start)


def session_adjuncts(params) -> list[dict]:
    """The plan's included adjuncts that are in-clinic sessions."""
    return [
        a
        for a in (params or {}).get("adjuncts", [])
        if a.get("kind") == "session" and a.get("included", a.get("default", False))
    ]


def adjunct_by_code(params, code) -> dict | None:
    return next((a for a in session_adjuncts(params) if a.get("code") == code), None)


def plan_start(params, default=None) -> dt.date:
    try:
        return dt.date.fromisoformat(params["start_date"])
    except (KeyError, TypeError, ValueError):
        if default is None:
            raise
        return default


def clinic_service(clinic, slug) -> Service | None:
    return (
        Service.objects.filter(clinic=clinic, slug=slug, is_active=True)
        .select_related("clinic", "resource")
        .prefetch_related(
            Prefetch("practitioners", queryset=Membership.objects.filter(is_active=True))
        )
        .first()
    )


def _int(adjunct, key, default=0) -> int:
    try:
        return max(int(adjunct.get(key, default) or 0), 0)
    except (TypeError, ValueError):
        return default


def window(adjunct, anchor: Anchor | None, start_date: dt.date, floor: dt.date | None):
    """(target, earliest, latest) for the session after `anchor` (the first if None).
    Nothing before `floor` (today, or a resume date) nor on the previous session's day."""
    if anchor is None:
        target = start_date + dt.timedelta(days=_int(adjunct, "first_offset_days"))
    else:
        target = anchor.date + dt.timedelta(days=max(_int(adjunct, "interval_days", 1), 1))
    lowest = floor
    if anchor is not None:
        after_previous = anchor.date + dt.timedelta(days=1)
        lowest = max(lowest, after_previous) if lowest else after_previous
    if lowest is not None and target < lowest:
        target = lowest
    earliest = target - dt.timedelta(days=_int(adjunct, "tolerance_before_days"))
    if lowest is not None:
        earliest = max(earliest, lowest)
    latest = target + dt.timedelta(days=_int(adjunct, "tolerance_after_days"))
    return target, earliest, latest


def horizon_note(service, latest_date, now) -> str:
    """Why no time yet when part of the window is past the service's booking horizon."""
    tz = service.clinic.tz
    window_end = dt.datetime.combine(latest_date + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    if window_end <= now + dt.timedelta(days=service.horizon_days):
        return ""
    opens = latest_date - dt.timedelta(days=service.horizon_days)
    return (
        f"Its window reaches past the {service.horizon_days}-day booking horizon: "
        f"confirm it from {opens:%-d %b %Y}."
    )


def _overlaps(slot, avoid):
    return any(slot.start < end and start < slot.end for start, end in avoid)


def pick_slot(
    service, earliest, latest, target, *, practitioner_id=None, like=None, now=None, avoid=()
):
    """The best free slot in the window: the target day, then the nearest day; the same
    practitioner; about the same time of day as `like` (an aware datetime). One search."""
    now = now or timezone.now()
    tz = service.clinic.tz
    found = [
        s for s in find_service_slots(service, earliest, latest, now=now) if not _overlaps(s, avoid)
    ]
    if not found:
        return None
    like_minutes = None
    if like is not None:
        local = like.astimezone(tz)
        like_minutes = local.hour * 60 + local.minute

    def score(slot):
        local = slot.start.astimezone(tz)
        minutes = local.hour * 60 + local.minute
        return (
            abs((local.date() - target).days),
            0 if practitioner_id in (None, slot.practitioner_id) else 1,
            abs(minutes - like_minutes) if like_minutes is not None else 0,
            slot.start,
        )

    return min(found, key=score)


def propose_one(
    adjunct,
    service,
    sequence,
    anchor,
    *,
    start_date,
    floor,
    now,
    avoid=(),
    before=None,
    practitioner_id=None,
) -> Proposal:
    """One session after `anchor`; `before`: a later fixed session's date to stay ahead of."""
    target, earliest, latest = window(adjunct, anchor, start_date, floor)
    if before is not None and earliest < before:
        latest = min(latest, before - dt.timedelta(days=1))
    proposal = Proposal(
        adjunct_code=adjunct["code"],
        adjunct_name=adjunct.get("name") or adjunct["code"],
        service=service,
        sequence=sequence,
        target_date=target,
        earliest_date=earliest,
        latest_date=max(latest, earliest),
    )
    if service is None:
        proposal.status = "unschedulable"
        proposal.note = NO_SERVICE.format(slug=adjunct.get("service_slug", ""))
        return proposal
    slot = pick_slot(
        service,
        proposal.earliest_date,
        proposal.latest_date,
        target,
        practitioner_id=anchor.practitioner_id if anchor else practitioner_id,
        like=anchor.start if anchor else None,
        now=now,
        avoid=avoid,
    )
    if slot is None:
        proposal.note = horizon_note(service, proposal.latest_date, now) or NO_SLOT
        return proposal
    proposal.start, proposal.practitioner_id = slot.start, slot.practitioner_id
    return proposal


def patient_busy(patient, now):
    """The patient's own appointments from now on, as (start, end): a proposal must not
    put them in two places at once."""
    return list(
        Appointment.objects.holding()
        .filter(patient=patient, end__gt=now)
        .values_list("blocked_start", "blocked_end")
    )


def propose_series(plan, version, *, from_date=None, now=None, kept=None) -> list[Proposal]:
    """Proposals for every session of the version's session adjuncts that is not already
    booked or done. `kept` maps (adjunct_code, sequence) to the Anchor of such a session
    (the caller reads them); `from_date` (a resume date) is the earliest day any new
    proposal may take."""
    now = now or timezone.now()
    kept = kept or {}
    params = version.params or {}
    start_date = plan_start(params, version.effective_from)
    today = now.astimezone(plan.clinic.tz).date()
    floor = max(from_date, today) if from_date else today
    avoid = patient_busy(plan.patient, now)
    proposals = []
    for adjunct in session_adjuncts(params):
        code = adjunct["code"]
        service = clinic_service(plan.clinic, adjunct.get("service_slug", ""))
        anchor = None
        count = _int(adjunct, "sessions", 1)
        for sequence in range(1, count + 1):
            if (code, sequence) in kept:
                anchor = kept[(code, sequence)]
                continue
            next_kept = next(
                (kept[(code, k)].date for k in range(sequence + 1, count + 1) if (code, k) in kept),
                None,
            )
            proposal = propose_one(
                adjunct,
                service,
                sequence,
                anchor,
                start_date=start_date,
                floor=floor,
                now=now,
                avoid=avoid,
                before=next_kept,
                practitioner_id=plan.clinician_id,
            )
            if proposal.start is not None:
                avoid.append((proposal.start, proposal.start + service.duration))
            proposals.append(proposal)
            anchor = proposal.anchor
    return proposals
