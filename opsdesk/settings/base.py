"""Settings shared by every environment, read from environment variables (12-factor).

DATABASE_URL  PostgreSQL (postgres://user@host:port/name); default: the embedded PostgreSQL that
              `make run` starts under var/pg/ (opsdesk/embedded_db.py), reached through its unix socket
REDIS_URL     Celery broker; default: kombu's filesystem transport under var/ (no server needed)
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from opsdesk.embedded_db import database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("OPSDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # PostgreSQL-only: OpClass in index expressions (trigram search indexes)
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "rules",
    "core",
    "catalog",
    "notifications",
    "sla",
    "audit",
    "incidents",
    "alerts",
    "changes",
    "problems",
    "releases",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserTimeZoneMiddleware",  # pages in the user's time zone (core/profiles.py)
    "audit.middleware.AuditMiddleware",  # the actor of admin, browser and API writes
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "opsdesk.urls"
WSGI_APPLICATION = "opsdesk.wsgi.application"

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
            ],
        },
    },
]


def database_from_env(default_url: str) -> dict:
    """One PostgreSQL database from DATABASE_URL, with psycopg 3 and Django's connection pool."""
    config = dj_database_url.parse(os.environ.get("DATABASE_URL") or default_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must be postgres://…: OpsDesk runs on PostgreSQL only")
    config["ENGINE"] = "core.postgresql"  # Django's, with psycopg's C timestamp parser (core/postgresql)
    config["CONN_MAX_AGE"] = 0  # the pool keeps connections; persistent connections would fight it
    options = config.setdefault("OPTIONS", {})
    options["pool"] = {"min_size": 1, "max_size": 10, "timeout": 10}
    # PostgreSQL's default random_page_cost (4) prices an index read for spinning disks: at 1M incidents
    # it preferred walking the primary key backwards past 20,000 rows to the index made for a filter
    # (`?priority=1`: 2 ms instead of 0.05 ms). 1.1 suits SSDs and cached data; "" keeps the server's.
    page_cost = os.environ.get("OPSDESK_DB_RANDOM_PAGE_COST", "1.1").strip()
    if page_cost:
        try:
            cost = float(page_cost)
        except ValueError:
            raise ImproperlyConfigured(
                f"OPSDESK_DB_RANDOM_PAGE_COST must be a number (e.g. 1.1) or empty, not {page_cost!r}"
            ) from None
        options["options"] = f"{options.get('options', '')} -c random_page_cost={cost}".strip()
    return config


EMBEDDED_DB_DIR = VAR_DIR / "pg"  # `python -m opsdesk.embedded_db` keeps its data here
DATABASES = {"default": database_from_env(database_url(EMBEDDED_DB_DIR))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("OPSDESK_TIME_ZONE", "UTC")
# The zone of users who chose none on their profile page (core/profiles.py); default TIME_ZONE.
OPSDESK_DEFAULT_USER_TZ = os.environ.get("OPSDESK_DEFAULT_USER_TZ", "") or TIME_ZONE
USE_I18N = True
USE_TZ = True
# One way to write dates and times everywhere, ISO: YYYY-MM-DD HH:MM (opsdesk/formats/en/formats.py).
FORMAT_MODULE_PATH = ["opsdesk.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "login"
# Every password login (form, admin, API token) goes through the lockout (core/login_throttle.py).
AUTHENTICATION_BACKENDS = ["core.login_throttle.ThrottledModelBackend"]
OPSDESK_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("OPSDESK_LOGIN_FAILURES_PER_ACCOUNT", "5"))
OPSDESK_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("OPSDESK_LOGIN_FAILURES_PER_ADDRESS", "20"))
OPSDESK_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("OPSDESK_LOGIN_LOCKOUT_SECONDS", "900"))
# Reverse proxies in front of the web processes whose X-Forwarded-For is trusted (0: use REMOTE_ADDR).
OPSDESK_TRUSTED_PROXIES = int(os.environ.get("OPSDESK_TRUSTED_PROXIES", "0"))
LOGIN_REDIRECT_URL = "incidents:queue"
LOGOUT_REDIRECT_URL = "login"

