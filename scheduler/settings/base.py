"""Settings for every environment, read from the environment (see README, Configuration).

Production is simply ``DJANGO_DEBUG`` off: then the secrets must be given, and the HTTPS settings are on
unless ``DJANGO_HTTPS=off``. ``scheduler.settings.test`` adjusts a few things for the test suite.
"""

import base64
import hashlib
import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# ------------------------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET = "insecure-development-only-secret-key-never-use-in-production-0123456789"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))'), "
            "or set DJANGO_DEBUG=on for local development."
        )
    SECRET_KEY = _DEV_SECRET

# Comma-separated Fernet keys: the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not set. Generate one with "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' "
            "(several keys, comma separated, allow rotation: the first encrypts, all decrypt)."
        )
    # Development only: a key derived from the development secret, so `make run` needs no set-up.
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

RATE_LIMITS = env.bool("RATE_LIMITS", default=True)

INSTALLED_APPS = [
    "scheduler.apps.ClinicAdminConfig",  # django.contrib.admin with the clinic dashboard
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "corsheaders",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "patients",
    "doctors",
    "appointments",
    "records",
    "notifications",
    "fhir",
    "waitlist",
    "calendar_feed",
    "scheduler.apps.SchedulerConfig",  # project-wide models, commands (seed_demo) and templates
]

