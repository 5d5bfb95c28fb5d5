import os

from django.core.wsgi import get_wsgi_application
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings.prod")
application = get_wsgi_application()

# Each worker imports the URL configuration (every view module and what they import: the API schema
# views, the calendar and chart libraries) and builds the resolver's reverse map as it starts, not in
# the first request it serves: at 1M incidents a cold create took 0.5 s alone (2.5 s on a busy machine)
# instead of ~50 ms, and every request queued behind it waited as long.
reverse("healthz")

# Likewise the first nudge's Celery set-up (task registry, producer pool, the broker transport's
# modules: ~0.3 s); no connection is opened, so a broker that is down changes nothing here.
from opsdesk.celery import app as celery_app  # noqa: E402

celery_app.finalize(auto=True)
celery_app.amqp.producer_pool.connections.connection.transport  # noqa: B018

# Then the garbage collector: what the worker has loaded is frozen out of its sight, and it collects
# between requests rather than in the middle of them (core/web_gc.py).
from core.web_gc import collect_between_requests  # noqa: E402

collect_between_requests()