# Content-Security-Policy (django-csp): scripts and styles only from this site (no inline scripts or
# handlers anywhere: static/opsdesk/*.js; htmx is served locally with eval off), inline <style> only
# with the request's nonce (the SVG charts), images from here and data: URIs (the favicon, Swagger UI).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

OPSDESK_IDEMPOTENCY_SECONDS = int(os.environ.get("OPSDESK_IDEMPOTENCY_SECONDS", str(24 * 3600)))

# --- Celery -----------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# A broker outage must not slow a write (core/nudge.py): a producer tries one connection, bounded by
# the connect timeout, instead of kombu's default retries (the worker's consumer keeps retrying), and
# its commands by the socket timeout (producers only, opsdesk/celery.py: consumers block on purpose).
BROKER_CONNECT_TIMEOUT = float(os.environ.get("OPSDESK_BROKER_CONNECT_TIMEOUT", "1"))
BROKER_SOCKET_TIMEOUT = float(os.environ.get("OPSDESK_BROKER_SOCKET_TIMEOUT", "2"))  # a hung broker
# After a nudge could not reach the broker, its process sends no nudges for this long (core/nudge.py).
NUDGE_BREAKER_SECONDS = float(os.environ.get("OPSDESK_NUDGE_BREAKER_SECONDS", "5"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "max_retries": 0,  # connection attempts after the first, when a producer connects
        "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
    }
    BROKER_PRODUCER_TRANSPORT_OPTIONS = {"socket_timeout": BROKER_SOCKET_TIMEOUT}
else:
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Deadline sweeps have a queue of their own, consumed by a worker of their own (`-Q timers`, the
# `timers` process of Procfile.dev and docker-compose.yml), so a backlog of deliveries (emails,
# webhooks, on the default `celery` queue, `-Q celery`) can never hold them up. A worker consuming
# both queues gives no such promise: its pool may be busy with deliveries when a sweep is due.
TIMERS_QUEUE = "timers"
CELERY_TASK_ROUTES = {
    "sla.tasks.sweep_sla_clocks": {"queue": TIMERS_QUEUE},
    "sla.tasks.sweep_escalations": {"queue": TIMERS_QUEUE},
    # Event dispatch too: handlers only write rows, and a breach's notification is a timer's promise.
    "core.dispatch_events": {"queue": TIMERS_QUEUE},
    "core.sweep_events": {"queue": TIMERS_QUEUE},
    "incidents.resume_due_holds": {"queue": TIMERS_QUEUE},
}
OPSDESK_CMDB_MAX_DEPTH = int(os.environ.get("OPSDESK_CMDB_MAX_DEPTH", "20"))  # hops an impact walk follows
# The longest SLA target or escalation delay (sla/bounds.py): each is walked on a calendar per record.
OPSDESK_MAX_DURATION_DAYS = int(os.environ.get("OPSDESK_MAX_DURATION_DAYS", "365"))
OPSDESK_SWEEP_SECONDS = float(os.environ.get("OPSDESK_SWEEP_SECONDS", "5"))
# How long the SLA dashboard's computed figures are kept in the shared cache (reports/figures_cache.py); 0: off.
OPSDESK_DASHBOARD_CACHE_SECONDS = int(os.environ.get("OPSDESK_DASHBOARD_CACHE_SECONDS", "60"))
OPSDESK_SUSPECT_WINDOW_HOURS = float(os.environ.get("OPSDESK_SUSPECT_WINDOW_HOURS", "4"))  # change → incident
# Each sweep entry expires after two intervals: one not started by then is dropped, as a newer one is
# queued already. On the timers worker a deadline sweep waits only behind other sweeps and dispatches.
CELERY_BEAT_SCHEDULE: dict = {  # every periodic job, in one place
    "sweep-sla-clocks": {
        "task": "sla.tasks.sweep_sla_clocks",
        "schedule": OPSDESK_SWEEP_SECONDS,
        "options": {"expires": OPSDESK_SWEEP_SECONDS * 2},
    },
    "sweep-escalations": {
        "task": "sla.tasks.sweep_escalations",
        "schedule": OPSDESK_SWEEP_SECONDS,
        "options": {"expires": OPSDESK_SWEEP_SECONDS * 2},
    },
    "sweep-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": OPSDESK_SWEEP_SECONDS,
        "options": {"expires": OPSDESK_SWEEP_SECONDS * 2},
    },
    "sweep-events": {
        "task": "core.sweep_events",
        "schedule": OPSDESK_SWEEP_SECONDS,
        "options": {"expires": OPSDESK_SWEEP_SECONDS * 2},
    },
    "resume-due-holds": {  # incidents on hold whose resume-by time has come
        "task": "incidents.resume_due_holds",
        "schedule": OPSDESK_SWEEP_SECONDS,
        "options": {"expires": OPSDESK_SWEEP_SECONDS * 2},
    },
    "purge-sent-outbox": {"task": "notifications.purge_sent_outbox", "schedule": 24 * 3600.0},
    "sweep-inbound-alerts": {  # alert events a lost nudge or a failed attempt left pending
        "task": "alerts.sweep_inbound",
        "schedule": OPSDESK_SWEEP_SECONDS,
        "options": {"expires": OPSDESK_SWEEP_SECONDS * 2},
    },
    "refresh-sla-rollup": {"task": "reports.tasks.refresh_sla_rollup", "schedule": 3600.0},
}

# A Redis that is down or hung costs a request at most these (core/cache.py answers as an empty cache).
_CACHE_TIMEOUTS = {"socket_connect_timeout": BROKER_CONNECT_TIMEOUT, "socket_timeout": BROKER_SOCKET_TIMEOUT}
# Alert ingestion: the per-integration rate limit counts in Redis when there is one (all web processes
# together), else per process. The default cache stays local (tests clear it). ALERTS_PROCESS_INLINE:
# process an accepted alert in the request, after its commit, instead of in a worker (the sweep still
# catches failures).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Counters every web process must share: failed logins (core/login_throttle.py) and API throttles.
    "shared": (
        {
            "BACKEND": "core.cache.RedisCache",  # Django's, a client per pool (core/cache.py)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "opsdesk-shared",
            "OPTIONS": _CACHE_TIMEOUTS,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"}
    ),
    "alerts": (
        {
            "BACKEND": "core.cache.RedisCache",  # Django's, a client per pool (core/cache.py)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "opsdesk",
            "OPTIONS": _CACHE_TIMEOUTS,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "alerts"}
    ),
}
ALERTS_PROCESS_INLINE = os.environ.get("OPSDESK_ALERTS_INLINE", "").lower() in ("1", "true", "yes")

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so anonymous calls get 401, not 403; the token, its user and their roles in one query.
        "core.api.authentication.TokenWithRolesAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.HasRole"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "core.api.ordering.OrderingFilter",
    ],
    # Request bodies are JSON, and the schema says so (a body declared as JSON, form and multipart at once
    # trips client generators); a view that truly takes a form or a file names its own parsers.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [  # DRF's JSON, encoded by orjson; then the browsable API
        "core.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DURATION_FORMAT": "iso-8601",  # a DurationField left undeclared still answers ISO 8601 (P0DT00H15M00S)
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [  # counted in the shared cache: one budget across web processes
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": OPSDESK_TRUSTED_PROXIES,  # X-Forwarded-For is trusted only this far
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("OPSDESK_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("OPSDESK_THROTTLE_USER", "6000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OpsDesk API",
    "DESCRIPTION": (
        "IT service management: incidents, changes, problems and releases. "
        "Authenticate with `Authorization: Token <key>` (POST /api/v1/auth/token/) or a browser session. "
        "Every error has one JSON shape: {status, code, message, fields?, current_status?, "
        "allowed_transitions?}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,  # input components are named <Name>Request, output ones <Name>
    # Operation ids and tags without the version prefix: incidents_list, incidents_acknowledge.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "incidents.models.Level",
        "AuditActionEnum": "audit.models.ACTIONS",
        "ChangeTypeEnum": "changes.models.ChangeType",
        "TypeEnum": "core.events.registry.FIELD_TYPES",
        "TimelineEntryKindEnum": "core.models.TimelineEntry.Kind",
        "CabRoleEnum": "changes.models.approvals.CAB_ROLE_CHOICES",
        "CiKindEnum": "catalog.models.ConfigurationItem.Kind",
        "IntegrationKindEnum": "alerts.models.Integration.Kind",
        "ConflictKindEnum": "changes.models.conflicts.ConflictKind",
        "IncidentStatusEnum": "incidents.models.Status",
        "ChangeStatusEnum": "changes.models.change.Status",
        "ChangeOutcomeEnum": "changes.models.change.Outcome",
        "ChangeTaskStatusEnum": "changes.models.work_orders.TaskStatus",
        "SuspectStatusEnum": "changes.models.suspects.SuspectStatus",
        "AlertStatusEnum": "alerts.models.Alert.Status",
        "OutboxStatusEnum": "notifications.models.OutboxMessage.Status",
    },
}

# --- Audit of configuration (audit/): PostgreSQL triggers write the history ----------------------
# Triggers live on other apps' tables (and django.contrib.auth's), so they are installed after every
# `migrate` rather than through those apps' migrations; pgtrigger prunes the ones no longer declared.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"  # statements in one transaction keep their order
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")  # reads never write configuration

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPSDESK_LOG_LEVEL", "INFO")},
    "loggers": {"pgtrigger": {"level": "WARNING"}},  # not one line per trigger on every migrate
}

