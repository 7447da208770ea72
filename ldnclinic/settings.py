"""Settings for ldnclinic, read from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from ldnclinic.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LDN_VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env_str("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
VAR_DIR.mkdir(parents=True, exist_ok=True)

# The development default key is public; the production system check refuses it.
DEFAULT_SECRET_KEY = "ldnclinic-development-key-not-for-production"
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "simple_history",
    "ninja",
    "ldnclinic.core",
    "ldnclinic.accounts",
    "ldnclinic.audit",
    "ldnclinic.patients",
    "ldnclinic.scheduling",
    "ldnclinic.screening",
    "ldnclinic.intake",
    "ldnclinic.consents",
    "ldnclinic.protocols",
    "ldnclinic.plans",
    "ldnclinic.prescriptions",
    "ldnclinic.series",
    "ldnclinic.outcomes",
    "ldnclinic.diary",
    "ldnclinic.photos",
    "ldnclinic.evidence",
    "ldnclinic.website",
    "ldnclinic.pharmacology",
]
if env_str("DATABASE_URL").startswith(("postgres://", "postgresql://")):
    INSTALLED_APPS.append("django.contrib.postgres")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ldnclinic.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ldnclinic.accounts.middleware.IdleTimeoutMiddleware",
    "ldnclinic.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ldnclinic.urls"
WSGI_APPLICATION = "ldnclinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ldnclinic" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ldnclinic.accounts.context_processors.navigation",
            ],
        },
    }
]

# Database: SQLite in WAL mode under var/ unless DATABASE_URL names another.
# Django ignores select_for_update() on SQLite; IMMEDIATE transactions are what serialise
# writers, and busy_timeout makes a second writer wait, not fail.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;"
    ),
}
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "ldnclinic.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Failed logins: 5 failures per email and address, then a 15-minute cool-off.
# Both are set explicitly: axes' defaults are 3 failures and a lock that never lifts.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ldnclinic.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "email"
# Reverse proxies in front of the app; sign-in throttling and the audit trail both take
# the client's address from accounts.client_ip, which trusts exactly this many hops.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "ldnclinic.accounts.client_ip.client_ip"

# Sessions: idle expiry is enforced per role by IdleTimeoutMiddleware.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30)
PATIENT_IDLE_MINUTES = env_int("PATIENT_IDLE_MINUTES", 60)

OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "ldnclinic")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "ldnclinic" / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ldnclinic <no-reply@ldnclinic.test>")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
# Text messages (reminders) go through a backend: ldnclinic.core.sms.ConsoleBackend
# prints them, ldnclinic.core.sms.LocmemBackend keeps them for tests.
SMS_BACKEND = env_str("SMS_BACKEND", "ldnclinic.core.sms.ConsoleBackend")
# Public online booking: at most this many attempts per client address per hour.
PUBLIC_BOOKING_PER_HOUR = env_int("PUBLIC_BOOKING_PER_HOUR", 10)
# The anonymous self-check page: answers per client address per hour.
SELF_CHECK_PER_HOUR = env_int("SELF_CHECK_PER_HOUR", 30)
# POST /api/v1/screening/evaluate without a staff login: calls per address per hour.
PUBLIC_SCREENING_PER_HOUR = env_int("PUBLIC_SCREENING_PER_HOUR", 60)
# POST /api/v1/plans/preview without a staff login: calls per address per hour.
PUBLIC_PLAN_PREVIEW_PER_HOUR = env_int("PUBLIC_PLAN_PREVIEW_PER_HOUR", 60)
# POST /api/v1/instruments/{code}/score and /compare without a staff login: per address per hour.
PUBLIC_INSTRUMENTS_PER_HOUR = env_int("PUBLIC_INSTRUMENTS_PER_HOUR", 600)
# GET /api/v1/pharmacology/occupancy without a staff login: per address per hour.
PUBLIC_PHARMACOLOGY_PER_HOUR = env_int("PUBLIC_PHARMACOLOGY_PER_HOUR", 600)
# The clinic the public site (/, /ldn/, /conditions/ ...) shows, by slug; empty: the first
# active clinic.
PUBLIC_CLINIC_SLUG = env_str("LDN_PUBLIC_CLINIC", "")
# Clinical photos: uploads over this size are refused before decoding. Files live under
# PHOTO_ROOT, outside the web root, and are served only through the access gate.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 20 * 1024 * 1024)
PHOTO_ROOT = Path(env_str("PHOTO_ROOT", str(VAR_DIR / "photos")))
# That limit is counted in the cache, which every worker process must share: a database
# table, which `migrate` creates (scheduling/apps.py runs createcachetable after it).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ldnclinic_cache",
        # Culling at the default 300 entries would drop counts exactly under load.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
# The domain part of calendar event UIDs.
ICAL_UID_DOMAIN = urlsplit(SITE_URL).hostname or "ldnclinic.local"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

API_PAGE_SIZE = 25
API_MAX_PAGE_SIZE = 100

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
