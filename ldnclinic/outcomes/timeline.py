"""The progress timeline's data: one patient's LDN dose (each plan's current version), the
procedure sessions, the instrument totals with their bands and response thresholds, the
diary's itch and sleep with missed doses, and the photos, for one date range.

A fixed number of queries whatever the amount of data (pinned in the tests): one for the
range's bounds, one for the plans' current versions, one each for appointments, proposed
sessions, assessments, diary entries and photos. Rows come as values(), not models.
Callers fetch the patient through the access gate; nothing here checks access.
"""

from __future__ import annotations

import dataclasses
import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ldnclinic.diary.models import DiaryEntry
from ldnclinic.outcomes.charts import Band, Threshold, day_text, num
from ldnclinic.outcomes.instruments import InstrumentInputError, UnknownInstrument, get_instrument
from ldnclinic.outcomes.instruments import compare as compare_totals
from ldnclinic.outcomes.models import Assessment, AssessmentStatus
from ldnclinic.patients.models import Patient
from ldnclinic.photos.body_sites import body_map
from ldnclinic.photos.models import ClinicalPhoto, PhotoStatus, PhotoView
from ldnclinic.plans.models import PlanStatus, PlanVersion
from ldnclinic.plans.titration import TIMING_WORDS
from ldnclinic.prescriptions.engine import stored_calendar
from ldnclinic.scheduling.models import Appointment, AppointmentStatus
from ldnclinic.series.models import PlanSession, SessionStatus

ONE_DAY = datetime.timedelta(days=1)
# Preset: (label, days back from today; None = everything).
PRESETS = {
    "3m": ("3 months", 91),
    "6m": ("6 months", 182),
    "1y": ("1 year", 365),
    "all": ("All", None),
}
LEAD_DAYS = 7  # the default range opens a week before the first data
NO_DATA_DAYS = 90
DAILY_MAX_DAYS = 120  # longer ranges show the diary as weekly means
MAX_RANGE_DAYS = 3660
SESSION_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.FULFILLED,
    AppointmentStatus.NOSHOW,
)
PROPOSED_SESSION_STATUSES = (SessionStatus.PROPOSED, SessionStatus.UNSCHEDULABLE)
EVENT_WORDS = {
    "pause": "Paused",
    "resume": "Resumed",
    "stop": "Stopped",
    "hold": "Dose held",
    "step_back": "Stepped back",
    "morning": "Moved to the morning",
    "bedtime": "Moved to bedtime",
}
# Adjustments drawn on the dose chart; the table lists them all.
CHART_EVENTS = ("pause", "resume", "stop")


@dataclass(frozen=True)
class DoseRow:
    start: datetime.date
    end: datetime.date
    dose_mg: Decimal | None  # None: a pause gap
    timing: str = ""

    @property
    def gap(self) -> bool:
        return self.dose_mg is None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def timing_words(self) -> str:
        return TIMING_WORDS.get(self.timing, self.timing)

    # Dates as text for the tables: Django's date filter is slow over hundreds of rows.
    @property
    def start_text(self) -> str:
        return day_text(self.start)

    @property
    def end_text(self) -> str:
        return day_text(self.end)


@dataclass(frozen=True)
class PlanEvent:
    day: datetime.date
    kind: str
    reason: str  # the clinician's words: staff pages only

    @property
    def label(self) -> str:
        return EVENT_WORDS.get(self.kind, self.kind)

    @property
    def day_text(self) -> str:
        return day_text(self.day)


@dataclass
class PlanTrack:
    plan_id: int
    name: str
    status: str
    status_label: str
    rows: list[DoseRow]  # dose steps and pause gaps, in date order, whole plan
    events: list[PlanEvent]

    @property
    def steps(self) -> list[DoseRow]:
        return [row for row in self.rows if not row.gap]


@dataclass(frozen=True)
class SessionMark:
    day: datetime.date
    name: str
    status: str
    done: bool

    @property
    def day_text(self) -> str:
        return day_text(self.day)


@dataclass(frozen=True)
class Score:
    day: datetime.date
    total: float
    band: str
    source: str
    percent_change: float | None = None
    reached: tuple[str, ...] = ()
    is_baseline: bool = False

    @property
    def total_text(self) -> str:
        return num(self.total)

    @property
    def change_text(self) -> str:
        if self.is_baseline:
            return "baseline"
        if self.percent_change is None:
            return "—"
        return f"{num(round(self.percent_change, 1))} %"

    @property
    def day_text(self) -> str:
        return day_text(self.day)