MIDDLEWARE = [
    "scheduler.request_log.RequestLogMiddleware",  # request id, one JSON line per request (outermost)
    "scheduler.metrics_http.MetricsMiddleware",  # latency and status by view, 503s included
    "scheduler.db_unavailable.DatabaseUnavailableMiddleware",  # a lost DB connection is a 503, not a 500
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "scheduler.urls"
WSGI_APPLICATION = "scheduler.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "scheduler" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ------------------------------------------------------------------------------------------------
# Database
# ------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections with a liveness check; see DesignDecisions.md (connections).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# DATABASE_POOLER=pgbouncer: DATABASE_URL points at a PgBouncer in transaction pooling (README, Deployment).
# Consecutive transactions of one Django connection may then run on different server connections, so
# nothing may outlive a transaction: no server-side cursors (QuerySet.iterator() declares one WITH HOLD
# outside a transaction), only pg_advisory_xact_lock, SET only as SET LOCAL. Persistent connections and
# their health checks stay: they are kept to PgBouncer, which is cheap, and re-made if it restarted.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer'.")
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# SQLite (development only) ignores the INCLUDE columns of the covering slot indexes; that is fine.
SILENCED_SYSTEM_CHECKS = [
    "models.W040",
    # axes' middleware turns a lockout into an HTML page; our login service answers 429 JSON itself.
    "axes.W002",
]
# No ATOMIC_REQUESTS: services own their transactions (DesignDecisions.md).
# A request whose database connection is lost answers 503 with this Retry-After (scheduler.db_unavailable).
DATABASE_RETRY_AFTER_SECONDS = env.int("DATABASE_RETRY_AFTER_SECONDS", default=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------------------------
# Auth
# ------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out logins before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
# Admin sessions in the database under a hash of the cookie's key (a dump holds no usable session).
SESSION_ENGINE = "accounts.sessions"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ------------------------------------------------------------------------------------------------
# Internationalisation and time: everything is stored in UTC.
# ------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The clinic's wall clock, used to turn local working hours into UTC slots (DesignDecisions.md).
CLINIC_TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="Europe/Berlin")

# ------------------------------------------------------------------------------------------------
# Static files: served by WhiteNoise, so /docs/ and the admin work with no other web server.
# ------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# ------------------------------------------------------------------------------------------------
# Security (HTTPS settings switch with DJANGO_HTTPS; on by default in production)
# ------------------------------------------------------------------------------------------------
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    # Only behind a proxy that sets this header itself (README, Deployment).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]  # load balancers probe over plain HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
# Bounded request bodies: nothing in this API needs more than a few kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_MAX_BODY_BYTES", default=256 * 1024)

# ------------------------------------------------------------------------------------------------
# Brute-force limits (RATE_LIMITS=off turns all of them off). django-axes counts failed logins per
# account and per client address in the database, so the count holds across server processes.
# ------------------------------------------------------------------------------------------------
AXES_ENABLED = RATE_LIMITS
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# Lock the pair (account, address): guessing from one place stops, but nobody can lock another person
# out from elsewhere. Spraying from one address meets the address throttle below; a distributed attack
# on one account meets ACCOUNT_FAILURE_LIMIT (accounts.services.refuse_if_under_attack), which a client
# holding a device cookie from an earlier sign-in to that account is exempt from (accounts.devices).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_WHITELIST_CALLABLE = "accounts.devices.is_trusted"
ACCOUNT_FAILURE_LIMIT = env.int("ACCOUNT_FAILURE_LIMIT", default=50)
DEVICE_COOKIE_NAME = "clinic_device"
DEVICE_COOKIE_MAX_AGE = timedelta(days=env.int("DEVICE_COOKIE_DAYS", default=90))
AXES_USERNAME_CALLABLE = "accounts.services.login_username"
AXES_CLIENT_IP_CALLABLE = "scheduler.net.client_ip"
AXES_CLIENT_STR_CALLABLE = "accounts.services.login_client_str"  # no email addresses in logs
AXES_VERBOSE = False
# Request rates per client address for the endpoints anyone can call (DRF throttles on the cache).
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://scheduler_cache")}
THROTTLE_RATES = {
    "login": env.str("LOGIN_RATE", default="30/min"),
    "register": env.str("REGISTER_RATE", default="10/hour"),
    "token_refresh": env.str("TOKEN_REFRESH_RATE", default="60/min"),
}

# Identical reads of a medical record or a patient profile (same user, object, kind of read and client
# address) within this many seconds make one audit entry; 0 records every read (scheduler.audit).
AUDIT_COALESCE_SECONDS = env.int("AUDIT_COALESCE_SECONDS", default=60)

# ------------------------------------------------------------------------------------------------
# Background work (DesignDecisions.md, the task queue): Django's tasks API on its database backend. A task
# is a row written in the transaction of the change that causes it; `manage.py worker` (Procfile) runs
# them and the periodic jobs. Any number of workers, on any number of machines.
# ------------------------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The periodic jobs (hold expiry, idempotency-key purge, ...) run once per this many seconds, whatever the
# number of workers (scheduler.periodic).
WORKER_TICK_SECONDS = env.int("WORKER_TICK_SECONDS", default=60)
# Seconds a worker waits for new tasks when the queue is empty.
WORKER_POLL_SECONDS = env.float("WORKER_POLL_SECONDS", default=1.0)

# Email: EMAIL_URL in django-environ's form (smtp://user:pass@host:587/?tls=True, smtp+ssl://...);
# default: printed to the console (development).
# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER/PASSWORD, EMAIL_USE_TLS/SSL from the URL.
globals().update({k: v for k, v in env.email_url("EMAIL_URL", default="consolemail://").items() if v not in (None, "")})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Clinic <no-reply@clinic.localhost>")
# A mail server that does not answer must not hold a worker for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Reminders go this many hours before the start (comma separated: "48,2").
REMINDER_HOURS = [int(hours) for hours in env.list("REMINDER_HOURS", default=["24"])]
# Sending: up to NOTIFICATION_MAX_ATTEMPTS tries, waiting NOTIFICATION_RETRY_SECONDS, then twice as long
# each time (60 s, 2, 4, 8 min: about a quarter of an hour), then `failed`. A worker that took one and
# vanished gives it up after NOTIFICATION_LEASE_SECONDS (longer than EMAIL_TIMEOUT allows a send to take).
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_SECONDS = env.float("NOTIFICATION_RETRY_SECONDS", default=60.0)
NOTIFICATION_LEASE_SECONDS = env.float("NOTIFICATION_LEASE_SECONDS", default=max(120.0, 3.0 * EMAIL_TIMEOUT))
# A queued notification this long overdue with no task waiting gets a new one (the periodic requeue).
NOTIFICATION_STALL_SECONDS = env.float("NOTIFICATION_STALL_SECONDS", default=60.0)

# ------------------------------------------------------------------------------------------------
# Django REST framework
# ------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "scheduler.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "scheduler.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["scheduler.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "scheduler.api.exception_handler",
    "PAGE_SIZE": 20,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

# ------------------------------------------------------------------------------------------------
# Simple JWT
# ------------------------------------------------------------------------------------------------
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
    # A password change invalidates every token issued before it (the claim holds a hash of the hash).
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}

