"""SLA clocks on the records of any process. A process app registers a `ClockAdapter` (which model,
which policy applies to a record, who hears of a firing and which events are published) and calls
`clocks_start`, `clocks_on_transition` and `clocks_retarget` from its services, in the same
transaction as the change that causes them; `sweep_clocks` fires the thresholds as time passes.

What each transition does to each clock is data: the policy's targets name the transitions that
start, pause, resume and stop them (sla.models.SlaTarget). A threshold fires exactly once: its
firing is recorded on the clock row, locked, in the same transaction as its timeline entry and
the adapter's announcements."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Min, OuterRef, Subquery
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from core.bulk import update_rows
from core.formatting import utc_minute
from core.models import TimelineEntry
from core.processes import CREATE
from core.sweep import sweep_due
from core.timeline import timeline_entry, timeline_record_many

from . import clock as sla_clock
from . import states
from .models import SlaClock, SlaClockBase, SlaPolicy, SlaTarget
from .selectors import sla_policy_for, sla_targets_starting, working_calendar

THRESHOLD_WORDS = {"warning_50": "50 % elapsed", "warning_75": "75 % elapsed (at risk)", "breach": "breached"}
SWEEP_BATCH = 500
FIRED_FIELDS = ["warned_50_at", "warned_75_at", "breached_at", "next_fire_at"]
EFFECTS = {"stop": sla_clock.stop, "pause": sla_clock.pause, "resume": sla_clock.resume}


@dataclass(frozen=True)
class Firing:
    """One threshold of one clock reached, recorded at `at`."""

    clock: SlaClock
    record: models.Model
    threshold: str  # warning_50 | warning_75 | breach
    at: datetime

    @property
    def what(self) -> str:
        """e.g. "Response SLA breached"."""
        return f"{self.clock.target_label} SLA {THRESHOLD_WORDS[self.threshold]}"

    @property
    def due(self) -> str:
        """e.g. "due 2026-11-16 10:00 UTC": stored once, said in each reader's zone (core.formatting)."""
        due_at = self.clock.due_at
        return f"due {utc_minute(due_at)}" if due_at else "clock stopped"


class ClockAdapter:
    """What a process tells the SLA engine about its records; subclass it in the process app's
    sla.py and register an instance from its AppConfig.ready()."""

    process: str  # a key of core.processes, e.g. the one the policies are chosen by
    model: type[models.Model]
    sweep_related: tuple[str, ...] = ()  # select_related when the sweep loads records
    # A DateTimeField of the record that the engine keeps equal to the soonest `due_at` of its running
    # clocks (None when none runs), so lists can order and filter by it through an index of their own;
    # None: the process keeps no such column.
    due_field: str | None = None
    # A DateTimeField of the record that the engine keeps equal to the earliest `states.breached_from`
    # of its clocks, so "breached" lists filter on `field <= now` through an index instead of joining
    # the clocks (exactly `states.breached_q` of some clock); None: no such column.
    breached_field: str | None = None
    target_templates: dict[str, dict[str, list[str]]] = {}  # name → default start_on/pause_on/...

    def policy_scope(self, record: models.Model) -> dict[str, Any]:
        """The policy key besides the process: {"priority": ..., "service": ...}."""
        raise NotImplementedError

    def describe(self, record: models.Model) -> str:
        """How people know the record, e.g. its number."""
        return str(record)

    def publish(self, firings: list[Firing]) -> None:
        """Tell whoever must hear of these firings (per threshold) and publish their events, in bulk."""
        raise NotImplementedError


_adapters: dict[str, ClockAdapter] = {}  # model label → adapter


def register_adapter(adapter: ClockAdapter) -> ClockAdapter:
    _adapters[adapter.model._meta.label_lower] = adapter
    return adapter


def unregister_adapter(adapter: ClockAdapter) -> None:
    _adapters.pop(adapter.model._meta.label_lower, None)


def adapter_for(model: type[models.Model]) -> ClockAdapter:
    try:
        return _adapters[model._meta.label_lower]
    except KeyError:
        raise LookupError(f"No SLA clock adapter is registered for {model._meta.label}.") from None


def adapter_for_process(process: str) -> ClockAdapter | None:
    return next((a for a in _adapters.values() if a.process == process), None)


# --- the record's lifecycle ------------------------------------------------------------------------