@dataclass
class InstrumentTrack:
    code: str
    name: str
    minimum: float
    maximum: float
    baseline: Score
    scores: list[Score]  # in the range
    bands: list[Band]
    thresholds: list[Threshold]  # relative to the baseline
    responses: list[str]  # the definitions that exist, e.g. PASI-50, PASI-75


@dataclass(frozen=True)
class DiaryRow:
    """A day (daily view) or a week from `start` (weekly means)."""

    start: datetime.date
    end: datetime.date
    itch: float | None
    sleep: float | None
    logged: int
    missed: int

    @property
    def itch_text(self) -> str:
        return "—" if self.itch is None else num(self.itch)

    @property
    def sleep_text(self) -> str:
        return "—" if self.sleep is None else num(self.sleep)

    # Dates as text for the tables: Django's date filter is slow over hundreds of rows.
    @property
    def start_text(self) -> str:
        return day_text(self.start)

    @property
    def end_text(self) -> str:
        return day_text(self.end)


@dataclass(frozen=True)
class PhotoItem:
    pk: int
    day: datetime.date
    body_site: str
    view: str

    @property
    def day_text(self) -> str:
        return day_text(self.day)


@dataclass
class Timeline:
    start: datetime.date
    end: datetime.date
    today: datetime.date
    preset: str
    weekly: bool
    plans: list[PlanTrack] = field(default_factory=list)
    sessions: list[SessionMark] = field(default_factory=list)
    instruments: list[InstrumentTrack] = field(default_factory=list)
    diary: list[DiaryRow] = field(default_factory=list)
    missed_days: list[datetime.date] = field(default_factory=list)
    photos: list[PhotoItem] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_empty(self) -> bool:
        return not (
            any(p.steps for p in self.plans)
            or self.sessions
            or self.instruments
            or any(row.logged for row in self.diary)
            or self.photos
        )


# -- the range ------------------------------------------------------------------------


def resolve_range(
    preset: str,
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    today: datetime.date,
    first: datetime.date | None,
    last: datetime.date | None,
) -> tuple[datetime.date, datetime.date]:
    """The dates a request asks for. Default: a week before the first data (or plan
    start) to today; "all" also runs to the last planned date; presets count back from
    today; explicit dates win over both."""
    default_start = first - LEAD_DAYS * ONE_DAY if first else today - NO_DATA_DAYS * ONE_DAY
    default_start = min(default_start, today)
    if preset in PRESETS and PRESETS[preset][1] is not None:
        range_start, range_end = today - PRESETS[preset][1] * ONE_DAY, today
    elif preset == "all":
        range_start, range_end = default_start, max(today, last or today)
    else:
        range_start, range_end = default_start, today
    range_start = start or range_start
    range_end = end or range_end
    if range_end < range_start:
        range_end = range_start
    return range_start, range_end


def _aware(day: datetime.date, tz) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def _first(queryset, name, *, last=False):
    order = f"-{name}" if last else name
    return Subquery(queryset.filter(patient=OuterRef("pk")).order_by(order).values(name)[:1])


def _bounds(patient, tz):
    """(first, last) dates with any data, in one query."""
    appointments = Appointment.objects.filter(status__in=SESSION_STATUSES)
    row = (
        Patient.objects.filter(pk=patient.pk)
        .values(
            diary=_first(DiaryEntry.objects.all(), "date"),
            assessment=_first(
                Assessment.objects.filter(status=AssessmentStatus.FINAL), "assessed_at"
            ),
            photo=_first(ClinicalPhoto.objects.filter(status=PhotoStatus.ACTIVE), "taken_at"),
            appointment=_first(appointments, "start"),
            last_appointment=_first(appointments, "start", last=True),
        )
        .get()
    )
    firsts = [
        value
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
        else timezone.localdate(value, tz)
        for key, value in row.items()
        if value is not None and key != "last_appointment"
    ]
    last = row["last_appointment"]
    return (min(firsts) if firsts else None), (timezone.localdate(last, tz) if last else None)


# -- the panels -------------------------------------------------------------------------


