"""Patient search: the front desk's and clinician's hottest read path.

Builds a throw-away SQLite (or $DATABASE_URL) database with N patients, then times, in
one process and one run: /healthz (baseline), the patient list page with a name search,
and the API list and search. Prints per-request figures and the ratio to the baseline,
since absolute numbers drift between runs on shared machines.

    .venv/bin/python bench/patient_search.py [--patients 5000] [--requests 200]
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnclinic.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["LDN_VAR_DIR"] = tempfile.mkdtemp(prefix="ldn-bench-")


def build(n_patients):
    from django.core.management import call_command

    from ldnclinic.accounts.actions import do_create_api_token
    from ldnclinic.accounts.models import Clinic, Membership, Role, User
    from ldnclinic.audit.log import Actor
    from ldnclinic.patients.models import Patient

    call_command("migrate", verbosity=0)
    clinic = Clinic.objects.create(name="Bench Clinic", slug=f"bench-{time.time_ns()}")
    user = User.objects.create_user(f"bench{time.time_ns()}@bench.test", "bench-password-1")
    Membership.objects.create(user=user, clinic=clinic, role=Role.CLINICIAN)
    rng = random.Random(7)
    given = ["Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo"]
    family = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Ford", "Garcia", "Hill", "Ito", "Jones"]
    # Bulk insert is for building the fixture only; the app creates patients via actions.
    Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            mrn=f"B-{i:07d}",
            given_name=rng.choice(given),
            family_name=f"{rng.choice(family)}{i % 97}",
            date_of_birth=datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(25000)),
            email=f"p{i}@example.com",
        )
        for i in range(n_patients)
    )
    _, raw = do_create_api_token(Actor.system(), user, name="bench", clinic=clinic)
    return user, raw


def measure(label, call, requests):
    call()  # warm up caches and connections
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (label, response.status_code)
    times.sort()
    return {
        "label": label,
        "mean_ms": statistics.mean(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
        "per_s": len(times) / sum(times),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    user, raw = build(args.patients)
    web = Client()
    web.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    anonymous = Client()
    runs = [
        measure("GET /healthz (baseline)", lambda: anonymous.get("/healthz"), args.requests),
        measure("GET /healthz signed in", lambda: web.get("/healthz"), args.requests),
        measure("GET /patients/?q=chen", lambda: web.get("/patients/?q=chen"), args.requests),
        measure(
            "GET /patients/ (htmx partial)",
            lambda: web.get("/patients/?q=ann+hill", HTTP_HX_REQUEST="true"),
            args.requests,
        ),
        measure("GET /api/v1/patients", lambda: api.get("/api/v1/patients"), args.requests),
        measure(
            "GET /api/v1/patients?q=garcia",
            lambda: api.get("/api/v1/patients?q=garcia"),
            args.requests,
        ),
        measure(
            "GET /api/v1/patients?q=<dob>",
            lambda: api.get("/api/v1/patients?q=1970-05-05"),
            args.requests,
        ),
    ]
    base = runs[0]["mean_ms"]
    vendor = django.db.connection.vendor
    print(f"patient search: {args.patients} patients, {args.requests} requests each, {vendor}")
    print(f"{'request':36} {'mean ms':>9} {'p95 ms':>9} {'req/s':>8} {'x baseline':>11}")
    for run in runs:
        print(
            f"{run['label']:36} {run['mean_ms']:9.2f} {run['p95_ms']:9.2f} "
            f"{run['per_s']:8.0f} {run['mean_ms'] / base:11.1f}"
        )


if __name__ == "__main__":
    main()