def clocks_plan(record: models.Model, *, at: datetime) -> list[SlaClock]:
    """The clocks that filing the record starts at `at`, computed but not saved (the applicable
    policy's targets and the policy read in one query, its calendar in another). A service can call
    it before its transaction, so that the transaction holds its locks for the writes alone, and
    store the record's due field (`soonest_due` of these) with the record's own INSERT;
    `clocks_start(record, at=at, planned=...)` saves them."""
    adapter = adapter_for(type(record))
    targets = sla_targets_starting(process=adapter.process, action=CREATE, **adapter.policy_scope(record))
    if not targets:
        return []
    policy = targets[0].policy
    calendar = working_calendar(policy.calendar_id)
    content_type = ContentType.objects.get_for_model(record)
    clocks = []
    for target in targets:
        clock = SlaClock(content_type=content_type, target=target.name)
        _start(clock, target, policy, at=at, calendar=calendar)
        clocks.append(clock)
    return clocks


def clocks_start(
    record: models.Model, *, at: datetime, planned: list[SlaClock] | None = None
) -> list[SlaClock]:
    """Start the clocks of the targets that begin when the record is filed: those `clocks_plan`
    computed (`planned`), else computed now. One INSERT, and one UPDATE of the record's due field
    unless it already holds their soonest deadline."""
    clocks = clocks_plan(record, at=at) if planned is None else planned
    if not clocks:
        return []
    for clock in clocks:
        clock.object_id = record.pk
    clocks = SlaClock.objects.bulk_create(clocks)
    _store_derived(record, clocks)
    return clocks


def clocks_on_transition(record: models.Model, *, action: str, at: datetime) -> None:
    """Catch up the record's clocks, apply what `action` does to each, then start the targets it
    starts (a new clock, or a fresh run of a stopped one; a running or paused one is left alone)."""
    firings = []
    clocks = {clock.target: clock for clock in _locked_clocks(record)}
    for clock in clocks.values():
        firings += _catch_up(clock, record=record, now=at)
        effect = clock.effect_of(action)
        if effect:
            EFFECTS[effect](clock, at=at, calendar=clock.working_calendar())
        clock.save()
    adapter = adapter_for(type(record))
    starting = sla_targets_starting(process=adapter.process, action=action, **adapter.policy_scope(record))
    for target in starting:
        clock = clocks.get(target.name)
        if clock is not None and clock.stopped_at is None:
            continue
        clock = clock or SlaClock(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk, target=target.name
        )
        _start(clock, target, target.policy, at=at, calendar=working_calendar(target.policy.calendar_id))
        clock.save()
        clocks[target.name] = clock
    _store_derived(record, clocks.values())
    _record(firings)


def clocks_retarget(record: models.Model, *, at: datetime) -> None:
    """After the policy key changed (e.g. the priority): each running or paused clock takes the
    duration of the same-named target of the new policy, keeping the business time elapsed."""
    policy = _policy_for(record)
    if policy is None:
        return
    targets = {target.name: target for target in policy.targets.all()}
    new_calendar = working_calendar(policy.calendar_id)
    firings = []
    clocks = _locked_clocks(record)
    for clock in clocks:
        firings += _catch_up(clock, record=record, now=at)
        target = targets.get(clock.target)
        if clock.stopped_at is None and target is not None:
            sla_clock.retarget(
                clock,
                at=at,
                target=target.duration,
                old_calendar=clock.working_calendar(),
                new_calendar=new_calendar,
            )
            clock.policy_target, clock.calendar_id, clock.rules = target, policy.calendar_id, target.rules
        clock.save()
    _store_derived(record, clocks)
    _record(firings)