def _plan_tracks(patient) -> list[PlanTrack]:
    latest = PlanVersion.objects.filter(plan=OuterRef("plan")).order_by("-number").values("number")
    versions = (
        PlanVersion.objects.filter(plan__patient=patient, number=Subquery(latest[:1]))
        .exclude(plan__status=PlanStatus.DRAFT)
        .select_related("plan")
        .order_by("plan__created_at", "plan_id")
    )
    tracks = []
    for version in versions:
        calendar = stored_calendar(version)
        rows: list[DoseRow] = []
        for step in calendar.steps:
            if rows and step.start_date > rows[-1].end + ONE_DAY:
                rows.append(DoseRow(rows[-1].end + ONE_DAY, step.start_date - ONE_DAY, None))
            rows.append(DoseRow(step.start_date, step.end_date, step.dose_mg, step.timing))
        events = []
        for adjustment in version.adjustments or []:
            try:
                day = datetime.date.fromisoformat(adjustment.get("effective_date", ""))
            except (TypeError, ValueError, AttributeError):
                continue
            events.append(PlanEvent(day, adjustment.get("kind", ""), adjustment.get("reason", "")))
        plan = version.plan
        tracks.append(
            PlanTrack(
                plan.pk, plan.condition_name, plan.status, plan.get_status_display(), rows, events
            )
        )
    return tracks


def _sessions(patient, start, end, tz) -> list[SessionMark]:
    appointments = (
        Appointment.objects.filter(
            patient=patient,
            status__in=SESSION_STATUSES,
            start__gte=_aware(start, tz),
            start__lt=_aware(end + ONE_DAY, tz),
        )
        .order_by("start", "id")
        .values("start", "status", "service__name")
    )
    labels = dict(AppointmentStatus.choices)
    marks = [
        SessionMark(
            timezone.localdate(row["start"], tz),
            row["service__name"],
            labels.get(row["status"], row["status"]),
            row["status"] == AppointmentStatus.FULFILLED,
        )
        for row in appointments
    ]
    proposed = (
        PlanSession.objects.filter(
            patient=patient,
            appointment__isnull=True,
            status__in=PROPOSED_SESSION_STATUSES,
            target_date__range=(start, end),
        )
        .order_by("target_date", "id")
        .values("target_date", "adjunct_name", "service__name")
    )
    marks += [
        SessionMark(
            row["target_date"], row["service__name"] or row["adjunct_name"], "Proposed", False
        )
        for row in proposed
    ]
    marks.sort(key=lambda mark: (mark.day, mark.name))
    return marks


def _bands(instrument) -> list[Band]:
    bands = []
    low = instrument.minimum
    for label, bound, _inclusive in instrument.bands:
        if label:
            bands.append(Band(low, bound, label))
        low = bound
    return bands


def _thresholds(instrument, baseline: float) -> list[Threshold]:
    """Each response definition as a total to reach, relative to the baseline: PASI-75 at
    25 % of the baseline, a 4-point fall at baseline − 4, IGA 0/1 at 1. Definitions on
    components (oSCORAD, HiSCR) have no line on the total."""
    out = []
    for response in instrument.data.get("responses", []):
        if response.get("component"):
            continue
        kind, value = response["kind"], response.get("value")
        if kind == "percent_reduction" and baseline > 0:
            target = round(baseline * (100 - value) / 100, 2)
        elif kind == "points_reduction":
            target = round(baseline - value, 2)
        elif kind == "at_most":
            target = value
        else:
            continue
        if target >= instrument.minimum:
            out.append(Threshold(target, f"{response['label']} (≤ {num(target)})"))
    return out


def _score(instrument, code, row, tz, baseline_total) -> Score:
    total = float(row["total"])
    percent, reached = None, ()
    if instrument is not None and baseline_total is not None:
        try:
            result = compare_totals(code, baseline_total, total)
        except InstrumentInputError:
            pass
        else:
            percent, reached = result["percent_change"], tuple(result["reached"])
    return Score(
        timezone.localdate(row["assessed_at"], tz),
        total,
        row["band"],
        row["source"],
        percent,
        reached,
    )


def _instruments(patient, start, end, tz) -> list[InstrumentTrack]:
    """Final assessments only; the baseline is each instrument's first ever, even before
    the range, so thresholds and responses stay put when the range moves."""
    rows = (
        Assessment.objects.filter(patient=patient, status=AssessmentStatus.FINAL)
        .order_by("assessed_at", "id")
        .values("instrument", "total", "band", "assessed_at", "source")
    )
    by_code = defaultdict(list)
    for row in rows:
        by_code[row["instrument"]].append(row)
    tracks = []
    for code, items in by_code.items():
        try:
            instrument = get_instrument(code)
        except UnknownInstrument:
            instrument = None
        baseline = _score(instrument, code, items[0], tz, None)
        scores = [_score(instrument, code, row, tz, baseline.total) for row in items]
        scores[0] = dataclasses.replace(scores[0], is_baseline=True)
        scores = [s for s in scores if start <= s.day <= end]
        if instrument is None:
            name, low, high, bands, thresholds, responses = code, 0.0, None, [], [], []
        else:
            name, low, high = instrument.name, instrument.minimum, instrument.maximum
            bands = _bands(instrument)
            thresholds = _thresholds(instrument, baseline.total)
            responses = [r["label"] for r in instrument.data.get("responses", [])]
        if high is None:
            high = max(s.total for s in [baseline, *scores])
        tracks.append(
            InstrumentTrack(code, name, low, high, baseline, scores, bands, thresholds, responses)
        )
    tracks.sort(key=lambda track: track.name.lower())
    return tracks


