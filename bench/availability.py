"""Slot search: one service over 8 weeks for 10 practitioners with 5,000 appointments.

Prints the median and p95 time per search through the public API, the SQL queries per
search, and the ratio to a trivial request (/healthz) measured in the same run.

    .venv/bin/python bench/availability.py [--searches 50]
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnclinic.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["LDN_VAR_DIR"] = tempfile.mkdtemp(prefix="ldn-bench-")

PRACTITIONERS = 10
APPOINTMENTS = 5000
FIRST_DAY = dt.date(2027, 1, 4)  # a Monday
DAYS = 56


def build():
    from django.core.management import call_command

    from ldnclinic.accounts.models import Clinic, Location, Membership, Role, User
    from ldnclinic.audit.log import Actor
    from ldnclinic.patients.actions import do_create_patient
    from ldnclinic.scheduling.models import Appointment, Service, WorkingHours

    call_command("migrate", verbosity=0)
    stamp = time.time_ns()
    clinic = Clinic.objects.create(name="Bench", slug=f"bench-{stamp}")
    location = Location.objects.create(clinic=clinic, name="Main")
    service = Service.objects.create(
        clinic=clinic,
        name="Consult",
        slug=f"consult-{stamp}",
        duration_minutes=30,
        buffer_after_minutes=10,
        min_notice_hours=0,
        horizon_days=365,
    )
    patient = do_create_patient(
        Actor.system(),
        clinic,
        given_name="Bench",
        family_name="Patient",
        date_of_birth=dt.date(1980, 1, 1),
    )
    members = []
    for i in range(PRACTITIONERS):
        user = User.objects.create_user(f"p{i}-{stamp}@bench.test", "bench-password-1")
        members.append(Membership.objects.create(user=user, clinic=clinic, role=Role.CLINICIAN))
    service.practitioners.set(members)
    WorkingHours.objects.bulk_create(
        WorkingHours(
            practitioner=m, location=location, weekday=d, start=dt.time(8), end=dt.time(18)
        )
        for m in members
        for d in range(5)
    )
    tz = clinic.tz
    # Bulk insert builds the fixture only; the app books through actions.
    rows = []
    day = FIRST_DAY
    while len(rows) < APPOINTMENTS:
        if day.weekday() < 5:
            for member in members:
                for k in range(13):
                    if len(rows) >= APPOINTMENTS:
                        break
                    start = dt.datetime.combine(day, dt.time(8), tzinfo=tz) + dt.timedelta(
                        minutes=45 * k
                    )
                    rows.append(
                        Appointment(
                            clinic=clinic,
                            patient=patient,
                            service=service,
                            practitioner=member,
                            location=location,
                            start=start,
                            end=start + dt.timedelta(minutes=30),
                            blocked_start=start,
                            blocked_end=start + dt.timedelta(minutes=40),
                        )
                    )
        day += dt.timedelta(days=1)
    Appointment.objects.bulk_create(rows, batch_size=1000)
    return service


def timed(call, n):
    call()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:200]
    return sorted(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    service = build()
    client = Client()
    last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    url = f"/api/v1/availability?service={service.slug}&start={FIRST_DAY}&end={last}"
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
    ):
        slots = client.get(url).json()["slots"]
    base = timed(lambda: client.get("/healthz"), args.searches * 4)
    search = timed(lambda: client.get(url), args.searches)

    def ms(values, q):
        return values[min(int(len(values) * q), len(values) - 1)] * 1000

    print(
        f"availability: {PRACTITIONERS} practitioners, {DAYS} days, {APPOINTMENTS} appointments, "
        f"{connection.vendor}; {len(slots)} free slots per search, {len(queries)} queries"
    )
    print(f"{'request':32} {'median ms':>10} {'p95 ms':>9} {'x baseline':>11}")
    for label, values in (("GET /healthz (baseline)", base), ("GET /api/v1/availability", search)):
        print(
            f"{label:32} {statistics.median(values) * 1000:10.2f} {ms(values, 0.95):9.2f} "
            f"{statistics.median(values) / statistics.median(base):11.1f}"
        )


if __name__ == "__main__":
    main()
