"""Scheduling a change into its window: freeze windows, collisions with other changes, acknowledged
conflicts, and the `schedule` transition.

A collision is another active change (changes.models.ACTIVE_STATUSES) whose window overlaps this one
(half-open: one ending at 10:00 does not collide with one starting at 10:00) and that
- touches one of the same CIs (kind "ci"),
- touches a CI connected to one of this change's CIs through the CMDB graph, in either direction and
  transitively (kind "dependency"), or
- has the same implementer (kind "implementer").

Scheduling refuses (409) a normal or standard change overlapping an active freeze window (global, or
of a service the change names or one of its CIs belongs to); an emergency change may be scheduled into
one by someone holding OVERRIDE_FREEZE, with a reason that is recorded on the change and in the
timeline. It refuses (409) any conflict nobody acknowledged: the caller acknowledges the conflicts it
accepts, each with a note (ChangeConflict rows, shown to the CAB).

Two changes scheduled at once into a collision cannot both win: the scheduling transaction locks the
rows of the change's CIs and of every CI they depend on (in id order), and takes an advisory lock on
the implementer, before it looks for conflicts, so the second one sees the first one's window."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from catalog.models import ConfigurationItem
from core.errors import Conflict as ConflictError
from core.errors import InvalidInput
from core.permissions import require
from core.validation import field_errors

from . import permissions
from .cmdb import related_ci_ids, upstream_ci_ids
from .lifecycle import change_apply, change_lock, refuse
from .models import ACTIVE_STATUSES, Change, ChangeConflict, ChangeType, ConflictKind, FreezeWindow, Status

SCHEDULABLE = (Status.APPROVED, Status.SCHEDULED)
_IMPLEMENTER_LOCK = 0x43484753  # "CHGS": the advisory-lock namespace of implementers being scheduled


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ConflictCI:
    id: int
    name: str


@dataclass(frozen=True)
class Conflict:
    """Another change colliding with this one, for one reason."""

    change_id: int
    number: str
    title: str
    status: str
    planned_start: datetime
    planned_end: datetime
    kind: str  # ConflictKind
    cis: tuple[ConflictCI, ...] = ()  # the other change's CIs that collide (none for "implementer")
    acknowledgement: ChangeConflict | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[int, str]:
        return (self.change_id, self.kind)

    @property
    def kind_label(self) -> str:
        return ConflictKind(self.kind).label

    def describe(self) -> str:
        what = ", ".join(ci.name for ci in self.cis) if self.cis else "same implementer"
        return f"{self.number} ({self.kind_label.lower()}: {what})"


# --- reads ---------------------------------------------------------------------------------------


def _window_of(change: Change, window: Window | tuple | None) -> Window | None:
    if window is not None:
        return window if isinstance(window, Window) else Window(*window)
    if change.planned_start and change.planned_end:
        return Window(change.planned_start, change.planned_end)
    return None


def change_conflicts(change: Change, *, window: Window | tuple | None = None) -> list[Conflict]:
    """The collisions of `change` in `window` (default: its planned window), with the acknowledgement
    of each if there is one; ordered by the other change's start, then number.

    The window is read first (the active changes overlapping it and their CIs: few, through the
    partial window index), then the CMDB graph is asked only if some of them touch a CI; so the number
    of queries is bounded (at most four) whatever the number of changes."""
    window = _window_of(change, window)
    if window is None:
        return []
    overlapping = _overlapping_changes(change, window)
    if not overlapping:
        return []
    own = set(change.cis.values_list("pk", flat=True)) if change.pk else set()
    touched = {ci.id for row in overlapping.values() for ci in row["cis"]}
    related = related_ci_ids(own) - own if own and touched - own else set()
    conflicts = []
    for row in overlapping.values():
        same = tuple(ci for ci in row["cis"] if ci.id in own)
        connected = tuple(ci for ci in row["cis"] if ci.id in related)
        base = {name: row[name] for name in ("number", "title", "status", "planned_start", "planned_end")}
        base["change_id"] = row["pk"]
        if same:
            conflicts.append(Conflict(**base, kind=ConflictKind.CI, cis=same))
        if connected:
            conflicts.append(Conflict(**base, kind=ConflictKind.DEPENDENCY, cis=connected))
        if change.implementer_id and row["implementer_id"] == change.implementer_id:
            conflicts.append(Conflict(**base, kind=ConflictKind.IMPLEMENTER))
    conflicts.sort(key=lambda c: (c.planned_start, c.number, c.kind))
    if conflicts and change.pk:
        acks = {(a.other_id, a.kind): a for a in change_conflict_acknowledgements(change)}
        conflicts = [_with_ack(c, acks.get(c.key)) for c in conflicts]
    return conflicts


def _with_ack(conflict: Conflict, ack: ChangeConflict | None) -> Conflict:
    if ack is None:
        return conflict
    return Conflict(**{**conflict.__dict__, "acknowledgement": ack})


def _overlapping_changes(change: Change, window: Window) -> dict[int, dict]:
    """{id: row} of the other active changes overlapping `window` that touch a CI or share the
    implementer; each row with its CIs (`cis`), in one query."""
    query = f"""
    SELECT c.id, c.number, c.title, c.status, c.planned_start, c.planned_end, c.implementer_id, ci.id, ci.name
    FROM {Change._meta.db_table} c
    LEFT JOIN {Change.cis.through._meta.db_table} t ON t.change_id = c.id
    LEFT JOIN {ConfigurationItem._meta.db_table} ci ON ci.id = t.configurationitem_id
    WHERE c.status = ANY(%(active)s) AND c.id <> %(me)s
      AND c.planned_start < %(end)s AND c.planned_end > %(start)s
      AND (t.change_id IS NOT NULL OR c.implementer_id = %(implementer)s)
    ORDER BY c.id, ci.name
    """
    params = {
        "active": [str(s) for s in ACTIVE_STATUSES],
        "me": change.pk or 0,
        "start": window.start,
        "end": window.end,
        "implementer": change.implementer_id or 0,
    }
    rows: dict[int, dict] = {}
    names = ("pk", "number", "title", "status", "planned_start", "planned_end", "implementer_id")
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for *fields, ci_id, ci_name in cursor.fetchall():
            row = rows.setdefault(fields[0], {**dict(zip(names, fields, strict=True)), "cis": []})
            if ci_id is not None:
                row["cis"].append(ConflictCI(ci_id, ci_name))
    return rows


def change_conflict_acknowledgements(change: Change) -> QuerySet[ChangeConflict]:
    return ChangeConflict.objects.filter(change=change).select_related("other", "acknowledged_by")


def change_freeze_windows(change: Change, *, window: Window | tuple | None = None) -> list[FreezeWindow]:
    """The active freeze windows overlapping the change's window that apply to it: global ones, and
    those of a service the change names or one of its CIs belongs to."""
    window = _window_of(change, window)
    if window is None:
        return []
    service_ids = set(change.services.values_list("pk", flat=True)) | set(
        change.cis.values_list("service_id", flat=True)
    )
    links = FreezeWindow.services.through.objects.filter(freezewindow=OuterRef("pk"))
    applies = ~Exists(links) | Exists(links.filter(service_id__in=service_ids))
    return list(
        FreezeWindow.objects.filter(active=True, starts_at__lt=window.end, ends_at__gt=window.start).filter(
            applies
        )
    )


# --- the schedule service -----------------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledgement:
    change: int  # the other change's id
    kind: str  # ConflictKind
    note: str


def _acknowledgements(items: Iterable) -> list[Acknowledgement]:
    parsed = []
    with field_errors() as errors:
        for i, item in enumerate(items):
            if isinstance(item, Acknowledgement):
                parsed.append(item)
                continue
            item = dict(item)
            note = str(item.get("note") or "").strip()
            kind = item.get("kind")
            ok = errors.check(
                kind in ConflictKind.values, "acknowledge", f"Item {i + 1}: unknown kind {kind!r}."
            )
            ok &= errors.check(note, "acknowledge", f"Item {i + 1}: say why this conflict is acceptable.")
            try:
                other = int(item.get("change"))
            except (TypeError, ValueError):
                errors.add("acknowledge", f"Item {i + 1}: name the other change by its id.")
                continue
            if ok:
                parsed.append(Acknowledgement(other, kind, note))
    return parsed


def _check_window(planned_start, planned_end, *, now: datetime) -> None:
    with field_errors() as errors:
        errors.check(planned_start, "planned_start", "A planned start is required to schedule a change.")
        errors.check(planned_end, "planned_end", "A planned end is required to schedule a change.")
        if planned_start and planned_end:
            errors.check(
                planned_end > planned_start, "planned_end", "The planned end must be after the start."
            )
            errors.check(planned_start >= now, "planned_start", "The planned start cannot be in the past.")


def _lock_collision_keys(change: Change, ci_ids: set[int]) -> None:
    """Serialise schedulers that could collide: lock the rows of the change's CIs and of every CI they
    depend on (transitively), and the implementer. Two changes on connected CIs X and Y (Y upstream of
    X) both lock Y, so the second waits for the first to commit and then sees its window."""
    if ci_ids:
        list(
            ConfigurationItem.objects.filter(pk__in=ci_ids)
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )
    if change.implementer_id:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_IMPLEMENTER_LOCK, change.implementer_id])


def _when(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")


def _freeze_message(windows: Sequence[FreezeWindow]) -> str:
    return "; ".join(f"'{w.name}' ({_when(w.starts_at)} – {_when(w.ends_at)})" for w in windows)


def change_schedule(
    *,
    change: Change,
    actor,
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
    override_reason: str = "",
    acknowledge: Iterable = (),
    note: str = "",
    expected_version: int | None = None,
) -> Change:
    """Schedule an approved change (or reschedule a scheduled one) for [planned_start, planned_end)
    (default: its planned window). `acknowledge` lists the conflicts the caller accepts, each as
    {"change": <other change id>, "kind": "ci" | "dependency" | "implementer", "note": "why"}."""
    require(actor, permissions.SCHEDULE)
    override_reason = (override_reason or "").strip()
    acks = _acknowledgements(acknowledge)
    now = timezone.now()
    with transaction.atomic():
        locked = change_lock(change, expected_version=expected_version)
        if locked.status not in SCHEDULABLE:
            raise refuse(locked, "schedule")
        start = planned_start or locked.planned_start
        end = planned_end or locked.planned_end
        _check_window(start, end, now=now)
        window = Window(start, end)

        frozen = change_freeze_windows(locked, window=window)
        if frozen and locked.type != ChangeType.EMERGENCY:
            raise ConflictError(
                f"The window overlaps the freeze window {_freeze_message(frozen)}: a "
                f"{locked.get_type_display().lower()} change cannot be scheduled into a freeze.",
                code="freeze_window",
            )
        if frozen:
            if not override_reason:
                raise InvalidInput(
                    {
                        "override_reason": (
                            f"The window overlaps the freeze window {_freeze_message(frozen)}: "
                            "give the reason for this emergency change to override it."
                        )
                    }
                )
            require(actor, permissions.OVERRIDE_FREEZE)
        else:
            override_reason = ""

        own = set(locked.cis.values_list("pk", flat=True))
        _lock_collision_keys(locked, own | upstream_ci_ids(own))
        conflicts = change_conflicts(locked, window=window)
        given = {(a.change, a.kind): a for a in acks}
        unacknowledged = [c for c in conflicts if c.acknowledgement is None and c.key not in given]
        if unacknowledged:
            listed = "; ".join(c.describe() for c in unacknowledged)
            raise ConflictError(
                f"The window collides with {listed}. Acknowledge each conflict with a note, or choose "
                "another window.",
                code="schedule_conflict",
            )
        acknowledged = _record_acknowledgements(locked, conflicts, given, actor=actor, at=now, window=window)

        locked.planned_start, locked.planned_end = start, end
        data = {
            "planned_start": start.isoformat(),
            "planned_end": end.isoformat(),
            "freeze_windows": [{"id": w.pk, "name": w.name} for w in frozen],
            "override_reason": override_reason,
            "conflicts": [{"change": c.number, "kind": c.kind} for c in conflicts],
            "acknowledged": acknowledged,
        }
        return change_apply(
            locked,
            action="schedule",
            actor=actor,
            note=note or override_reason,
            at=now,
            data=data,
            override_reason=override_reason,
        )


def _record_acknowledgements(
    change: Change, conflicts: list[Conflict], given: dict, *, actor, at: datetime, window: Window
) -> list[dict]:
    """Store the caller's acknowledgements of current conflicts (others are ignored: the conflict
    went away meanwhile); returns what was recorded, for the timeline."""
    recorded = []
    for conflict in conflicts:
        ack = given.get(conflict.key)
        if ack is None:
            continue
        ChangeConflict.objects.update_or_create(
            change=change,
            other_id=conflict.change_id,
            kind=conflict.kind,
            defaults={
                "note": ack.note,
                "acknowledged_by": actor,
                "acknowledged_at": at,
                "planned_start": window.start,
                "planned_end": window.end,
            },
        )
        recorded.append({"change": conflict.number, "kind": conflict.kind, "note": ack.note})
    return recorded
