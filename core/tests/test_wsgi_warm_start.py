"""A web worker loads the URL configuration and the nudge's Celery set-up as it starts (opsdesk/wsgi.py),
so its first request is as fast as the others instead of paying ~0.5 s of imports; then its garbage
collector is set to collect between requests, not during them."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECK = """
import os
os.environ["REDIS_URL"] = "redis://127.0.0.1:1/0"  # no broker there: starting must not need one
import opsdesk.wsgi
from django.urls import get_resolver
from opsdesk.celery import app
assert get_resolver()._populated, "the URL resolver is not built"
assert app.finalized, "the Celery app is not finalized"
assert "icalendar" in __import__("sys").modules  # a view module's import came with the URLs
# the garbage collector (core/web_gc.py): what it loaded is out of sight, and it collects between requests
import gc
from django.test import Client
assert gc.get_freeze_count() > 50_000, gc.get_freeze_count()
assert gc.get_threshold()[0] == 20_000, gc.get_threshold()
before = gc.get_stats()[1]["collections"]
Client().get("/no-such-page/")
assert gc.get_stats()[1]["collections"] == before + 1, "no collection as the request started"
print("warm")
"""


def test_a_worker_starts_warm_even_with_the_broker_down():
    env = {**os.environ, "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "opsdesk.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "warm"
