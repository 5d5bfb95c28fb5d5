"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.app.amqp import AMQP
from kombu import Connection, pools

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings.dev")


class BoundedProducers(AMQP):
    """Producers (nudges sent by web requests, tasks queuing tasks, beat, control replies) connect
    with the broker transport options plus BROKER_PRODUCER_TRANSPORT_OPTIONS (a socket timeout), so
    a hung broker cannot hold a request for long. Consumers keep their long blocking reads (BRPOP,
    pub/sub), which such a timeout would break."""

    def producer_connection(self, url: str | None = None) -> Connection:
        from django.conf import settings

        options = getattr(settings, "BROKER_PRODUCER_TRANSPORT_OPTIONS", {})
        return self.app.connection_for_write(url, transport_options=options)

    @property
    def producer_pool(self):
        if self._producer_pool is None:
            self._producer_pool = pools.producers[self.producer_connection()]
            self._producer_pool.limit = self.app.pool.limit
        return self._producer_pool

    publisher_pool = producer_pool


app = Celery("opsdesk", amqp=BoundedProducers)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
