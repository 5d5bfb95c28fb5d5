"""A broker outage never slows a write: a failed nudge opens a circuit breaker, so the writes that
follow do not try the broker again until its window has passed, and the sweeps deliver anyway.

The broker is a real Redis client pointed at a local port where nothing useful listens (the shared
Redis keeps running): a closed port (connection refused) or a listener that accepts and drops every
connection, counting them. The producer is built from the app's own settings, so the bounded
connection attempts (CELERY_BROKER_TRANSPORT_OPTIONS) are under test too."""

import contextlib
import socket
import threading

import pytest
import redis
from kombu.pools import ProducerPool

from core import nudge, tasks
from core.events import dispatch_due
from core.models import Event, HandlerRun
from opsdesk.celery import app as celery_app

URL = "/api/v1/incidents/"


class DroppingBroker:
    """Accepts TCP connections and closes them at once, counting them: a broker that is there but
    broken (a proxy in front of a dead Redis)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"

    def _serve(self) -> None:
        with contextlib.suppress(OSError):  # closed at the end of the test
            while True:
                connection, _ = self.server.accept()
                self.accepted += 1
                connection.close()

    def close(self) -> None:
        self.server.close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"  # closed again: nothing listens


@contextlib.contextmanager
def producers_pointed_at(url: str):
    """The app's producers publish to `url`, with the app's own connection settings."""
    amqp = celery_app.amqp
    saved = amqp._producer_pool
    amqp._producer_pool = ProducerPool(amqp.producer_connection(url).Pool(limit=2), limit=2)
    try:
        yield
    finally:
        amqp._producer_pool = saved


@pytest.fixture(autouse=True)
def closed_breaker():
    nudge.breaker.reset()
    yield nudge.breaker
    nudge.breaker.reset()


@pytest.fixture
def production_dispatch(settings):
    settings.EVENTS_DISPATCH_INLINE = False  # events are dispatched after commit, by a nudged task


@pytest.fixture
def dropping_broker():
    broker = DroppingBroker()
    yield broker
    broker.close()


@pytest.mark.django_db(transaction=True)  # on-commit nudges run inside the request, as in production
def test_creates_during_a_broker_outage_try_the_broker_once_per_breaker_window(
    production_dispatch, dropping_broker, client_for, agent, service, settings, closed_breaker
):
    settings.NUDGE_BREAKER_SECONDS = 600  # one window covers the whole test, however slow the machine
    api = client_for(agent)
    with producers_pointed_at(dropping_broker.url):
        statuses = [
            api.post(
                URL, {"title": f"Disk full {n}", "service": service.pk, "impact": 1, "urgency": 2}
            ).status_code
            for n in range(5)
        ]
    assert statuses == [201] * 5
    assert dropping_broker.accepted == 1  # one connection attempt, for the first nudge only
    assert (closed_breaker.attempts, closed_breaker.failures) == (1, 1)
    assert closed_breaker.skipped >= 4  # every later create's nudges were skipped, not waited for
    # Nothing is lost: the events wait in PostgreSQL and the sweep dispatches them.
    assert Event.objects.filter(dispatch_due_at__isnull=False).count() == Event.objects.count() >= 5
    assert dispatch_due() > 0
    assert not Event.objects.filter(dispatch_due_at__isnull=False).exists()
    assert not HandlerRun.objects.exclude(outcome="done").exists()


@pytest.mark.django_db(transaction=True)
def test_a_refused_connection_also_opens_the_breaker(
    production_dispatch, client_for, agent, service, settings, caplog
):
    settings.NUDGE_BREAKER_SECONDS = 600
    api = client_for(agent)
    with producers_pointed_at(closed_port_url()):
        for n in range(3):
            payload = {"title": f"Disk full {n}", "service": service.pk, "impact": 1, "urgency": 2}
            assert api.post(URL, payload).status_code == 201
    assert nudge.breaker.attempts == 1 and nudge.breaker.is_open
    assert caplog.text.count("nudge: could not queue") == 1


def test_after_its_window_one_trial_nudge_closes_the_breaker_when_the_broker_answers(
    settings, db, django_capture_on_commit_callbacks
):
    settings.NUDGE_BREAKER_SECONDS = 600
    with producers_pointed_at(closed_port_url()), django_capture_on_commit_callbacks(execute=True):
        nudge.nudge_on_commit(tasks.sweep_events)  # fails
        nudge.nudge_on_commit(tasks.sweep_events)  # skipped
    assert (nudge.breaker.attempts, nudge.breaker.skipped, nudge.breaker.is_open) == (1, 1, True)

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(settings.TIMERS_QUEUE)
    settings.NUDGE_BREAKER_SECONDS = 0  # the window has passed (the next failure would open a new one)
    nudge.breaker.failed()  # reopen with the short window, as if the outage had just been seen
    with django_capture_on_commit_callbacks(execute=True):
        nudge.nudge_on_commit(tasks.sweep_events)  # the trial, to the real broker
    assert (nudge.breaker.attempts, nudge.breaker.is_open) == (2, False)
    assert broker.llen(settings.TIMERS_QUEUE) == 1  # it reached the broker
    broker.delete(settings.TIMERS_QUEUE)


def test_while_a_trial_is_out_other_nudges_skip(settings):
    settings.NUDGE_BREAKER_SECONDS = 0
    breaker = nudge.Breaker()
    breaker.failed()
    assert breaker.allow() is True  # window over: this caller is the trial
    settings.NUDGE_BREAKER_SECONDS = 600
    breaker.failed()  # the trial failed: a new window
    assert breaker.allow() is False and breaker.skipped == 1
    breaker.succeeded()
    assert breaker.allow() is True and not breaker.is_open


def test_an_error_that_is_not_the_brokers_does_not_stop_nudging(
    db, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        nudge.nudge_on_commit(tasks.dispatch_events, object())  # cannot be serialised
    assert "nudge: could not queue core.dispatch_events" in caplog.text
    assert not nudge.breaker.is_open and nudge.breaker.failures == 0


def test_a_hung_broker_costs_one_nudge_the_producers_socket_timeout(
    settings, db, django_capture_on_commit_callbacks, caplog
):
    """A broker that accepts connections but never answers (stopped with SIGSTOP, a dead proxy)."""
    settings.NUDGE_BREAKER_SECONDS = 600
    settings.BROKER_PRODUCER_TRANSPORT_OPTIONS = {"socket_timeout": 0.3}
    with socket.create_server(("127.0.0.1", 0)) as hung:  # listens, never accepts nor answers
        url = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        with producers_pointed_at(url), django_capture_on_commit_callbacks(execute=True):
            for _ in range(3):
                nudge.nudge_on_commit(tasks.sweep_events)
    assert (nudge.breaker.attempts, nudge.breaker.failures, nudge.breaker.skipped) == (1, 1, 2)
    assert "Timeout" in caplog.text  # the read timed out instead of waiting for ever
