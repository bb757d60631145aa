"""Corridor settings: one file, driven only by ``CORRIDOR_*`` environment variables.

The README's configuration table lists every variable with its default. Two shapes are
supported: the embedded default (SQLite + kombu's SQLAlchemy transport on its own SQLite file,
no services) and production (``CORRIDOR_ENV=production``: PostgreSQL, Redis or RabbitMQ, TLS).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    """A string setting; ``<NAME>_FILE`` (a path, e.g. a mounted secret) wins over ``<NAME>``."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """A boolean setting; anything but true/false/1/0 is a configuration error, not a guess."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_seconds(name: str, default: int) -> int:
    """A duration in whole seconds; zero or less is a configuration error (a sweep every 0 s would spin)."""
    seconds = env_int(name, default)
    if seconds <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds, not {seconds}")
    return seconds


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Where the embedded default keeps its files: SQLite databases, beat schedule, uploads.
VAR_DIR = Path(os.environ.get("CORRIDOR_VAR_DIR") or BASE_DIR / "var")

CORRIDOR_ENV = env_str("CORRIDOR_ENV", "development")
if CORRIDOR_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"CORRIDOR_ENV must be development or production, not {CORRIDOR_ENV!r}")
PRODUCTION = CORRIDOR_ENV == "production"

_DEV_SECRET_KEY = "corridor-development-only-secret-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("CORRIDOR_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and not SECRET_KEY:
    raise ImproperlyConfigured("CORRIDOR_SECRET_KEY is required when CORRIDOR_ENV=production")

# Wraps partners' private signing keys (credentials issue). Development gets a fixed key so the
# demo works out of the box; production must bring its own.
CORRIDOR_KEY_ENCRYPTION_KEY = env_str(
    "CORRIDOR_KEY_ENCRYPTION_KEY", "" if PRODUCTION else "corridor-development-key-encryption-key"
)
if PRODUCTION and not CORRIDOR_KEY_ENCRYPTION_KEY:
    raise ImproperlyConfigured("CORRIDOR_KEY_ENCRYPTION_KEY is required when CORRIDOR_ENV=production")

DEBUG = env_bool("CORRIDOR_DEBUG", not PRODUCTION)
CORRIDOR_BASE_URL = env_str("CORRIDOR_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CORRIDOR_DID_HOST = env_str("CORRIDOR_DID_HOST", "localhost%3A8000")
ALLOWED_HOSTS = env_list("CORRIDOR_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CORRIDOR_CSRF_TRUSTED_ORIGINS", [])
# A failed CSRF check answers in the path's dialect (a problem for the API), not Django's HTML page.
CSRF_FAILURE_VIEW = "apps.core.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Our apps in layer order, lowest first (docs/architecture.md): a module imports only its own app
    # and those listed before it, and domain-event handlers run in this order.
    "apps.core",
    "apps.partners",
    "apps.shipments",
    "apps.disruptions",
    "apps.credentials",
    "apps.compliance",
    "apps.corridors",
    "apps.platform",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.DatabaseUnavailableMiddleware",
    "apps.core.middleware.StyledNotFoundMiddleware",
]