# --- Notifications: email and webhooks through the outbox (notifications/conf.py) -------------
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("OPSDESK_FROM_EMAIL", "opsdesk@localhost")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))
NOTIFICATIONS_SITE_URL = os.environ.get("OPSDESK_SITE_URL", "http://127.0.0.1:8000")  # links in emails
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("OPSDESK_NOTIFY_MAX_ATTEMPTS", "8"))
NOTIFICATIONS_BACKOFF_BASE = float(os.environ.get("OPSDESK_NOTIFY_BACKOFF_BASE", "10"))
NOTIFICATIONS_BACKOFF_CAP = float(os.environ.get("OPSDESK_NOTIFY_BACKOFF_CAP", "3600"))
# Seconds to connect to a webhook receiver, then to wait for each read of its answer.
NOTIFICATIONS_WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("OPSDESK_WEBHOOK_CONNECT_TIMEOUT", "2"))
NOTIFICATIONS_WEBHOOK_TIMEOUT = float(os.environ.get("OPSDESK_WEBHOOK_TIMEOUT", "5"))
# Seconds one webhook call may take in all, however slowly its receiver trickles the answer.
NOTIFICATIONS_WEBHOOK_TOTAL_TIMEOUT = float(os.environ.get("OPSDESK_WEBHOOK_TOTAL_TIMEOUT", "10"))
# A delivery task starts nothing new after this many seconds and hands on to a fresh task.
NOTIFICATIONS_TASK_BUDGET_SECONDS = float(os.environ.get("OPSDESK_NOTIFY_TASK_BUDGET", "3"))
# Private networks webhooks may reach despite the SSRF guard, e.g. "10.0.0.0/8,192.168.1.0/24".
NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = os.environ.get("OPSDESK_WEBHOOK_ALLOWED_NETWORKS", "")
NOTIFICATIONS_CLAIM_LEASE = 60  # seconds a claimed batch is held; more than twice the longest single send
# (the webhook timeout, EMAIL_TIMEOUT): after half of it a batch starts no new send (notifications/conf.py)

SESSION_ENGINE = "core.sessions"  # Django's database sessions, read by a plain statement
