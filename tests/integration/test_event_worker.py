"""The event bus end to end with a real worker on the real broker: commit → nudge → worker →
handlers → notification and email; a lost nudge is made good by the sweep."""

import contextlib
import socket

import pytest
from django.core import mail
from django.db import transaction
from kombu import Connection
from kombu.pools import ProducerPool

from core import nudge, roles, tasks
from core.events import EventType, Field, publish, registry
from core.models import Event, HandlerRun
from notifications.models import Notification, OutboxMessage
from opsdesk.celery import app as celery_app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PINGED = EventType("test.pinged", 1, "A test event.", (Field("n", "integer", "A number."),))


@pytest.fixture
def bus(settings):
    settings.EVENTS_DISPATCH_INLINE = False  # the real path: dispatched by the worker after commit
    with registry.scoped():
        registry.register(PINGED)
        yield


@contextlib.contextmanager
def broker_unreachable():
    """Point the app's producers at a closed local port (the shared Redis keeps running)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
    amqp = celery_app.amqp
    saved = amqp._producer_pool
    dead = Connection(f"redis://127.0.0.1:{port}/0", connect_timeout=1, transport_options={"max_retries": 0})
    amqp._producer_pool = ProducerPool(dead.Pool(limit=2), limit=2)
    try:
        yield
    finally:
        amqp._producer_pool = saved
        # The failed nudge opened this process's circuit breaker (core/nudge.py); the worker here
        # runs in threads of the same process, so close it as the outage ends, or their own nudges
        # would be skipped for the breaker's window.
        nudge.breaker.reset()


def ping(n, user):
    return publish(type="test.pinged", payload={"n": n}, key=f"ping:{n}", audience=[user], title=f"Ping {n}")


def delivered(event: Event) -> bool:
    return HandlerRun.objects.filter(event=event, outcome="done").count() == 2 and not (
        OutboxMessage.objects.exclude(status="sent").exists()
    )


def test_an_event_whose_nudge_was_lost_is_delivered_by_the_sweep(
    bus, celery_worker, wait_until, make_user, caplog
):
    alice = make_user(roles.AGENT, username="alice")
    with broker_unreachable(), transaction.atomic():
        event = ping(1, alice)
    assert "nudge: could not queue core.dispatch_events" in caplog.text
    assert Event.objects.get().dispatch_due_at is not None and not HandlerRun.objects.exists()

    tasks.sweep_events.delay()  # what beat does every few seconds
    wait_until(lambda: delivered(event))
    assert list(Notification.objects.values_list("recipient__username", "title")) == [("alice", "Ping 1")]
    assert [email.subject for email in mail.outbox] == ["[OpsDesk] Ping 1"]
    assert set(HandlerRun.objects.values_list("attempts", flat=True)) == {1}


def test_the_worker_delivers_committed_events_and_never_rolled_back_ones(
    bus, celery_worker, wait_until, make_user
):
    alice = make_user(roles.AGENT, username="alice")
    with pytest.raises(RuntimeError), transaction.atomic():
        ping(1, alice)
        raise RuntimeError("the change failed")
    with transaction.atomic():
        marker = ping(2, alice)  # nudged after the rolled-back one would have been
    wait_until(lambda: delivered(marker))
    assert list(Event.objects.values_list("key", flat=True)) == ["ping:2"]
    assert [email.subject for email in mail.outbox] == ["[OpsDesk] Ping 2"]