ROOT_URLCONF = "corridor.urls"
WSGI_APPLICATION = "corridor.wsgi.application"
ASGI_APPLICATION = "corridor.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.partners.context_processors.acting_partner",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("CORRIDOR_DATABASE_URL", f"sqlite:///{VAR_DIR / 'corridor.sqlite3'}")
_default_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DATABASE_URL.startswith("sqlite") else 60)
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while one writes; IMMEDIATE transactions take
    # the write lock up front so two writers queue instead of failing with "database is locked".
    _default_db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    if _default_db["NAME"] != ":memory:":
        Path(_default_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _default_db["TEST"] = {"NAME": env_str("CORRIDOR_TEST_SQLITE_NAME", "") or None}
elif _default_db["ENGINE"] == "django.db.backends.postgresql":
    # An index read costs about a sequential one on SSDs and a cached working set, not PostgreSQL's default
    # four times as much (which made it hash all 200,000 event links for the dashboard's 1,500 recent events).
    _pg_options = _default_db.setdefault("OPTIONS", {})
    _pg_options["options"] = f"-c random_page_cost=1.1 {_pg_options.get('options', '')}".strip()
# A connection kept between requests is checked before reuse, so one the database dropped (a restart,
# a failover, an outage) is replaced instead of failing the next request.
_default_db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, i18n, static ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# The pages speak English, Traditional Chinese and Korean; the browser's Accept-Language chooses until the
# person picks one in the header (a cookie). Catalogues: locale/, compiled by `make deps`.
LANGUAGES = [("en", "English"), ("zh-hant", "繁體中文"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Figures on pages are grouped by thousands in both languages (10,000): Taiwan's trade documents write
# them so, while Django's zh_Hant formats group by ten thousands with no separator; corridor/formats
# overrides that. Values for machines (SVG coordinates, ids in URLs and attributes) are written with
# `{% localize off %}` or `|unlocalize`; form inputs, JSON, CSV and the API never localise.
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["corridor.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("CORRIDOR_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
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
MEDIA_ROOT = Path(env_str("CORRIDOR_MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Request limits -------------------------------------------------------------------------
# Bodies over this size are refused with 413 before they are read; standard ingest endpoints
# set their own, larger limits in CORRIDOR_BODY_LIMITS (path prefix -> bytes).
CORRIDOR_MAX_BODY_BYTES = env_int("CORRIDOR_MAX_BODY_BYTES", 1_048_576)
CORRIDOR_EPCIS_CAPTURE_FILE_SIZE_LIMIT = env_int("CORRIDOR_EPCIS_CAPTURE_FILE_SIZE_LIMIT", 100 * 1024 * 1024)
CORRIDOR_EPCIS_CAPTURE_LIMIT = env_int("CORRIDOR_EPCIS_CAPTURE_LIMIT", 500_000)
# The largest EPCIS event (and document header) a capture may hold, in bytes of JSON text: a worker builds one
# event at a time, so this bounds its memory for any document (apps.shipments.epcis.parse).
CORRIDOR_EPCIS_MAX_EVENT_BYTES = env_int("CORRIDOR_EPCIS_MAX_EVENT_BYTES", 2 * 1024 * 1024)
# How deep a JSON request body may nest (objects and arrays); deeper answers 400 (apps.core.api.parsers).
CORRIDOR_JSON_MAX_DEPTH = env_int("CORRIDOR_JSON_MAX_DEPTH", 100)
CORRIDOR_BODY_LIMITS: dict[str, int] = {
    "/epcis/capture": CORRIDOR_EPCIS_CAPTURE_FILE_SIZE_LIMIT,
    # 1,000 events of a few KB each
    "/api/v1/events/": 16 * 1024 * 1024,
    "/api/v1/dcsa/": 16 * 1024 * 1024,
    # An AEO import file (apps.compliance.aeo_csv.MAX_FILE_BYTES, 32 MiB) and its multipart envelope
    "/compliance/aeo/import/": 33 * 1024 * 1024,
}
# The middleware enforces the per-path limits above; Django's own cap only has to admit the largest
# body read into memory (EPCIS captures are streamed to disk instead).
DATA_UPLOAD_MAX_MEMORY_SIZE = max(CORRIDOR_MAX_BODY_BYTES, 16 * 1024 * 1024)

# --- API ------------------------------------------------------------------------------------
# The module that says who acts in a request and what they may do; core's API permission asks it,
# so core never imports the partners app.
CORRIDOR_ACCESS = "apps.partners.access"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.partners.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["apps.core.api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.errors.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.json_input.BoundedJSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "Corridor API",
    "DESCRIPTION": (
        "Supply-chain visibility and digital trade corridors. Authenticate with "
        "`Authorization: Bearer <token>` (a partner API token) or a browser session. "
        "Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # drf-spectacular's own enum postprocessing, then every operation's refusals (400/401/403/404/409/413/415/503).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.problem_responses_postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MemberRoleEnum": "apps.partners.choices.MemberRole",
        "PartyRoleEnum": "apps.shipments.choices.PartyRole",
        "EventTypeEnum": "apps.shipments.choices.EventType",
        "ConsignmentStatusEnum": "apps.shipments.choices.ConsignmentStatus",
        "CertificateStatusEnum": "apps.compliance.choices.CertificateStatus",
        "MraStatusEnum": "apps.compliance.choices.MraStatus",
        "AlertKindEnum": "apps.disruptions.choices.AlertKind",
        "AlertStateEnum": "apps.disruptions.choices.AlertState",
        "EventSourceEnum": "apps.shipments.choices.EventSource",
        "BaselineSourceEnum": "apps.corridors.choices.BaselineSource",
        "BaselineKindEnum": "apps.corridors.choices.BaselineKind",
        "NoticeKindEnum": "apps.corridors.notices.models.NoticeKind",
        "NoticeSourceEnum": "apps.corridors.notices.models.NoticeSource",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CORRIDOR_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_RESULT_BACKEND = env_str("CORRIDOR_RESULT_BACKEND", "") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
# Corridor's own tasks set their limits through apps.core.work; these cover Celery's built-in ones.
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Ledger tasks are acknowledged late: on Redis an unacknowledged message goes back to the queue after
# the visibility timeout, which must outlast the longest task (a capture's 3,600 s hard limit) or a slow
# run would be handed to a second worker. (RabbitMQ's consumer_timeout, 30 min by default, must likewise
# be raised above an hour on the server.) No options for the embedded broker: kombu's SQLAlchemy
# transport passes every option it does not know to create_engine, so any makes sending fail (TypeError).
# A Redis that stops answering (a dead host, a partition: no reset, just silence) must not hang a request
# or a worker: every connect and every command gives up after a few seconds (the worker's own blocking
# read waits 1 s at a time, well inside), an idle connection is checked before reuse, and keepalive
# notices a peer gone quiet. An enqueue that gives up is logged and left to the sweep (apps.core.work).
CORRIDOR_BROKER_TIMEOUT_SECONDS = env_seconds("CORRIDOR_BROKER_TIMEOUT_SECONDS", 5)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        "visibility_timeout": 3900,
        "socket_connect_timeout": CORRIDOR_BROKER_TIMEOUT_SECONDS,
        "socket_timeout": CORRIDOR_BROKER_TIMEOUT_SECONDS,
        "socket_keepalive": True,
        "retry_on_timeout": True,
        "health_check_interval": 25,
    }
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else {}
)
CELERY_BROKER_CONNECTION_TIMEOUT = CORRIDOR_BROKER_TIMEOUT_SECONDS
# Sending a task retries once (not three times) before enqueue() gives up: a request that committed its
# data waits at most about two broker timeouts, never a minute, when the broker is gone.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Background work (apps.core.work): how long a row may wait for its message before a sweep takes the
# message for lost and rings again.
CORRIDOR_SWEEP_INTERVAL_SECONDS = env_seconds("CORRIDOR_SWEEP_INTERVAL_SECONDS", 300)
# A worker refreshes its claim on a ledger row this often while it runs the row; a claim that missed
# four heartbeats (a minute by default) belongs to a worker that is gone, whatever the job's length.
CORRIDOR_CLAIM_HEARTBEAT_SECONDS = env_seconds("CORRIDOR_CLAIM_HEARTBEAT_SECONDS", 15)
# Beat sweeps as often as a claim can go stale, so a dead worker's row is back within about two minutes.
_sweep = timedelta(seconds=min(CORRIDOR_SWEEP_INTERVAL_SECONDS, CORRIDOR_CLAIM_HEARTBEAT_SECONDS * 4))
# --- Corridor watch (apps.corridors.scan) -----------------------------------------------------------
# How often beat scans the consignments in transit, how many consignments one batch (one task) checks,
# whether the scan also refreshes their ETAs, and how long finished scans are kept.
CORRIDOR_SCAN_INTERVAL_SECONDS = env_seconds("CORRIDOR_SCAN_INTERVAL_SECONDS", 900)
CORRIDOR_SCAN_BATCH_SIZE = env_int("CORRIDOR_SCAN_BATCH_SIZE", 1000)
if CORRIDOR_SCAN_BATCH_SIZE < 1:
    raise ImproperlyConfigured("CORRIDOR_SCAN_BATCH_SIZE must be at least 1")
CORRIDOR_SCAN_REFRESHES_ETA = env_bool("CORRIDOR_SCAN_REFRESHES_ETA", True)
CORRIDOR_SCAN_KEEP_DAYS = env_int("CORRIDOR_SCAN_KEEP_DAYS", 7)

CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "apps.core.tasks.worker_heartbeat", "schedule": timedelta(seconds=60)},
    "epcis-capture-sweep": {"task": "apps.shipments.tasks.epcis_capture_sweep", "schedule": _sweep},
    "step-credentials-sweep": {"task": "apps.credentials.tasks.step_credentials_sweep", "schedule": _sweep},
    "trust-recheck-sweep": {"task": "apps.compliance.tasks.trust_recheck_sweep", "schedule": _sweep},
    "webhook-deliveries-sweep": {"task": "apps.disruptions.tasks.webhook_deliveries_sweep", "schedule": _sweep},
    # External notices: lost propagations re-sent, live notices re-propagated every 15 minutes.
    "notices-refresh": {"task": "apps.corridors.notices.tasks.notices_refresh", "schedule": _sweep},
    "broker-purge-delivered": {
        "task": "apps.core.tasks.broker_purge_delivered",
        "schedule": timedelta(minutes=15),
    },
    # Daily, after midnight UTC (CELERY_TIMEZONE): the passes are idempotent, so a missed or doubled run is harmless.
    "aeo-expiry-pass": {"task": "apps.compliance.tasks.aeo_expiry_pass", "schedule": crontab(hour=1, minute=10)},
    "mra-dates-pass": {"task": "apps.compliance.tasks.mra_dates_pass", "schedule": crontab(hour=1, minute=20)},
    "aeo-credentials-pass": {
        "task": "apps.compliance.tasks.aeo_credentials_pass",
        "schedule": crontab(hour=1, minute=30),
    },
    "corridor-baselines-pass": {
        "task": "apps.corridors.tasks.corridor_baselines_pass",
        "schedule": crontab(hour=2, minute=0),
    },
    "corridor-scan": {
        "task": "apps.corridors.tasks.corridor_scan",
        "schedule": timedelta(seconds=CORRIDOR_SCAN_INTERVAL_SECONDS),
    },
    "corridor-scan-sweep": {"task": "apps.corridors.tasks.corridor_scan_sweep", "schedule": _sweep},
}

# --- Shipments ------------------------------------------------------------------------------
# A consignment's timeline is cached this long per version of its links (0 turns the cache off).
CORRIDOR_TIMELINE_CACHE_SECONDS = env_int("CORRIDOR_TIMELINE_CACHE_SECONDS", 60)

# --- Webhooks -------------------------------------------------------------------------------
# A webhook URL whose host resolves to a private, loopback or link-local address is refused unless this is
# on (tests, closed networks): a partner must not make Corridor's servers reach inside their network.
CORRIDOR_WEBHOOKS_ALLOW_PRIVATE = env_bool("CORRIDOR_WEBHOOKS_ALLOW_PRIVATE", False)
# Attempts at one delivery (the first and its retries, with exponential backoff and jitter) before it is dead.
CORRIDOR_WEBHOOK_MAX_ATTEMPTS = env_int("CORRIDOR_WEBHOOK_MAX_ATTEMPTS", 12)
if CORRIDOR_WEBHOOK_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("CORRIDOR_WEBHOOK_MAX_ATTEMPTS must be at least 1")
# How long an attempt waits for the receiver (each connect and read); the delivery task's time limit
# (apps.disruptions.tasks) leaves room for 60 s.
CORRIDOR_WEBHOOK_TIMEOUT_SECONDS = env_seconds("CORRIDOR_WEBHOOK_TIMEOUT_SECONDS", 10)
if CORRIDOR_WEBHOOK_TIMEOUT_SECONDS > 60:
    raise ImproperlyConfigured("CORRIDOR_WEBHOOK_TIMEOUT_SECONDS must be at most 60")

# --- Credentials ----------------------------------------------------------------------------
# An event still unlinked this long after it was recorded gets its credential without chain entries.
CORRIDOR_LINK_GRACE_SECONDS = env_seconds("CORRIDOR_LINK_GRACE_SECONDS", 3600)
# A status list credential is valid this long after it is served (verifiers re-fetch after).
CORRIDOR_STATUS_LIST_TTL = timedelta(seconds=env_int("CORRIDOR_STATUS_LIST_TTL_SECONDS", 3600))
# did:web documents of other Corridor deployments, trusted for verification (never fetched):
# a JSON file mapping DID -> DID document.
_trusted_dids_file = env_str("CORRIDOR_TRUSTED_DIDS_FILE", "")
CORRIDOR_TRUSTED_DID_DOCUMENTS: dict = (
    json.loads(Path(_trusted_dids_file).read_text(encoding="utf-8")) if _trusted_dids_file else {}
)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("CORRIDOR_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CORRIDOR_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # /healthz is probed over plain HTTP by load balancers inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.context.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("CORRIDOR_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# Serve static files straight from the apps and static/ outside production, so `make run` needs
# no collectstatic step; production serves the collected, hashed files.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