# ------------------------------------------------------------------------------------------------
# drf-spectacular: the OpenAPI document, Swagger UI and ReDoc served from our own static files.
# ------------------------------------------------------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic Scheduler API",
    "DESCRIPTION": (
        "Patients, doctors, working hours, conflict-free appointment booking and medical records.\n\n"
        "Sign in with **Authorize** (OAuth2 password flow: your email and password). Every datetime "
        "carries a UTC offset. Scheduling conflicts answer 409 with a machine-readable `code`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False},
    "COMPONENT_SPLIT_REQUEST": True,
    # Every enum component is named here: drf-spectacular's own names change when another field of the
    # same name appears (``StatusEnum`` became ``Status71fEnum``), and generated clients with them.
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatusEnum": "appointments.models.AppointmentStatus",
        "SlotStatusEnum": "doctors.models.SlotStatus",
        "AvailabilityStatusEnum": "doctors.models.AvailabilityStatus",
        "RoleEnum": "accounts.models.Role",
        "RecordAccessActionEnum": "records.models.RecordAccessLog.Action",
        "GrantTypeEnum": "accounts.serializers.GRANT_TYPES",
        "ConflictCodeEnum": "scheduler.exceptions.CONFLICT_CODES",
        "NotificationKindEnum": "notifications.models.NotificationKind",
        "NotificationStatusEnum": "notifications.models.NotificationStatus",
        "WaitlistEntryStatusEnum": "waitlist.models.EntryStatus",
    },
    "GET_LIB_DOC_EXCLUDES": "scheduler.schema.lib_doc_excludes",
    "SERVERS": [{"url": "/", "description": "This server"}],
    "CONTACT": {"name": "Clinic Scheduler API", "url": "/docs/"},
    "LICENSE": {"name": "Proprietary"},
    "TAGS": [
        {"name": "auth", "description": "Sign in, tokens, the current user."},
        {"name": "patients", "description": "Patient profiles."},
        {"name": "doctors", "description": "Doctors, departments and specializations."},
        {"name": "slots", "description": "Doctors' working hours as bookable 1-hour slots."},
        {"name": "appointments", "description": "Booking, cancelling, completing and rescheduling."},
        {"name": "records", "description": "Medical records and their audit trail."},
        {"name": "notifications", "description": "The emails sent about your appointments."},
        {"name": "waitlist", "description": "Waiting for a freed slot of a doctor or a specialization."},
        {"name": "calendar", "description": "A secret iCalendar feed of the caller's appointments."},
    ],
}

# ------------------------------------------------------------------------------------------------
# Operations: metrics, readiness (README, Deployment)
# ------------------------------------------------------------------------------------------------
# /metrics answers a scraper that sends "Authorization: Bearer METRICS_TOKEN" or comes from an address in
# METRICS_ALLOWED_IPS (comma-separated addresses or networks, matched against the client address as
# TRUSTED_PROXY_COUNT defines it); with neither set, /metrics is off (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_network!r} is not an address or network.") from _exc
# The background worker records a heartbeat every WORKER_HEARTBEAT_SECONDS (scheduler.health); /readyz/
# calls a worker stale after WORKER_STALE_SECONDS without one, and answers 503 for a missing or stale
# worker when READY_REQUIRES_WORKER (default: on in production, off for `make run`).
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=15)
WORKER_STALE_SECONDS = env.int("WORKER_STALE_SECONDS", default=60)
READY_REQUIRES_WORKER = env.bool("READY_REQUIRES_WORKER", default=not DEBUG)

# ------------------------------------------------------------------------------------------------
# Logging: one JSON object per line (LOG_FORMAT=plain for reading by eye), each with the request id
# (scheduler.request_log). Never request bodies, query strings or header values: they carry passwords,
# tokens and health data. Every log line is scanned for PHI and secrets by scheduler/tests/test_logging.py.
# ------------------------------------------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "scheduler.request_log.RequestIdFilter"},
        "server_errors_only": {"()": "scheduler.request_log.ServerErrorsOnly"},
    },
    "formatters": {
        "json": {
            "()": "scheduler.request_log.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # Django's 4xx warnings repeat the request line without its redaction; its 5xx errors stay.
    "loggers": {"django.request": {"filters": ["server_errors_only"]}},
}
