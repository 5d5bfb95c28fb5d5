"""`make test`: the real PostgreSQL and Redis here unless DATABASE_URL / REDIS_URL say otherwise."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdesk")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: F403
from .base import DATABASES, REST_FRAMEWORK

DATABASES["default"]["TEST"] = {"NAME": os.environ.get("OPSDESK_TEST_DB", "test_opsdesk")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic needed
WHITENOISE_USE_FINDERS = True
# Run event handlers in the publishing transaction, so tests see notifications and webhook messages
# without a worker (as before the event bus). The event bus tests turn it off to test the real path:
# dispatch after commit by a task, or by the sweep.
EVENTS_DISPATCH_INLINE = True
# Tests change the data between requests at one frozen instant: the dashboard computes its figures
# every time unless a test turns its cache on (reports/tests/test_figures_cache.py).
OPSDESK_DASHBOARD_CACHE_SECONDS = 0
# Tests with serialized_rollback (the browser tests) restore the database from a snapshot by saving each
# row again; the audit's history rows are append-only (a trigger refuses updates), so they stay out of it.
TEST_NON_SERIALIZED_APPS = ["audit"]
