"""Booking under concurrency, against a real server (gunicorn) on PostgreSQL.

1. Race: 50 clients post the same slot at the same instant. Exactly one must be booked;
   the others get 409 with the next free slots; no 5xx.
2. Throughput: 16 clients book distinct slots as fast as they can (bookings per second).
3. Baseline, same server, workers and clients: a bench-only view doing one single-row
   insert transaction (bench/bench_urls.py). The ratio of 2 to 3 is the figure to watch;
   absolute numbers drift on shared machines.
Afterwards it checks that every booking was audited and versioned.

    .venv/bin/python bench/booking_race.py [--workers 2] [--per-client 40]

Without DATABASE_URL it creates (and drops) a scratch PostgreSQL database on
127.0.0.1:5432; DATABASE_URL=sqlite:////tmp/x.sqlite3 runs it on SQLite instead.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"

RACERS = 50
CLIENTS = 16
TZ = "America/Chicago"


def scratch_database():
    """A fresh PostgreSQL database; returns (url, drop function)."""
    name = f"ldn_bench_race_{os.getpid()}"
    admin = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *admin, "--if-exists", "--force", name], check=True)
    subprocess.run(["createdb", *admin, name], check=True)

    def drop():
        subprocess.run(["dropdb", *admin, "--if-exists", "--force", name], check=False)

    return f"postgres://postgres@127.0.0.1:5432/{name}", drop


def build(first_day):
    """Clinic, 16 practitioners working 08:00-20:00 every day, a 30-minute service, 16
    patients and an admin API token. Returns what the clients need."""
    from django.core.management import call_command
    from django.db import connection

    from ldnclinic.accounts.actions import do_create_api_token
    from ldnclinic.accounts.models import Clinic, Location, Membership, Role, User
    from ldnclinic.audit.log import Actor
    from ldnclinic.patients.actions import do_create_patient
    from ldnclinic.scheduling.models import Service, WorkingHours

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TABLE bench_row (id bigserial PRIMARY KEY, note varchar(10))")
        else:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_row "
                "(id integer PRIMARY KEY AUTOINCREMENT, note varchar(10))"
            )
    clinic = Clinic.objects.create(name="Race clinic", slug="race", time_zone=TZ)
    location = Location.objects.create(clinic=clinic, name="Main")
    service = Service.objects.create(
        clinic=clinic,
        name="Race consult",
        slug="race-consult",
        duration_minutes=30,
        min_notice_hours=0,
        horizon_days=365,
        location=location,
    )
    admin = User.objects.create_user("admin@race.test", "bench-password-1")
    Membership.objects.create(user=admin, clinic=clinic, role=Role.ADMIN)
    practitioners, patients = [], []
    for i in range(CLIENTS):
        user = User.objects.create_user(f"p{i}@race.test", "bench-password-1")
        member = Membership.objects.create(user=user, clinic=clinic, role=Role.CLINICIAN)
        practitioners.append(member.pk)
        for weekday in range(7):
            WorkingHours.objects.create(
                practitioner=member,
                location=location,
                weekday=weekday,
                start=dt.time(8),
                end=dt.time(20),
            )
        patient = do_create_patient(
            Actor.system(),
            clinic,
            given_name=f"Racer{i}",
            family_name="Bench",
            date_of_birth=dt.date(1980, 1, 1 + i),
        )
        patients.append(patient.pk)
    service.practitioners.set(practitioners)
    _, raw = do_create_api_token(Actor.system(), admin, name="bench", clinic=clinic)
    return {"token": raw, "practitioners": practitioners, "patients": patients}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, workers, env):
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ldnclinic.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.05)
    server.terminate()
    raise SystemExit("The server did not come up.")


class Client:
    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path, body):
        self.conn.request("POST", path, json.dumps(body), self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        return response.status, payload


def race(port, world, start):
    """50 clients, one slot, one instant."""
    barrier = threading.Barrier(RACERS)
    statuses, lock = [], threading.Lock()
    body = {
        "patient": world["patients"][0],
        "service": "race-consult",
        "start": start.isoformat(),
        "practitioner": world["practitioners"][0],
    }

    def run(i):
        client = Client(port, world["token"])
        barrier.wait()
        status, _ = client.post(
            "/api/v1/appointments", {**body, "patient": world["patients"][i % CLIENTS]}
        )
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


def hammer(port, token, requests_for):
    """CLIENTS threads each send their list of (path, body); returns (statuses, seconds,
    per-request latencies)."""
    barrier = threading.Barrier(CLIENTS + 1)
    statuses, latencies, lock = Counter(), [], threading.Lock()

    def run(i):
        client = Client(port, token)
        mine = requests_for(i)
        barrier.wait()
        for path, body in mine:
            began = time.perf_counter()
            status, _ = client.post(path, body)
            took = time.perf_counter() - began
            with lock:
                statuses[status] += 1
                latencies.append(took)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return statuses, time.perf_counter() - began, latencies


def p95(values):
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--per-client", type=int, default=40, help="bookings per client in the throughput run"
    )
    args = parser.parse_args()

    drop = None
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"], drop = scratch_database()
    try:
        run(args)
    finally:
        if drop:
            drop()


def run(args):
    import django

    django.setup()
    from django.db import connection

    from ldnclinic.audit.codes import Event
    from ldnclinic.audit.models import AuditEvent
    from ldnclinic.scheduling.models import Appointment

    tz = ZoneInfo(TZ)
    first_day = (dt.datetime.now(tz) + dt.timedelta(days=2)).date()
    world = build(first_day)
    connection.close()
    port = free_port()
    server = start_server(port, args.workers, dict(os.environ))
    try:
        race_start = dt.datetime.combine(first_day, dt.time(8), tzinfo=tz)
        race_result = race(port, world, race_start)

        per_client = args.per_client
        slots_a_day = 24  # 08:00-20:00 in 30-minute steps

        def bookings_for(i):
            out = []
            for n in range(per_client):
                day = first_day + dt.timedelta(days=1 + n // slots_a_day)
                start = dt.datetime.combine(day, dt.time(8), tzinfo=tz) + dt.timedelta(
                    minutes=30 * (n % slots_a_day)
                )
                out.append(
                    (
                        "/api/v1/appointments",
                        {
                            "patient": world["patients"][i],
                            "service": "race-consult",
                            "start": start.isoformat(),
                            "practitioner": world["practitioners"][i],
                        },
                    )
                )
            return out

        def inserts_for(i):
            return [("/bench/insert", {})] * per_client

        booked, booking_seconds, booking_latency = hammer(port, world["token"], bookings_for)
        baseline, baseline_seconds, baseline_latency = hammer(port, world["token"], inserts_for)
    finally:
        server.terminate()
        server.wait()

    appointments = Appointment.objects.count()
    audited = AuditEvent.objects.filter(code=Event.APPOINTMENT_BOOKED).count()
    versions = Appointment.history.filter(history_type="+").count()
    booking_rate = booked[201] / booking_seconds
    baseline_rate = baseline[201] / baseline_seconds
    server_errors = sum(n for status, n in (race_result + booked).items() if status >= 500)

    print(f"database: {connection.vendor}, gunicorn workers: {args.workers}")
    print(
        f"race: {RACERS} clients, one slot -> {race_result[201]} booked, "
        f"{race_result[409]} got 409, statuses {dict(sorted(race_result.items()))}"
    )
    print(
        f"bookings: {CLIENTS} clients x {per_client} distinct slots -> "
        f"{booked[201]} booked in {booking_seconds:.2f} s = {booking_rate:.0f}/s "
        f"(median {statistics.median(booking_latency) * 1000:.1f} ms, "
        f"p95 {p95(booking_latency) * 1000:.1f} ms), statuses {dict(sorted(booked.items()))}"
    )
    print(
        f"baseline: one-row insert view -> {baseline[201]} in {baseline_seconds:.2f} s = "
        f"{baseline_rate:.0f}/s (median {statistics.median(baseline_latency) * 1000:.1f} ms)"
    )
    print(f"ratio bookings/baseline: {booking_rate / baseline_rate:.0%} (target >= 25%)")
    print(
        f"stored: {appointments} appointments, {audited} 'booked' audit events, "
        f"{versions} creation versions; server errors: {server_errors}"
    )
    ok = (
        race_result[201] == 1
        and server_errors == 0
        and appointments == audited == versions == 1 + booked[201]
    )
    print("OK" if ok else "FAILED: see the figures above")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
