"""Escalation of records of any process: the ordered levels of the matching policy fire once each,
when enough business time (on the policy's calendar, not counting time on hold) has passed since
the record was filed, or manually.

A process registers an `EscalationAdapter` (its `escalation.py`) saying which policy applies, whether
a record is open, acknowledged or on hold, how to reassign it and raise its priority, and how to
save and announce what fired. This module applies policies (snapshotting their levels into the
record's `Escalation` row), keeps each row's `next_due_at` (the sweep's index) up to date, and fires
levels: by the sweep, in a fixed number of queries per batch, or manually. Firing is recorded on the
`Escalation` row in the same transaction as its effects, which makes it exactly-once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.businesstime import ALWAYS, WorkingCalendar, add_business_time, business_time_between
from core.models import TimelineEntry
from core.sweep import sweep_due
from core.timeline import timeline_entry, timeline_field_change_entry, timeline_record_many

from .directory import Directory
from .models import Calendar, Escalation, EscalationLevel, EscalationPolicy
from .selectors import escalation_of, escalation_policy_for

logger = logging.getLogger(__name__)
SWEEP_BATCH = 200
NOT_ACKNOWLEDGED = EscalationLevel.Trigger.NOT_ACKNOWLEDGED
Change = tuple[str, Any, Any]  # field, old, new (as the timeline shows them)


# --- levels as snapshotted ------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One escalation level as it was when the policy was applied to a record."""

    number: int
    trigger: str
    after: timedelta
    notify_users: tuple[int, ...] = ()
    notify_group: int | None = None
    notify_assignment_group: bool = False
    notify_group_lead: bool = False
    notify_managers: bool = False
    reassign_to_group: int | None = None
    raise_to_next_group: bool = False
    raise_priority: bool = False

    @classmethod
    def of(cls, level: EscalationLevel) -> Level:
        """From a level row (its `notify_users` prefetched)."""
        return cls(
            number=level.number,
            trigger=level.trigger,
            after=level.after,
            notify_users=tuple(sorted(user.pk for user in level.notify_users.all())),
            notify_group=level.notify_group_id,
            notify_assignment_group=level.notify_assignment_group,
            notify_group_lead=level.notify_group_lead,
            notify_managers=level.notify_managers,
            reassign_to_group=level.reassign_to_group_id,
            raise_to_next_group=level.raise_to_next_group,
            raise_priority=level.raise_priority,
        )

    @classmethod
    def from_json(cls, data: dict) -> Level:
        return cls(
            **{**data, "after": timedelta(seconds=data["after"]), "notify_users": tuple(data["notify_users"])}
        )

    def to_json(self) -> dict:
        return {**self.__dict__, "after": self.after.total_seconds(), "notify_users": list(self.notify_users)}

    @property
    def trigger_label(self) -> str:
        return EscalationLevel.Trigger(self.trigger).label

    @property
    def description(self) -> str:
        return f"{self.trigger_label.lower()} after {self.after}"


def snapshot(policy: EscalationPolicy) -> list[dict]:
    levels = policy.levels.order_by("number").prefetch_related("notify_users")
    return [Level.of(level).to_json() for level in levels]


def levels_of(escalation: Escalation) -> list[Level]:
    return [Level.from_json(data) for data in escalation.levels]


# --- the adapter a process registers --------------------------------------------------------------


class EscalationAdapter:
    """What escalation needs to know about the records of one process. Subclass, set `process` and
    `model`, implement the methods and `register()` an instance (in the process app's escalation.py)."""

    process: ClassVar[str]
    model: ClassVar[type[models.Model]]

    def policy_key(self, record) -> tuple[int | None, Any]:
        """(priority, service) that choose the policy."""
        raise NotImplementedError

    def is_open(self, record) -> bool:
        raise NotImplementedError

    def is_acknowledged(self, record) -> bool:
        raise NotImplementedError

    def is_on_hold(self, record) -> bool:
        """While on hold, escalation time stands still."""
        raise NotImplementedError

    def filed_at(self, record) -> datetime:
        raise NotImplementedError

    def lock(self, pks: Iterable[int]) -> dict[int, models.Model]:
        """The records to fire levels on, locked (FOR UPDATE SKIP LOCKED: a record a service holds
        right now is left for the next sweep), with what firing and announcing read."""
        raise NotImplementedError

    def assignment_group_id(self, record) -> int | None:
        raise NotImplementedError

    def assignee(self, record):
        raise NotImplementedError

    def reassign(self, record, group) -> list[Change]:
        """Give the record to `group` (in memory), clearing the assignee; the changes made."""
        raise NotImplementedError

    def raise_priority(self, record) -> list[Change]:
        """One priority step higher (in memory); the changes made (none if already the highest)."""
        raise NotImplementedError

    def save_fired(self, firings: list[Firing], *, at: datetime) -> None:
        """Save the records the firings changed (in bulk)."""
        raise NotImplementedError

    def announce(self, firings: list[Firing]) -> None:
        """Tell the firings' recipients and publish the process's events (in bulk)."""
        raise NotImplementedError


