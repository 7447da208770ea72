"""Timeline assembly: dose steps from each plan's current version with pauses and stops,
sessions, instrument bands and thresholds relative to the baseline, the diary daily or
weekly with missed doses, photos, and the date range. The page tests import the makers."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from ldnclinic.accounts.models import Membership
from ldnclinic.diary.models import DiaryEntry
from ldnclinic.outcomes.models import Assessment
from ldnclinic.outcomes.timeline import build_timeline, resolve_range
from ldnclinic.photos.models import ClinicalPhoto
from ldnclinic.plans.models import PlanStatus, VersionKind
from ldnclinic.prescriptions.tests.factories import add_version, make_plan
from ldnclinic.scheduling.models import Appointment, Service
from ldnclinic.series.models import PlanSession

# 15:00 UTC is 10:00 or 11:00 in New York (clinic X); the plan (1.5 → 3 → 4.5 mg weekly,
# 84 days) starts on 2 March 2026.
NOW = dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 1)
PLAN_START = dt.date(2026, 3, 2)
PAUSE = {"kind": "pause", "effective_date": "2026-03-20", "reason": "surgery"}
RESUME = {"kind": "resume", "effective_date": "2026-03-30", "reason": "healed"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour=15):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def assess(patient, code, total, day, *, band="", status="final", source="clinician"):
    return Assessment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        instrument=code,
        items={},
        total=Decimal(str(total)),
        band=band,
        assessed_at=at(day),
        source=source,
        status=status,
    )


def photo(patient, day, *, site="left_forearm", status="active"):
    return ClinicalPhoto.objects.create(
        clinic=patient.clinic,
        patient=patient,
        body_site=site,
        view="front",
        taken_at=at(day),
        file_path="x.jpg",
        thumb_path="x-thumb.jpg",
        sha256="0" * 64,
        content_type="image/jpeg",
        width=10,
        height=10,
        size_bytes=100,
        status=status,
    )


def diary(patient, day, *, itch=None, sleep=None, taken=True):
    return DiaryEntry.objects.create(
        clinic=patient.clinic,
        patient=patient,
        date=day,
        itch_nrs=itch,
        sleep_quality=sleep,
        dose_taken=taken,
    )


def service_for(clinic, name="Laser session"):
    service, _ = Service.objects.get_or_create(
        clinic=clinic,
        slug=name.lower().replace(" ", "-"),
        defaults={"name": name, "duration_minutes": 30},
    )
    return service


def appointment(patient, day, *, service=None, status="fulfilled"):
    service = service or service_for(patient.clinic)
    practitioner = Membership.objects.filter(clinic=patient.clinic).first()
    start = at(day)
    return Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        service=service,
        practitioner=practitioner,
        start=start,
        end=start + dt.timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=30),
        status=status,
    )


def paused_plan(patient):
    plan = make_plan(patient, start=PLAN_START)
    add_version(plan, adjustments=[PAUSE], kind=VersionKind.PAUSED)
    add_version(plan, adjustments=[PAUSE, RESUME], kind=VersionKind.RESUMED)
    return plan


# -- the range --------------------------------------------------------------------------


def test_the_default_range_opens_a_week_before_the_first_data_and_ends_today():
    first = dt.date(2026, 3, 2)
    assert resolve_range("", None, None, today=TODAY, first=first, last=None) == (
        dt.date(2026, 2, 23),
        TODAY,
    )


def test_without_data_the_default_is_the_last_90_days():
    assert resolve_range("", None, None, today=TODAY, first=None, last=None) == (
        TODAY - dt.timedelta(days=90),
        TODAY,
    )


def test_presets_count_back_from_today_and_all_runs_to_the_last_planned_date():
    first, last = dt.date(2024, 1, 10), dt.date(2026, 9, 1)
    kwargs = {"today": TODAY, "first": first, "last": last}
    assert resolve_range("3m", None, None, **kwargs)[0] == TODAY - dt.timedelta(days=91)
    assert resolve_range("1y", None, None, **kwargs) == (TODAY - dt.timedelta(days=365), TODAY)
    assert resolve_range("all", None, None, **kwargs) == (dt.date(2024, 1, 3), last)
    explicit = resolve_range("1y", dt.date(2026, 1, 1), dt.date(2026, 2, 1), **kwargs)
    assert explicit == (dt.date(2026, 1, 1), dt.date(2026, 2, 1))


# -- the dose ---------------------------------------------------------------------------


def test_dose_steps_come_from_the_current_version_with_the_pause_as_a_gap(patient_a):
    paused_plan(patient_a)
    timeline = build_timeline(patient_a)
    (plan,) = timeline.plans
    rows = [(r.start, r.end, r.dose_mg) for r in plan.rows]
    assert rows == [
        (dt.date(2026, 3, 2), dt.date(2026, 3, 8), Decimal("1.5")),
        (dt.date(2026, 3, 9), dt.date(2026, 3, 15), Decimal("3")),
        (dt.date(2026, 3, 16), dt.date(2026, 3, 19), Decimal("4.5")),
        (dt.date(2026, 3, 20), dt.date(2026, 3, 29), None),  # the pause
        (dt.date(2026, 3, 30), dt.date(2026, 6, 3), Decimal("4.5")),
    ]
    assert [(e.day, e.label, e.reason) for e in plan.events] == [
        (dt.date(2026, 3, 20), "Paused", "surgery"),
        (dt.date(2026, 3, 30), "Resumed", "healed"),
    ]
    # The default range starts a week before the plan.
    assert timeline.start == dt.date(2026, 2, 23) and timeline.end == TODAY


def test_a_stopped_plan_ends_at_the_stop_and_a_draft_is_not_shown(patient_a):
    plan = make_plan(patient_a, start=PLAN_START)
    stop = {"kind": "stop", "effective_date": "2026-04-20", "reason": "rash"}
    add_version(plan, adjustments=[stop], kind=VersionKind.STOPPED)
    plan.status = PlanStatus.STOPPED
    plan.save()
    make_plan(patient_a, status=PlanStatus.DRAFT, start=dt.date(2026, 5, 1))
    (track,) = build_timeline(patient_a).plans
    assert track.status_label == "Stopped"
    assert track.rows[-1].end == dt.date(2026, 4, 19)
    assert [e.label for e in track.events] == ["Stopped"]


# -- sessions ---------------------------------------------------------------------------


def test_sessions_are_appointments_and_unbooked_proposals_in_the_range(patient_a, users):
    appointment(patient_a, dt.date(2026, 4, 1))
    appointment(patient_a, dt.date(2026, 5, 1), status="booked")
    appointment(patient_a, dt.date(2026, 5, 2), status="cancelled")
    appointment(patient_a, dt.date(2025, 1, 2))  # long before the range
    plan = make_plan(patient_a, start=PLAN_START)
    PlanSession.objects.create(
        clinic=patient_a.clinic,
        patient=patient_a,
        plan=plan,
        adjunct_code="led",
        adjunct_name="LED light",
        sequence=1,
        target_date=dt.date(2026, 5, 20),
        earliest_date=dt.date(2026, 5, 18),
        latest_date=dt.date(2026, 5, 22),
    )
    timeline = build_timeline(patient_a, preset="6m")
    assert [(s.day, s.name, s.status, s.done) for s in timeline.sessions] == [
        (dt.date(2026, 4, 1), "Laser session", "Completed", True),
        (dt.date(2026, 5, 1), "Laser session", "Booked", False),
        (dt.date(2026, 5, 20), "LED light", "Proposed", False),
    ]


# -- instruments ------------------------------------------------------------------------


def test_thresholds_sit_relative_to_the_baseline_and_bands_come_from_the_library(patient_a):
    assess(patient_a, "PASI", 20, dt.date(2026, 3, 2), band="severe")
    assess(patient_a, "PASI", 9, dt.date(2026, 4, 2), band="moderate")
    assess(patient_a, "PASI", 4, dt.date(2026, 5, 2), band="mild")
    assess(patient_a, "PASI", 1, dt.date(2026, 5, 10), status="entered_in_error")
    (track,) = build_timeline(patient_a).instruments
    assert track.code == "PASI" and track.baseline.total == 20
    assert {t.label: t.value for t in track.thresholds} == {
        "PASI-50 (≤ 10)": 10,
        "PASI-75 (≤ 5)": 5,
        "PASI-90 (≤ 2)": 2,
        "PASI-100 (≤ 0)": 0,
    }
    assert [(b.low, b.high, b.label) for b in track.bands] == [
        (0, 7, "mild"),
        (7, 15, "moderate"),
        (15, 72, "severe"),
    ]
    assert [(s.total, s.percent_change, s.reached) for s in track.scores] == [
        (20, 0.0, ()),
        (9, -55.0, ("PASI-50",)),
        (4, -80.0, ("PASI-50", "PASI-75")),
    ]


def test_the_baseline_stays_put_when_the_range_starts_later(patient_a):
    assess(patient_a, "PASI", 20, dt.date(2025, 1, 2))
    assess(patient_a, "PASI", 8, dt.date(2026, 5, 2))
    (track,) = build_timeline(patient_a, preset="3m").instruments
    assert track.baseline.total == 20 and track.baseline.day == dt.date(2025, 1, 2)
    assert [s.total for s in track.scores] == [8]
    assert track.scores[0].reached == ("PASI-50",)


def test_points_and_absolute_thresholds(patient_a):
    assess(patient_a, "PEAK_PRURITUS_NRS", 8, dt.date(2026, 4, 1))
    assess(patient_a, "IGA", 3, dt.date(2026, 4, 1), band="moderate")
    tracks = {t.code: t for t in build_timeline(patient_a).instruments}
    assert [t.value for t in tracks["PEAK_PRURITUS_NRS"].thresholds] == [4]
    assert [t.label for t in tracks["IGA"].thresholds] == ["IGA 0/1 (≤ 1)"]


def test_an_unknown_instrument_code_is_shown_without_bands(patient_a):
    assess(patient_a, "LOCAL_SCORE", 12, dt.date(2026, 4, 1))
    (track,) = build_timeline(patient_a).instruments
    assert (track.name, track.bands, track.thresholds, track.maximum) == ("LOCAL_SCORE", [], [], 12)


# -- the diary --------------------------------------------------------------------------


def test_a_short_range_shows_days_with_missed_doses(patient_a):
    make_plan(patient_a, start=dt.date(2026, 5, 25))
    diary(patient_a, dt.date(2026, 5, 25), itch=7, sleep=4)
    diary(patient_a, dt.date(2026, 5, 26), itch=6, sleep=5, taken=False)
    diary(patient_a, dt.date(2026, 5, 28), itch=5, sleep=6)
    diary(patient_a, dt.date(2026, 5, 29), itch=4, sleep=6)
    diary(patient_a, dt.date(2026, 5, 30), itch=4, sleep=7)
    diary(patient_a, dt.date(2026, 5, 31), itch=3, sleep=7)
    timeline = build_timeline(patient_a, start=dt.date(2026, 5, 20))
    assert not timeline.weekly
    # Said not taken on the 26th; no entry on the 27th; today (1 June) is not yet missed.
    assert timeline.missed_days == [dt.date(2026, 5, 26), dt.date(2026, 5, 27)]
    assert [(r.start, r.itch, r.missed) for r in timeline.diary][:3] == [
        (dt.date(2026, 5, 25), 7, 0),
        (dt.date(2026, 5, 26), 6, 1),
        (dt.date(2026, 5, 27), None, 1),
    ]


def test_a_long_range_shows_weekly_means(patient_a):
    monday = dt.date(2026, 1, 5)
    for n, itch in enumerate([8, 6, 7, None]):
        diary(patient_a, monday + dt.timedelta(days=n), itch=itch, sleep=5)
    diary(patient_a, monday + dt.timedelta(days=7), itch=2, sleep=8)
    timeline = build_timeline(patient_a, preset="1y")
    assert timeline.weekly
    first, second = timeline.diary
    assert (first.start, first.itch, first.sleep, first.logged) == (monday, 7.0, 5.0, 4)
    assert (second.start, second.itch, second.logged) == (monday + dt.timedelta(days=7), 2.0, 1)


# -- photos -----------------------------------------------------------------------------


def test_active_photos_in_the_range_in_date_order(patient_a, patient_b):
    later = photo(patient_a, dt.date(2026, 5, 1), site="neck_front")
    earlier = photo(patient_a, dt.date(2026, 4, 1))
    photo(patient_a, dt.date(2026, 4, 15), status="entered_in_error")
    photo(patient_b, dt.date(2026, 4, 15))
    timeline = build_timeline(patient_a, preset="3m")
    assert [(p.pk, p.body_site, p.view) for p in timeline.photos] == [
        (earlier.pk, "Left forearm", "Front"),  # not on the map: the code, readable
        (later.pk, "Neck (front)", "Front"),  # the body map's label
    ]


def test_nothing_from_another_patient_is_assembled(patient_a, patient_b):
    paused_plan(patient_b)
    assess(patient_b, "PASI", 20, dt.date(2026, 3, 2))
    diary(patient_b, dt.date(2026, 5, 1), itch=5)
    appointment(patient_b, dt.date(2026, 5, 1))
    timeline = build_timeline(patient_a, preset="1y")
    assert timeline.is_empty
    assert (timeline.plans, timeline.instruments, timeline.sessions) == ([], [], [])
