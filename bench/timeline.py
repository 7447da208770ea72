"""The progress timeline (the issue's target: under 200 ms with a fixed number of queries).

Builds a throw-away SQLite (or $DATABASE_URL) database with one patient who has two years
of daily diary, 50 assessments, 100 photos (rows only: thumbnails are separate requests),
an LDN plan paused and resumed once, and 24 sessions; then renders the chart's timeline
page with the test client N times, by default range (two years, weekly diary means) and
for the last 3 months (daily points). Prints the median and p95 ms and the queries per
request, and baselines measured in the same run: the same patient's overview page and
the timeline of a patient with no data, with the ratios.

    .venv/bin/python bench/timeline.py [--requests 50] [--profile]
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnclinic.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["LDN_VAR_DIR"] = tempfile.mkdtemp(prefix="ldn-bench-")

DAYS = 730
ASSESSMENTS = 50
PHOTOS = 100
SESSIONS = 24
TARGET_MS = 200


def make_plan(patient, start, protocol_version, user):
    """A two-year standard plan, paused for ten days in its second month."""
    from ldnclinic.plans.models import Plan, PlanStatus, PlanVersion, VersionKind
    from ldnclinic.plans.params import check_params

    params = {
        "scheme": {
            "start_mg": "1.5",
            "step_mg": "1.5",
            "interval_days": 7,
            "target_mg": "4.5",
            "max_mg": "4.5",
            "timing": "bedtime",
        },
        "scheme_code": "standard",
        "start_date": start.isoformat(),
        "duration_days": DAYS,
        "formulation": {"type": "liquid", "concentration_mg_per_ml": "1", "preserved": False},
        "adjuncts": [],
    }
    pause = start + datetime.timedelta(days=40)
    adjustments = [
        {"kind": "pause", "effective_date": pause.isoformat(), "reason": "surgery"},
        {
            "kind": "resume",
            "effective_date": (pause + datetime.timedelta(days=10)).isoformat(),
            "reason": "healed",
        },
    ]
    plan = Plan.objects.create(
        clinic=patient.clinic,
        patient=patient,
        condition_slug="psoriasis",
        condition_name="Psoriasis",
        protocol_version=protocol_version,
        status=PlanStatus.ACTIVE,
        created_by=user,
    )
    for number, kind, adjusted in (
        (1, VersionKind.CREATED, []),
        (2, VersionKind.PAUSED, adjustments[:1]),
        (3, VersionKind.RESUMED, adjustments),
    ):
        checked = check_params(params, adjusted)
        PlanVersion.objects.create(
            plan=plan,
            number=number,
            kind=kind,
            params=checked.params,
            adjustments=adjusted,
            steps=checked.calendar.to_list(),
            effective_from=start,
        )
    return plan


def build(with_photos):
    from django.core.management import call_command
    from django.utils import timezone

    from ldnclinic.accounts.models import Clinic, Membership, Role, User
    from ldnclinic.diary.models import DiaryEntry
    from ldnclinic.outcomes.models import Assessment
    from ldnclinic.patients.models import Patient
    from ldnclinic.photos.models import ClinicalPhoto
    from ldnclinic.protocols.models import Protocol, ProtocolVersion
    from ldnclinic.scheduling.models import Appointment, Service

    call_command("migrate", verbosity=0)
    stamp = time.time_ns()
    clinic = Clinic.objects.create(
        name="Bench Clinic", slug=f"bench-{stamp}", time_zone="America/New_York"
    )
    user = User.objects.create_user(f"bench{stamp}@bench.test", "bench-password-1")
    membership = Membership.objects.create(user=user, clinic=clinic, role=Role.CLINICIAN)
    # Bulk inserts build the fixture only; the app writes these rows through its actions.
    patient, empty = Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            mrn=f"B-{n}",
            given_name=name,
            family_name="Bench",
            date_of_birth=datetime.date(1980, 1, 1),
        )
        for n, name in enumerate(("Rich", "Empty"))
    )
    protocol = Protocol.objects.create(clinic=clinic, code="bench", condition_slug="psoriasis")
    version = ProtocolVersion.objects.create(
        protocol=protocol, number=1, data={"name": "Bench", "condition": {"slug": "psoriasis"}}
    )
    today = timezone.localdate(timezone.now(), clinic.tz)
    start = today - datetime.timedelta(days=DAYS - 1)
    plan = make_plan(patient, start, version, user)
    rng = random.Random(6)
    DiaryEntry.objects.bulk_create(
        DiaryEntry(
            clinic=clinic,
            patient=patient,
            plan=plan,
            date=start + datetime.timedelta(days=n),
            dose_taken=rng.random() > 0.05,
            itch_nrs=max(0, min(10, 8 - n // 90 + rng.randint(-1, 1))),
            sleep_quality=max(0, min(10, 3 + n // 100 + rng.randint(-1, 1))),
        )
        for n in range(DAYS)
    )
    codes = ("PASI", "DLQI", "ITCH_NRS", "IGA", "BSA")
    Assessment.objects.bulk_create(
        Assessment(
            clinic=clinic,
            patient=patient,
            plan=plan,
            instrument=codes[n % len(codes)],
            items={},
            total=Decimal(max(0, 20 - n // 3)) if codes[n % len(codes)] != "IGA" else 3,
            band="moderate",
            assessed_at=timezone.now() - datetime.timedelta(days=DAYS - 1 - n * 14),
            source="clinician",
            recorded_by=user,
        )
        for n in range(ASSESSMENTS)
    )
    if with_photos:
        ClinicalPhoto.objects.bulk_create(
            ClinicalPhoto(
                clinic=clinic,
                patient=patient,
                plan=plan,
                body_site=("left_forearm", "upper_back", "scalp", "right_knee")[n % 4],
                view="front",
                taken_at=timezone.now() - datetime.timedelta(days=DAYS - 1 - n * 7),
                file_path=f"bench/{n}.jpg",
                thumb_path=f"bench/{n}-thumb.jpg",
                sha256="0" * 64,
                content_type="image/jpeg",
                width=1200,
                height=900,
                size_bytes=200_000,
                uploaded_by=user,
            )
            for n in range(PHOTOS)
        )
    service = Service.objects.create(
        clinic=clinic, name="Laser session", slug="laser", duration_minutes=30
    )
    sessions = []
    for n in range(SESSIONS):
        at = timezone.now() - datetime.timedelta(days=DAYS - 10 - n * 28)
        sessions.append(
            Appointment(
                clinic=clinic,
                patient=patient,
                service=service,
                practitioner=membership,
                start=at,
                end=at + datetime.timedelta(minutes=30),
                blocked_start=at,
                blocked_end=at + datetime.timedelta(minutes=30),
                status="fulfilled",
            )
        )
    Appointment.objects.bulk_create(sessions)
    return user, patient, empty


def measure(label, client, url, requests):
    from django.db import connection

    response = client.get(url)  # warm up caches and connections
    assert response.status_code == 200, (label, response.status_code)
    queries = []

    def count(execute, sql, *rest):
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (label, response.status_code)
    times.sort()
    return {
        "label": label,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[max(int(len(times) * 0.95) - 1, 0)] * 1000,
        "queries": len(queries),
        "kb": len(response.content) / 1024,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="cProfile the 2-year page")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    settings.ALLOWED_HOSTS = ["testserver"]
    try:
        reverse("photo_thumb", kwargs={"pk": 1})
        with_photos = True
    except NoReverseMatch:
        with_photos = False  # the photo views are not installed: no thumbnails to link
    user, patient, empty = build(with_photos)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    timeline = reverse("patient_timeline", args=[patient.pk])
    if args.profile:
        import cProfile
        import pstats

        client.get(timeline)
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [client.get(timeline) for _ in range(10)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    runs = [
        measure(
            "overview page (baseline)",
            client,
            reverse("patient_detail", args=[patient.pk]),
            args.requests,
        ),
        measure(
            "timeline, no data (baseline)",
            client,
            reverse("patient_timeline", args=[empty.pk]),
            args.requests,
        ),
        measure("timeline, 2 years (default)", client, timeline, args.requests),
        measure("timeline, last 3 months", client, f"{timeline}?range=3m", args.requests),
    ]
    base = runs[0]["median_ms"]
    vendor = django.db.connection.vendor
    print(
        f"timeline: {DAYS} diary days, {ASSESSMENTS} assessments, "
        f"{PHOTOS if with_photos else 0} photos, {SESSIONS} sessions; "
        f"{args.requests} requests each, {vendor}"
        + ("" if with_photos else " (photo views not installed: no photos)")
    )
    print(
        f"{'page':32} {'median ms':>10} {'p95 ms':>9} {'queries':>8} {'KiB':>7} {'x overview':>11}"
    )
    for run in runs:
        print(
            f"{run['label']:32} {run['median_ms']:10.1f} {run['p95_ms']:9.1f} "
            f"{run['queries']:8d} {run['kb']:7.0f} {run['median_ms'] / base:11.1f}"
        )
    worst = max(run["p95_ms"] for run in runs[2:])
    verdict = "under" if worst < TARGET_MS else "OVER"
    print(f"target: p95 {worst:.1f} ms is {verdict} {TARGET_MS} ms")


if __name__ == "__main__":
    main()