_ADAPTERS: dict[str, EscalationAdapter] = {}


def register(adapter: EscalationAdapter) -> EscalationAdapter:
    _ADAPTERS[adapter.process] = adapter
    return adapter


def processes() -> list[str]:
    """The processes whose records can be escalated."""
    return sorted(_ADAPTERS)


def adapter_for(process: str) -> EscalationAdapter:
    return _ADAPTERS[process]


def _adapter_of(content_type_id: int) -> EscalationAdapter | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return next((adapter for adapter in _ADAPTERS.values() if adapter.model is model), None)


def _adapter_of_record(record: models.Model) -> EscalationAdapter:
    return next(adapter for adapter in _ADAPTERS.values() if isinstance(record, adapter.model))


# --- scheduling -----------------------------------------------------------------------------------


def pending_levels(escalation: Escalation, record, adapter: EscalationAdapter) -> list[Level]:
    """Levels still to fire that apply to the record now, in order; none once the policy is
    inactive or the record closed."""
    if not escalation.policy.active or not adapter.is_open(record):
        return []
    acknowledged = adapter.is_acknowledged(record)
    return [
        level
        for level in levels_of(escalation)
        if level.number > escalation.level and not (level.trigger == NOT_ACKNOWLEDGED and acknowledged)
    ]


def due_at(escalation: Escalation, level: Level, calendar: WorkingCalendar) -> datetime | None:
    """When `level` fires: its business time after filing, not counting time on hold; None on hold."""
    if escalation.running_since is None:
        return None
    left = max(level.after - escalation.elapsed, timedelta(0))
    return add_business_time(escalation.running_since, left, calendar)


def _schedule(escalation: Escalation, record, adapter: EscalationAdapter, calendar: WorkingCalendar) -> None:
    upcoming = pending_levels(escalation, record, adapter)
    escalation.next_due_at = due_at(escalation, upcoming[0], calendar) if upcoming else None


def _run(escalation: Escalation, *, on_hold: bool, at: datetime, calendar: WorkingCalendar) -> None:
    """Open or close the running segment: time stands still while on hold."""
    if on_hold and escalation.running_since is not None:
        since = escalation.running_since
        escalation.elapsed += business_time_between(since, max(at, since), calendar)
        escalation.running_since = None
    elif not on_hold and escalation.running_since is None:
        escalation.running_since = at


def escalation_plan(*, record, at: datetime) -> Escalation | None:
    """For a record being filed (not saved yet): the escalation of the applicable policy, with its
    levels snapshotted and its first level scheduled, not saved; None when no policy applies. It
    reads the policy, its levels and calendar, so a service can call it before its transaction and
    keep that transaction to writes; `escalation_start` saves it once the record has its id."""
    adapter = _adapter_of_record(record)
    priority, service = adapter.policy_key(record)
    policy = escalation_policy_for(process=adapter.process, priority=priority, service=service)
    if policy is None:
        return None
    escalation = Escalation(
        content_type=ContentType.objects.get_for_model(record),
        applied_at=at,
        running_since=adapter.filed_at(record),
        policy=policy,
        calendar=policy.calendar,
        levels=snapshot(policy),
        level=0,
    )
    calendar = escalation.working_calendar()
    _run(escalation, on_hold=adapter.is_on_hold(record), at=at, calendar=calendar)
    _schedule(escalation, record, adapter, calendar)
    return escalation


def escalation_start(*, record, escalation: Escalation | None) -> Escalation | None:
    """Save the escalation `escalation_plan` gave for `record`, now that the record is saved (one
    INSERT; nothing when no policy applied). A record filed a moment ago has no escalation yet."""
    if escalation is None:
        return None
    escalation.object_id = record.pk
    escalation.save(force_insert=True)
    return escalation