def _planned_days(plans: list[PlanTrack], start, end) -> set[datetime.date]:
    days = set()
    for plan in plans:
        for row in plan.steps:
            day = max(row.start, start)
            while day <= min(row.end, end):
                days.add(day)
                day += ONE_DAY
    return days


def _diary(patient, plans, start, end, today, weekly):
    """Rows (days or weeks) and the missed days: a planned dose (any non-draft plan's
    current version) with no entry or said not taken, before today (today only when
    said not taken), as on the diary tab."""
    entries = {
        row["date"]: row
        for row in DiaryEntry.objects.filter(patient=patient, date__range=(start, end)).values(
            "date", "itch_nrs", "sleep_quality", "dose_taken"
        )
    }
    planned = _planned_days(plans, start, min(end, today))
    missed = sorted(
        day
        for day in planned
        if (day < today and day not in entries) or entries.get(day, {}).get("dose_taken") is False
    )
    missed_set = set(missed)
    if not weekly:
        days = sorted(set(entries) | missed_set)
        rows = [
            DiaryRow(
                day,
                day,
                entries.get(day, {}).get("itch_nrs"),
                entries.get(day, {}).get("sleep_quality"),
                int(day in entries),
                int(day in missed_set),
            )
            for day in days
        ]
        return rows, missed
    weeks = defaultdict(lambda: {"itch": [], "sleep": [], "logged": 0, "missed": 0})
    for day, row in entries.items():
        week = weeks[day - day.weekday() * ONE_DAY]
        week["logged"] += 1
        if row["itch_nrs"] is not None:
            week["itch"].append(row["itch_nrs"])
        if row["sleep_quality"] is not None:
            week["sleep"].append(row["sleep_quality"])
    for day in missed:
        weeks[day - day.weekday() * ONE_DAY]["missed"] += 1
    rows = [
        DiaryRow(
            monday,
            min(monday + 6 * ONE_DAY, end),
            round(statistics.fmean(week["itch"]), 1) if week["itch"] else None,
            round(statistics.fmean(week["sleep"]), 1) if week["sleep"] else None,
            week["logged"],
            week["missed"],
        )
        for monday, week in sorted(weeks.items())
    ]
    return rows, missed


def _site_label(sites, code: str) -> str:
    region = sites.get(code)
    return region.label if region else code.replace("_", " ").capitalize()


def _photos(patient, start, end, tz) -> list[PhotoItem]:
    views = dict(PhotoView.choices)
    sites = body_map()
    rows = (
        ClinicalPhoto.objects.filter(
            patient=patient,
            status=PhotoStatus.ACTIVE,
            taken_at__gte=_aware(start, tz),
            taken_at__lt=_aware(end + ONE_DAY, tz),
        )
        .order_by("taken_at", "id")
        .values("pk", "taken_at", "body_site", "view")
    )
    return [
        PhotoItem(
            row["pk"],
            timezone.localdate(row["taken_at"], tz),
            _site_label(sites, row["body_site"]),
            views.get(row["view"], row["view"]),
        )
        for row in rows
    ]


def build_timeline(
    patient,
    *,
    preset: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Timeline:
    tz = patient.clinic.tz
    today = today or timezone.localdate(timezone.now(), tz)
    plans = _plan_tracks(patient)
    first, last = _bounds(patient, tz)
    plan_firsts = [plan.rows[0].start for plan in plans if plan.rows]
    plan_lasts = [plan.rows[-1].end for plan in plans if plan.rows]
    first = min([d for d in (first, *plan_firsts) if d is not None], default=None)
    last = max([d for d in (last, *plan_lasts) if d is not None], default=None)
    start, end = resolve_range(preset, start, end, today=today, first=first, last=last)
    weekly = (end - start).days + 1 > DAILY_MAX_DAYS
    diary, missed = _diary(patient, plans, start, end, today, weekly)
    return Timeline(
        start=start,
        end=end,
        today=today,
        preset=preset if preset in PRESETS else "",
        weekly=weekly,
        plans=plans,
        sessions=_sessions(patient, start, end, tz),
        instruments=_instruments(patient, start, end, tz),
        diary=diary,
        missed_days=missed,
        photos=_photos(patient, start, end, tz),
    )