def sweep_clocks(*, now: datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Fire every threshold that is due, of every process (see core.sweep.sweep_due); returns how
    many fired. A batch is written in a constant number of statements: its records (one query per
    process in the batch), clocks, timeline entries and each adapter's announcements in bulk."""
    now = now or timezone.now()

    def fire(clocks: list[SlaClock]) -> int:
        at = max(now, timezone.now())  # when this batch really fires (a long sweep's later batches)
        records = _records_of(clocks)
        firings = [
            firing
            for clock in clocks
            for firing in _catch_up(
                clock, record=records.get((clock.content_type_id, clock.object_id)), now=now, at=at
            )
        ]
        update_rows(clocks, FIRED_FIELDS)  # one UPDATE ... FROM unnest(...), whatever the batch size
        _record(firings)
        return len(firings)

    return sweep_due(
        SlaClock.objects.all(), due_field="next_fire_at", now=now, batch_size=batch_size, fire_batch=fire
    )


# --- internals -------------------------------------------------------------------------------------


def _policy_for(record: models.Model) -> SlaPolicy | None:
    adapter = adapter_for(type(record))
    return sla_policy_for(process=adapter.process, **adapter.policy_scope(record))


def _start(clock: SlaClock, target: SlaTarget, policy: SlaPolicy, *, at: datetime, calendar) -> None:
    clock.policy_target, clock.calendar_id, clock.rules = target, policy.calendar_id, target.rules
    sla_clock.start(clock, at=at, target=target.duration, calendar=calendar)


def soonest_due(clocks: Iterable[SlaClockBase]) -> datetime | None:
    """The soonest deadline of the running clocks (a clock stores `due_at` only while it runs)."""
    return min((clock.due_at for clock in clocks if clock.due_at is not None), default=None)


def derived_values(adapter: ClockAdapter, clocks: Iterable[SlaClockBase]) -> dict[str, datetime | None]:
    """{field: value} of the columns the adapter keeps from the record's clocks (see ClockAdapter)."""
    clocks = list(clocks)
    values = {}
    if adapter.due_field is not None:
        values[adapter.due_field] = soonest_due(clocks)
    if adapter.breached_field is not None:
        values[adapter.breached_field] = min(
            (t for t in map(states.breached_from, clocks) if t is not None), default=None
        )
    return values


def _store_derived(record: models.Model, clocks: Iterable[SlaClock]) -> None:
    """Keep the record's `due_field` and `breached_field` (see ClockAdapter) equal to what its clocks
    say: one UPDATE of those columns alone (no version bump: they are derived), none when unchanged."""
    values = derived_values(adapter_for(type(record)), clocks)
    changed = {field: value for field, value in values.items() if getattr(record, field) != value}
    if changed:
        type(record)._default_manager.filter(pk=record.pk).update(**changed)
        for field, value in changed.items():
            setattr(record, field, value)


@receiver(post_delete, sender=SlaClock, dispatch_uid="sla.engine.clock_deleted")
def _clock_deleted(sender, instance: SlaClock, **kwargs) -> None:
    """A clock deleted outside the engine (the admin, a script, a cascade): the record's derived
    columns follow its remaining clocks (one UPDATE; nothing for a process keeping no such column)."""
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    adapter = model and _adapters.get(model._meta.label_lower)
    if adapter is None:
        return
    remaining = SlaClock.objects.filter(content_type_id=instance.content_type_id, object_id=OuterRef("pk"))
    per_record = remaining.order_by().values("object_id")
    aggregates = {
        adapter.due_field: Min("due_at"),
        adapter.breached_field: Min(states.breached_from_expression()),
    }
    values = {
        field: Subquery(per_record.annotate(value=aggregate).values("value"))
        for field, aggregate in aggregates.items()
        if field is not None
    }
    if values:
        model._default_manager.filter(pk=instance.object_id).update(**values)


def _locked_clocks(record: models.Model) -> list[SlaClock]:
    clocks = SlaClock.objects.select_for_update(of=("self",)).filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    )
    return list(clocks.select_related("calendar").order_by("-target"))


def _records_of(clocks: list[SlaClock]) -> dict[tuple[int, int], models.Model]:
    """The clocks' records, one query per content type, with what their adapter needs."""
    ids: dict[int, set[int]] = defaultdict(set)
    for clock in clocks:
        ids[clock.content_type_id].add(clock.object_id)
    found = {}
    for content_type_id, object_ids in ids.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        adapter = model and _adapters.get(model._meta.label_lower)
        if adapter is None:
            continue  # no process registers these records any more: their clocks fire silently
        related = adapter.sweep_related
        for pk, record in model._default_manager.select_related(*related).in_bulk(object_ids).items():
            found[(content_type_id, pk)] = record
    return found


def _catch_up(
    clock: SlaClock, *, record: models.Model | None, now: datetime, at: datetime | None = None
) -> list[Firing]:
    """Mark the thresholds the clock had reached by `now` and not yet fired, as fired `at` (default
    `now`); the caller records them (a clock whose record is gone fires silently)."""
    at = at or now
    due = sla_clock.due_thresholds(clock, now=now)
    for threshold in due:
        sla_clock.mark_fired(clock, threshold, at=at)
    if record is None:
        return []
    return [Firing(clock, record, threshold.name, at) for threshold in due]


def _record(firings: list[Firing]) -> None:
    """The timeline entries of the firings, then each process's announcements, in bulk."""
    if not firings:
        return
    timeline_record_many(
        timeline_entry(
            subject=firing.record,
            kind=TimelineEntry.Kind.SLA,
            created_at=firing.at,
            note=f"{firing.what} ({firing.due}; target {firing.clock.target_duration}).",
            data={
                "target": firing.clock.target,
                "threshold": firing.threshold,
                "due_at": firing.clock.due_at and firing.clock.due_at.isoformat(),
            },
        )
        for firing in firings
    )
    by_adapter: dict[str, list[Firing]] = defaultdict(list)
    for firing in firings:
        by_adapter[firing.record._meta.label_lower].append(firing)
    for label, group in by_adapter.items():
        _adapters[label].publish(group)