def escalation_apply(*, record, at: datetime) -> Escalation | None:
    """(Re)choose the policy for the record's process, priority and service, inside the caller's
    transaction with the record locked. The same policy keeps its snapshot and level; a different
    one starts from its first level with a fresh snapshot, keeping the business time elapsed since
    filing (levels already due fire at the next sweep). No policy: the escalation ends."""
    adapter = _adapter_of_record(record)
    priority, service = adapter.policy_key(record)
    policy = escalation_policy_for(process=adapter.process, priority=priority, service=service)
    escalation = escalation_of(record, lock=True)
    if policy is None:
        if escalation is not None:
            escalation.delete()
        return None
    if escalation is None:
        escalation = Escalation(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            applied_at=at,
            running_since=adapter.filed_at(record),
        )
    elif escalation.policy_id == policy.pk:
        return escalation_update(record=record, at=at, escalation=escalation)
    else:  # close the segment on the old calendar, go on with the new one
        _run(escalation, on_hold=True, at=at, calendar=escalation.working_calendar())
        escalation.running_since, escalation.applied_at = at, at
    escalation.policy, escalation.calendar = policy, policy.calendar
    escalation.levels, escalation.level = snapshot(policy), 0
    return escalation_update(record=record, at=at, escalation=escalation)


def escalation_update(*, record, at: datetime, escalation: Escalation | None = None) -> Escalation | None:
    """After a change to the record (a transition): pause or resume the time and reschedule."""
    escalation = escalation or escalation_of(record, lock=True)
    if escalation is None:
        return None
    adapter = _adapter_of_record(record)
    calendar = escalation.working_calendar()
    _run(escalation, on_hold=adapter.is_on_hold(record), at=at, calendar=calendar)
    _schedule(escalation, record, adapter, calendar)
    escalation.save()
    return escalation


def escalation_policy_reschedule(*, policy: EscalationPolicy) -> int:
    """After a policy is (de)activated, inside the caller's transaction: its running escalations
    stop, or start again (levels whose time has come fire at the next sweep). Returns how many."""
    if not policy.active:
        return Escalation.objects.filter(policy=policy, next_due_at__isnull=False).update(next_due_at=None)
    escalations = list(
        Escalation.objects.select_for_update(of=("self",)).filter(policy=policy).select_related("policy")
    )
    calendars = _calendars(escalations)
    for content_type_id in {e.content_type_id for e in escalations}:
        adapter = _adapter_of(content_type_id)
        mine = [e for e in escalations if e.content_type_id == content_type_id]
        if adapter is None:
            continue  # its process has no adapter any more: nothing to schedule
        records = adapter.model.objects.in_bulk([e.object_id for e in mine])
        for escalation in mine:
            if record := records.get(escalation.object_id):
                _schedule(escalation, record, adapter, calendars.get(escalation.calendar_id, ALWAYS))
    Escalation.objects.bulk_update(escalations, ["next_due_at"], batch_size=1000)
    return len(escalations)


# --- firing ---------------------------------------------------------------------------------------


@dataclass
class Firing:
    """One level fired on one record: what it did, whom it tells."""

    escalation: Escalation
    record: Any
    level: Level
    at: datetime
    actor: Any = None
    note: str = ""
    recipients: list = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        how = "manually" if self.actor else self.level.description
        return f"Escalation level {self.level.number} ({how}): {'; '.join(self.done) or 'no action'}."


def escalation_fire_next(
    *, record, escalation: Escalation | None, at: datetime, actor, note: str = ""
) -> bool:
    """Fire the next level now, whatever its time (manual escalation); the record and escalation are
    locked by the caller. False if no level is left (or the policy is inactive)."""
    if escalation is None:
        return False
    adapter = _adapter_of_record(record)
    upcoming = pending_levels(escalation, record, adapter)
    if not upcoming:
        return False
    _fire(adapter, [(escalation, record, upcoming[:1])], at=at, actor=actor, note=note)
    return True


