"""Settings for bench/booking_race.py: the app's own, plus a bench-only URL for the baseline."""

from ldnclinic.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.bench_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False}
