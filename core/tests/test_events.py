"""The event bus on real PostgreSQL: publish in the caller's transaction, dispatch after commit,
each (event, handler) pair at most once, transient failures retried with backoff, domain errors not."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection, transaction

from core import tasks
from core.events import EventType, Field, NewEvent, Registry, dispatch_due, publish, publish_many, registry
from core.models import Event, HandlerRun

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ping(n: int = 1, **fields) -> Event:
    return publish(type="test.pinged", payload={"n": n}, key=fields.pop("key", f"ping:{n}"), **fields)


def runs() -> dict[tuple[str, str], tuple[str, int]]:
    return {
        (run.event.key, run.handler): (run.outcome, run.attempts)
        for run in HandlerRun.objects.select_related("event")
    }


# --- the registry --------------------------------------------------------------------------------


def test_the_registry_refuses_conflicting_types_and_unknown_subscriptions():
    local = Registry()
    pinged = EventType("x.pinged", 1, "", (Field("n", "integer", ""),))
    local.register(pinged, pinged)  # the same definition twice is fine
    with pytest.raises(ImproperlyConfigured):
        local.register(EventType("x.pinged", 2, "", ()))
    with pytest.raises(ImproperlyConfigured):
        local.subscribe(print, to=["x.unknown"])
    with pytest.raises(ImproperlyConfigured):
        Field("n", "float", "")
    assert local.names() == ["x.pinged"]


def test_payloads_are_checked_against_the_declared_fields():
    event_type = EventType(
        "x.y", 1, "", (Field("n", "integer", ""), Field("who", "string", "", nullable=True))
    )
    assert event_type.problems({"n": 1, "who": None}) == []
    assert event_type.problems({"n": True, "who": 3}) == [
        "'n' must be a JSON integer, not bool",
        "'who' must be a JSON string, not int",
    ]
    assert event_type.problems({}) == ["'n' is missing", "'who' is missing"]


def test_publishing_an_unknown_type_or_a_bad_payload_is_a_programming_error(bus, db):
    with pytest.raises(LookupError):
        publish(type="test.unknown", payload={})
    with pytest.raises(ValueError, match="'n' is missing"):
        publish(type="test.pinged", payload={})
    assert not Event.objects.exists()


# --- publishing ------------------------------------------------------------------------------------


def test_publish_writes_the_event_with_its_subject_and_nudges_after_commit(
    bus, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        event = ping(7, subject=agent, actor=agent, audience=[agent, agent.pk], title="Hi")
    stored = Event.objects.get()
    assert (stored.type, stored.version, stored.payload, stored.subject, stored.actor) == (
        "test.pinged",
        1,
        {"n": 7},
        agent,
        agent,
    )
    assert stored.audience == [agent.pk] and stored.dispatch_due_at is not None and stored.pk == event.pk
    assert [callback.func.__name__ for callback in callbacks] == ["_send"]
    assert callbacks[0].args[:2] == (tasks.dispatch_events, ([event.pk],))


def test_the_same_key_published_twice_is_one_event(bus, db):
    first = ping(1, key="once")
    again = publish(type="test.pinged", payload={"n": 2}, key="once")
    assert again.pk == first.pk
    assert list(Event.objects.values_list("key", "payload")) == [("once", {"n": 1})]


def test_a_burst_is_one_insert_and_one_sweep_nudge(
    bus, db, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1):
        publish_many(NewEvent("test.pinged", {"n": n}, key=f"burst:{n}") for n in range(300))
    assert Event.objects.count() == 300
    assert [callback.args[0] for callback in callbacks] == [tasks.sweep_events]


# --- dispatching -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_event_published_in_a_rolled_back_transaction_is_never_delivered(bus):
    first, second = bus
    with pytest.raises(RuntimeError), transaction.atomic():
        ping(1)
        raise RuntimeError("the change failed")
    with transaction.atomic():
        ping(2)
    dispatch_due()
    assert (first.keys, second.keys) == (["ping:2"], ["ping:2"])
    assert list(Event.objects.values_list("key", flat=True)) == ["ping:2"]


def test_dispatching_twice_runs_each_handler_once(bus, db):
    first, second = bus
    event = ping(1)
    assert dispatch_due(ids=[event.pk]) == 4  # the two test handlers and the two notification ones
    assert dispatch_due(ids=[event.pk]) == 0
    assert dispatch_due() == 0
    assert (first.calls, second.calls) == ([["ping:1"]], [["ping:1"]])
    assert {run: outcome for run, outcome in runs().items() if run[1].startswith("test.")} == {
        ("ping:1", "test.first"): ("done", 1),
        ("ping:1", "test.second"): ("done", 1),
    }
    assert Event.objects.get().dispatch_due_at is None


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_run_each_handler_once(bus):
    """One dispatcher holds the event (its handler is mid-run); the other skips it and, once the
    first commits, finds nothing left to do."""
    first, _ = bus
    with transaction.atomic():
        event = ping(1)
    inside, release = threading.Event(), threading.Event()
    first.fail = lambda _event: (inside.set(), release.wait(10))[-1] and None

    results = {}

    def dispatcher(name):
        try:
            results[name] = dispatch_due(ids=[event.pk])
        finally:
            connection.close()

    holder = threading.Thread(target=dispatcher, args=("holder",))
    holder.start()
    assert inside.wait(10)
    other = threading.Thread(target=dispatcher, args=("other",))
    other.start()
    other.join(10)
    release.set()
    holder.join(10)
    assert results == {"holder": 4, "other": 0}
    assert dispatch_due() == 0
    assert first.calls == [["ping:1"]]
    assert set(runs().values()) == {("done", 1)}


@pytest.mark.parametrize(
    "error", [OperationalError("server closed the connection"), ConnectionError("reset")]
)
def test_a_handler_failing_once_with_a_connection_error_runs_again_and_succeeds(bus, db, error):
    first, second = bus
    first.fail = lambda event: error if len(first.calls) == 1 else None
    with time_machine.travel(T0, tick=False):
        ping(1)
        dispatch_due()
        run = HandlerRun.objects.get(handler="test.first")
        assert (run.outcome, run.attempts, run.next_attempt_at) == ("retrying", 1, T0 + timedelta(seconds=5))
        assert type(error).__name__ in run.error
        assert Event.objects.get().dispatch_due_at == T0 + timedelta(seconds=5)
        assert dispatch_due() == 0  # not due yet
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        assert dispatch_due() == 1
    assert first.calls == [["ping:1"], ["ping:1"]] and second.calls == [["ping:1"]]
    assert runs()[("ping:1", "test.first")] == ("done", 2)
    assert runs()[("ping:1", "test.second")] == ("done", 1)
    assert Event.objects.get().dispatch_due_at is None


def test_a_domain_error_is_recorded_and_not_retried(bus, db):
    first, second = bus
    first.fail = lambda event: ValueError("no such team")
    with time_machine.travel(T0, tick=False):
        ping(1)
        dispatch_due()
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        assert dispatch_due() == 0
    run = HandlerRun.objects.get(handler="test.first")
    assert (run.outcome, run.attempts, run.error) == ("failed", 1, "ValueError: no such team")
    assert first.calls == [["ping:1"]] and second.calls == [["ping:1"]]
    assert Event.objects.get().dispatch_due_at is None


def test_transient_failures_back_off_and_give_up_after_the_last_attempt(bus, db, settings):
    settings.EVENTS_MAX_ATTEMPTS = 3
    first, _ = bus
    first.fail = lambda event: OperationalError("lock timeout")
    waits = []
    with time_machine.travel(T0, tick=False) as clock:
        ping(1)
        for _ in range(3):
            dispatch_due()
            run = HandlerRun.objects.get(handler="test.first")
            if run.next_attempt_at:
                waits.append((run.next_attempt_at - datetime.now(UTC)).total_seconds())
                clock.move_to(run.next_attempt_at)
    assert waits == [5.0, 10.0]
    assert (run.outcome, run.attempts) == ("failed", 3)
    assert len(first.calls) == 3


def test_one_bad_event_in_a_batch_does_not_hold_up_the_others(bus, db):
    first, _ = bus
    first.fail = lambda event: ValueError("bad") if event.payload["n"] == 2 else None
    publish_many(NewEvent("test.pinged", {"n": n}, key=f"ping:{n}") for n in range(1, 4))
    dispatch_due()
    assert {key: outcome for (key, handler), (outcome, _) in runs().items() if handler == "test.first"} == {
        "ping:1": "done",
        "ping:2": "failed",
        "ping:3": "done",
    }


def test_a_handlers_writes_commit_with_its_run_and_roll_back_with_its_failure(bus, db, agent):
    from core.models import TimelineEntry
    from core.timeline import timeline_record

    first, _ = bus

    def write_then_maybe_fail(event):
        timeline_record(subject=agent, kind=TimelineEntry.Kind.COMMENT, note=f"handled {event.key}")
        return OperationalError("deadlock detected") if len(first.calls) == 1 else None

    first.fail = write_then_maybe_fail
    with time_machine.travel(T0, tick=False):
        ping(1)
        dispatch_due()
        assert not TimelineEntry.objects.exists()  # the failed attempt's write rolled back
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        dispatch_due()
    assert list(TimelineEntry.objects.values_list("note", flat=True)) == ["handled ping:1"]


def test_a_sweep_batch_costs_the_same_queries_for_any_number_of_events(
    bus, db, django_assert_num_queries, settings
):
    settings.EVENTS_SWEEP_BATCH_SIZE = 500
    for count in (3, 60):
        publish_many(NewEvent("test.pinged", {"n": n}, key=f"{count}:{n}") for n in range(count))
        # savepoint + lock the batch (2); earlier runs (1); 2 test handlers + 2 notification handlers,
        # a savepoint and release each (8); webhook subscriptions (1); runs (1); events done (1); release (1)
        with django_assert_num_queries(15):
            dispatch_due()
    assert HandlerRun.objects.filter(outcome="done").count() == 63 * 4


def test_the_sweep_task_is_scheduled_by_beat_on_the_timers_queue(settings):
    entry = next(
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "core.sweep_events"
    )
    assert entry["schedule"] == settings.OPSDESK_SWEEP_SECONDS
    for task in (tasks.sweep_events, tasks.dispatch_events):
        assert settings.CELERY_TASK_ROUTES[task.name] == {"queue": settings.TIMERS_QUEUE}


def test_every_registered_type_is_subscribed_by_the_notification_handlers():
    names = {subscription.name for subscription in registry.subscriptions()}
    assert {"notifications.notify_people", "notifications.send_webhooks"} <= names


def test_a_manager_can_run_failed_handlers_again(bus, db, manager, agent, django_capture_on_commit_callbacks):
    from core.errors import NotPermitted
    from core.events.services import handler_runs_retry

    first, _ = bus
    first.fail = lambda event: ValueError("bug") if len(first.calls) == 1 else None
    event = ping(1)
    dispatch_due()
    failed = HandlerRun.objects.get(handler="test.first")
    done = HandlerRun.objects.get(handler="test.second")
    with pytest.raises(NotPermitted):
        handler_runs_retry(actor=agent, run_ids=[failed.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        assert handler_runs_retry(actor=manager, run_ids=[failed.pk, done.pk]) == 1
    assert callbacks[0].args[:2] == (tasks.dispatch_events, ([event.pk],))
    dispatch_due()
    assert runs()[("ping:1", "test.first")] == ("done", 1)
    assert first.calls == [["ping:1"], ["ping:1"]] and bus[1].calls == [["ping:1"]]