def sweep_escalations(*, now: datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Fire every level that is due, in order, for every process (see core.sweep.sweep_due); a batch
    costs the same number of queries whatever its size (except that a level raising a record's
    priority re-targets that record's SLA clocks, through the process adapter). Returns how many
    levels fired."""
    now = now or timezone.now()

    def fire_batch(escalations: list[Escalation]) -> int:
        calendars = _calendars(escalations)
        fired = 0
        for content_type_id in sorted({e.content_type_id for e in escalations}):
            adapter = _adapter_of(content_type_id)
            mine = [e for e in escalations if e.content_type_id == content_type_id]
            if adapter is None:  # no process escalates these records (any more): stop them
                logger.warning("No escalation adapter for content type %s: unscheduling", content_type_id)
                Escalation.objects.filter(pk__in=[e.pk for e in mine]).update(next_due_at=None)
                continue
            records = adapter.lock(e.object_id for e in mine)
            due, touched = [], []
            for escalation in mine:
                record = records.get(escalation.object_id)
                if record is None:
                    continue  # a service holds it right now: a later sweep takes it
                calendar = calendars.get(escalation.calendar_id, ALWAYS)
                levels = [
                    level
                    for level in pending_levels(escalation, record, adapter)
                    if (when := due_at(escalation, level, calendar)) is not None and when <= now
                ]
                escalation.level = levels[-1].number if levels else escalation.level
                _schedule(escalation, record, adapter, calendar)
                touched.append(escalation)
                if levels:
                    due.append((escalation, record, levels))
            Escalation.objects.bulk_update(touched, ["level", "next_due_at"], batch_size=1000)
            fired += _fire(adapter, due, at=now, record_level=False)
        return fired

    escalations = Escalation.objects.filter(policy__active=True).select_related("policy")
    return sweep_due(
        escalations, due_field="next_due_at", now=now, batch_size=batch_size, fire_batch=fire_batch
    )


def _calendars(escalations: list[Escalation]) -> dict[int, WorkingCalendar]:
    ids = {e.calendar_id for e in escalations if e.calendar_id}
    if not ids:
        return {}
    calendars = Calendar.objects.filter(pk__in=ids).prefetch_related("periods", "holidays")
    return {calendar.pk: calendar.as_working_calendar() for calendar in calendars}


def _fire(
    adapter: EscalationAdapter,
    due: list[tuple[Escalation, Any, list[Level]]],
    *,
    at: datetime,
    actor=None,
    note: str = "",
    record_level: bool = True,
) -> int:
    """Run the levels' actions on each record in order, then save, record and announce them all in
    bulk. `record_level`: also store the level reached on the escalation rows (the sweep already
    has, in bulk)."""
    if not due:
        return 0
    directory = Directory.for_levels(
        group_ids={adapter.assignment_group_id(record) for _, record, _ in due},
        levels=[level for _, _, levels in due for level in levels],
    )
    firings = []
    for escalation, record, levels in due:
        for level in levels:
            firing = Firing(escalation, record, level, at=at, actor=actor, note=note)
            _act(adapter, firing, directory)
            firings.append(firing)
        if record_level:
            escalation.level = levels[-1].number
            _schedule(escalation, record, adapter, escalation.working_calendar())
            escalation.save(update_fields=["level", "next_due_at"])
    adapter.save_fired(firings, at=at)
    timeline_record_many(entry for firing in firings for entry in _timeline(firing))
    adapter.announce(firings)
    return len(firings)


def _act(adapter: EscalationAdapter, firing: Firing, directory: Directory) -> None:
    """One level's actions on the record (in memory), then its recipients (the group it has now)."""
    record, level = firing.record, firing.level
    group_id = adapter.assignment_group_id(record)
    team = directory.teams.get(group_id)
    new_group = directory.groups.get(level.reassign_to_group) or (
        team.escalation_group if level.raise_to_next_group and team else None
    )
    recipients = []
    if new_group and new_group.pk != group_id:
        assignee = adapter.assignee(record)
        firing.changes += adapter.reassign(record, new_group)
        firing.done.append(f"reassigned to {new_group.name}")
        if assignee is not None and adapter.assignee(record) is None:
            recipients.append(assignee)  # whoever had it hears that it was taken away
    if level.raise_priority and (raised := adapter.raise_priority(record)):
        firing.changes += raised
        firing.done.append(f"priority raised to {raised[-1][2]}")
    recipients += directory.recipients(level, group_id=adapter.assignment_group_id(record))
    names = sorted({user.get_username() for user in recipients})
    if names:
        firing.done.insert(0, "notified " + ", ".join(names))
    firing.recipients = recipients


def _timeline(firing: Firing) -> list[TimelineEntry]:
    record, actor, at = firing.record, firing.actor, firing.at
    level = firing.level
    entries = [
        timeline_entry(
            subject=record,
            kind=TimelineEntry.Kind.ESCALATION,
            actor=actor,
            created_at=at,
            note=f"{firing.summary} {firing.note}".strip(),
            data={"level": level.number, "policy": firing.escalation.policy_id, "manual": bool(actor)},
        )
    ]
    for name, old, new in firing.changes:
        entries.append(
            timeline_field_change_entry(subject=record, field=name, old=old, new=new, actor=actor, at=at)
        )
    return entries
