"""Delivery work is bounded: a task stops starting sends after its time budget and hands on to a
successor, a webhook receiver that does not accept connections holds a worker no longer than
the connect timeout, and one that trickles its answer no longer than the total timeout."""

import contextlib
import socket
import threading
import time

import pytest

from notifications import delivery, tasks
from notifications.models import DeliveryAttempt, OutboxMessage

from .factories import EmailMessageFactory
from .test_delivery_batch import loopback_receivers_allowed, publish_webhooks  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


def test_a_sweep_run_starts_no_send_after_its_budget_and_says_more_is_due(settings):
    settings.NOTIFICATIONS_SWEEP_BATCH_SIZE = 2
    settings.NOTIFICATIONS_TASK_BUDGET_SECONDS = 0
    EmailMessageFactory.create_batch(5)
    # The first send of a run always starts (progress); the rest of its batch is handed back untried.
    assert delivery.sweep_run() == delivery.SweepRun({"sent": 1, "deferred": 1}, more=True)
    assert OutboxMessage.objects.filter(status="pending", attempts=0).count() == 4
    settings.NOTIFICATIONS_TASK_BUDGET_SECONDS = 60
    assert delivery.sweep_run() == delivery.SweepRun({"sent": 4}, more=False)


def test_slow_webhooks_hand_the_rest_of_the_batch_back_after_the_budget(
    webhook_receiver, subscription_factory, settings
):
    """Each send is bounded by the webhook timeout and nothing starts after the budget, so a task
    holds its worker for about budget + one timeout, not batch size x timeout."""
    settings.NOTIFICATIONS_TASK_BUDGET_SECONDS = 0.2
    subscription_factory(url=webhook_receiver.url)
    webhook_receiver.delay = 0.3  # answers, but after the budget is spent
    publish_webhooks(4)
    assert delivery.sweep_run() == delivery.SweepRun({"sent": 1, "deferred": 3}, more=True)
    assert len(webhook_receiver.requests) == 1
    assert DeliveryAttempt.objects.count() == 1  # handed-back messages are not attempts


def test_a_sweep_task_that_stopped_early_nudges_its_successor_which_expires(
    settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SWEEP_BATCH_SIZE = 2
    settings.NOTIFICATIONS_TASK_BUDGET_SECONDS = 0
    settings.OPSDESK_SWEEP_SECONDS = 5
    EmailMessageFactory.create_batch(3)
    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.sweep_outbox() == {"sent": 1, "deferred": 1}
    [successor] = callbacks
    assert successor.args[:2] == (tasks.sweep_outbox, ())
    assert successor.args[2] == {"expires": 10.0}  # superseded by beat's next sweep if not taken by then

    settings.NOTIFICATIONS_TASK_BUDGET_SECONDS = 60
    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.sweep_outbox() == {"sent": 2}
    assert callbacks == []  # drained: no successor


@contextlib.contextmanager
def receiver_not_accepting():
    """A listening port whose accept queue is full: the kernel drops further SYNs, so a connect
    hangs (as towards a firewalled or overloaded host) instead of being refused."""
    server = socket.create_server(("127.0.0.1", 0), backlog=0)
    fillers = []
    try:
        for _ in range(8):  # fill the accept queue (its exact size depends on the kernel)
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(server.getsockname())
            fillers.append(filler)
        yield server.getsockname()[1]
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def test_a_receiver_that_does_not_accept_connections_costs_only_the_connect_timeout(
    subscription_factory, settings
):
    settings.NOTIFICATIONS_WEBHOOK_CONNECT_TIMEOUT = 0.3
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 30  # waiting for an answer may take long; connecting may not
    with receiver_not_accepting() as port:
        subscription_factory(url=f"http://127.0.0.1:{port}/hook")
        [message] = publish_webhooks(1)
        assert delivery.deliver(message.pk) == "pending"
    attempt = DeliveryAttempt.objects.get()
    assert attempt.error.startswith("Connection failed") and "timed out" in attempt.error
    assert attempt.duration_ms < 10_000  # bounded by the connect timeout, far below the read timeout


@contextlib.contextmanager
def trickling_receiver(head: bytes):
    """A receiver that reads the request, sends `head`, then one more byte every 0.2 s for 15 s: each
    read gets something long before the read timeout, so only a deadline on the whole call ends it."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        with contextlib.suppress(OSError):
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(head)
                for _ in range(75):
                    if stop.wait(0.2):
                        return
                    connection.sendall(b"x")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    finally:
        stop.set()
        server.close()
        thread.join(timeout=5)


@pytest.fixture
def one_second_total(settings):
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 5  # never reached: a byte comes every 0.2 s
    settings.NOTIFICATIONS_WEBHOOK_TOTAL_TIMEOUT = 1


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_total_timeout(
    subscription_factory, one_second_total
):
    with trickling_receiver(b"HTTP/1.1 200 OK\r\nX-Slow: ") as url:
        subscription_factory(url=url)
        [message] = publish_webhooks(1)
        started = time.monotonic()
        assert delivery.deliver(message.pk) == "pending"  # the answer never completed: retried later
        assert time.monotonic() - started < 4  # 1 s and some scheduling, not the 15 s of trickle
    attempt = DeliveryAttempt.objects.get()
    assert attempt.error == "TimeoutError: no complete answer within 1 s (total timeout)"


def test_a_2xx_whose_body_trickles_counts_as_delivered_without_waiting_for_the_body(
    subscription_factory, one_second_total
):
    with trickling_receiver(b"HTTP/1.1 202 Accepted\r\nContent-Length: 1000\r\n\r\n") as url:
        subscription_factory(url=url)
        [message] = publish_webhooks(1)
        started = time.monotonic()
        assert delivery.deliver(message.pk) == "sent"
        assert time.monotonic() - started < 1
