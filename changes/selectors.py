"""Every non-trivial read of change requests."""

import functools

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchRank, SearchVector
from django.db.models import Prefetch, Q, QuerySet

from core import roles
from core import search as text_search
from core.models import TimelineEntry
from core.numbering import format_number
from core.timeline import timeline_for

from .models import Change, ChangeTask, ChangeType, TaskStatus


def change_list() -> QuerySet[Change]:
    """Changes with everything a row or the detail shows: people, group, template and policy joined;
    services, CIs and tasks prefetched (four queries per page, whatever its size)."""
    tasks = ChangeTask.objects.select_related("assignee", "assignment_group").order_by("position", "id")
    return Change.objects.select_related(
        "requester",
        "implementer",
        "assignment_group",
        "template",
        "approval_policy",
        "assessed_by",
        "reviewed_by",
    ).prefetch_related("services", "cis", Prefetch("tasks", queryset=tasks))


def change_rows() -> QuerySet[Change]:
    """What a browser list row shows: no plans, no related sets (one query per page)."""
    return Change.objects.select_related("requester", "implementer").only(
        "number", "title", "type", "status", "risk_level", "priority", "planned_start", "planned_end",
        "created_at", "requester__username", "implementer__username",
    )  # fmt: skip


def change_search(text: str | None, *, limit: int) -> list[Change]:
    """At most `limit` changes whose title matches every word of `text` (stemmed prefixes, the index
    change_title_search_idx) or whose number it names ("CHG-000042", "42"): that one first, then the
    best matches, newest first among equals. Rows as change_rows() reads them."""
    from .services import NUMBER_PREFIX

    terms = text_search.parse(text, prefix=NUMBER_PREFIX)
    if not terms:
        return []
    title = SearchVector("title", config=text_search.CONFIG)  # the index's expression, exactly
    found = Q(text_search.Matches(title, text_search.tsquery(terms)))
    first = []
    if terms.number is not None:
        number = format_number(NUMBER_PREFIX, terms.number)
        first = list(change_rows().filter(number=number))
        found &= ~Q(number=number)
    rank = SearchRank(title, text_search.tsquery(terms, every=False))
    rows = change_rows().filter(found).annotate(rank=rank).order_by("-rank", "-id")
    return (first + list(rows[:limit]))[:limit]


def change_timeline(*, change: Change, viewer: AbstractBaseUser) -> QuerySet[TimelineEntry]:
    return timeline_for(change, include_internal=roles.can_read_internal_notes(viewer))


@functools.cache
def _allowed_for(status: str, type_: str, has_plans: bool) -> tuple[str, ...]:
    plans = "x" if has_plans else ""
    probe = Change(status=status, type=type_, implementation_plan=plans, rollback_plan=plans, test_plan=plans)
    return tuple(probe.allowed_transitions())


def allowed_transitions(change: Change) -> list[str]:
    """The transitions the state machine offers the change now: they depend on its status, type and
    whether its plans are written, so they are worked out once per combination, not once per row."""
    has_plans = change.type == ChangeType.STANDARD or not change.missing_plans()
    return list(_allowed_for(change.status, change.type, has_plans))


def failed_tasks(change: Change) -> list[ChangeTask]:
    """The change's failed tasks (from its prefetched tasks when there are some)."""
    return [task for task in change.tasks.all() if task.status == TaskStatus.FAILED]
