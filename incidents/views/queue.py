"""The incident queue: filters, quick views, sortable columns, one page of rows, saved views and the
bulk-action bar."""

from dataclasses import dataclass

from django.db.models import F
from django.db.models.expressions import OrderBy
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from catalog.models import Service
from core.decorators import permission_required
from core.fixed_reads import FixedRead
from core.html_options import option_tags
from core.permissions import allowed
from core.teams import assignable_groups

from .. import permissions, search, selectors
from ..bulk import ACTIONS as BULK_ACTIONS
from ..bulk import MAX_ROWS as BULK_MAX_ROWS
from ..filters import IncidentFilter
from ..forms import assignable_users
from ..models import STATUS_RANK, Incident, Priority, Status
from ..saved_views import SavedView, view_query
from ..sla_display import iso
from .common import _partial
from .queue_rows import queue_rows

PAGE_SIZE = 50
COUNT_CAP = 1000  # the queue counts up to here, then says "more than 1000" (no COUNT(*) of a big table)
MAX_PAGE = 200  # paging stops at 10,000 rows: the OFFSET stays cheap; filters reach older incidents
FILTER_KEYS = frozenset(IncidentFilter.base_filters)
VIEW_KEYS = FILTER_KEYS | {"sort"}  # what a saved view, a link or an export keeps of the querystring
DEFAULT_FILTERS = QueryDict("is_open=true")
QUICK_FILTERS = (
    ("My incidents", "mine=true&is_open=true"),
    ("Unassigned", "unassigned=true&is_open=true"),
    ("All open", "is_open=true"),
    ("SLA breached", "sla=breached&is_open=true"),
    ("SLA at risk", "sla=at_risk&is_open=true"),
    ("Everything", "is_open="),
)


@dataclass(frozen=True)
class Sort:
    """A column's order. `ascending` ends with a unique key so pages never overlap; the descending
    order is its exact reverse, so one index serves both (read backwards). Each has an index over the
    whole table and one over open incidents (incidents/models.py Meta.indexes), except the assignee's,
    which orders by a joined name (a top-N sort of the filtered rows)."""

    column: str
    ascending: tuple[OrderBy, ...]
    caption: str
    reverse_caption: str

    def ordering(self, descending: bool) -> tuple[OrderBy, ...]:
        return (
            tuple(term.copy().reverse_ordering() for term in self.ascending) if descending else self.ascending
        )


_QUEUE_ORDER = (F("priority").asc(), F("created_at").asc(), F("id").asc())
SORTS = {
    "number": Sort("Number", (F("number").asc(),), "by number, lowest first", "by number, highest first"),
    "priority": Sort(
        "Priority", _QUEUE_ORDER, "by priority, then oldest first", "lowest priority first, then newest"
    ),
    "status": Sort(
        "Status",
        (STATUS_RANK.asc(), *_QUEUE_ORDER),
        "by status (New first), then priority",
        "by status (Cancelled first), then lowest priority",
    ),
    "due": Sort(
        "SLA",
        (F("sla_due_at").asc(nulls_last=True), *_QUEUE_ORDER),
        "SLA due soonest first",
        "SLA due latest first (no running SLA first)",
    ),
    "assignee": Sort(
        "Assignee",
        (F("assignee__username").asc(nulls_last=True), *_QUEUE_ORDER),
        "by assignee A–Z (unassigned last), then priority",
        "by assignee Z–A (unassigned first)",
    ),
    "age": Sort("Age", (F("created_at").desc(), F("id").desc()), "newest first", "oldest first"),
    # Only while searching (the rank is the search's annotation): then it is the default order.
    "relevance": Sort(
        "Relevance", (F(search.RANK).desc(), F("id").desc()), "most relevant first", "least relevant first"
    ),
}
DEFAULT_SORT = "priority"


@dataclass(frozen=True)
class QueueQuery:
    """What a queue querystring asks for: the filter set (its `.qs` is the filtered rows) and the order."""

    filterset: IncidentFilter
    sort: str  # "priority" or "-priority" ...
    key: str  # "priority"
    descending: bool
    searching: bool = False  # a search term is given: relevance is an order on offer, and the default

    @property
    def ordering(self) -> tuple[OrderBy, ...]:
        return SORTS[self.key].ordering(self.descending)

    @property
    def caption(self) -> str:
        sort = SORTS[self.key]
        return sort.reverse_caption if self.descending else sort.caption


def queue_query(params: QueryDict, *, request, queryset=None) -> QueueQuery:
    """Parse the queue's filters and sort; no filter at all means the open incidents. An unknown
    sort falls back to the default (the page says which order it shows)."""
    data = params if FILTER_KEYS & set(params) else DEFAULT_FILTERS
    queryset = Incident.objects.all() if queryset is None else queryset
    filterset = IncidentFilter(data, queryset=queryset, request=request)
    searching = any((data.get(name) or "").strip() for name in ("q", "search"))
    sort = params.get("sort") or ("relevance" if searching else DEFAULT_SORT)
    key = sort.removeprefix("-")
    if key not in SORTS or (key == "relevance" and not searching):
        sort = key = DEFAULT_SORT
    return QueueQuery(filterset, sort, key, sort.startswith("-"), searching)


# The filter panel's and bulk bar's choices: the same statements on every page view.
SERVICES = FixedRead(lambda: Service.objects.order_by("name").values_list("pk", "name"))
ASSIGNABLE_PEOPLE = FixedRead(lambda: assignable_users().values_list("pk", "username"))
TEAMS = FixedRead(lambda: assignable_groups().values_list("pk", "name"))


@require_GET
@permission_required()
def queue(request):
    return render_queue(request, request.GET)


def render_queue(request, params: QueryDict, *, status: int = 200, bulk_form=None, save_form=None):
    """The queue page (or, for htmx, its table) for the querystring `params`: also drawn by the bulk
    and saved-view forms when their input is refused, with their errors in place."""
    query = queue_query(params, request=request)
    page = selectors.incident_queue_page(
        query.filterset.qs,
        ordering=query.ordering,
        number=_page_number(params.get("page")),
        page_size=PAGE_SIZE,
        count_cap=COUNT_CAP,
        max_page=MAX_PAGE,
    )
    now = timezone.now()
    now_iso = iso(now)
    user = request.user
    can_bulk = any(
        allowed(user, name) for name in (permissions.UPDATE, permissions.TRANSITION, permissions.COMMENT)
    )
    selected = set(bulk_form.data.getlist("rows")) if bulk_form is not None else set()
    queue_rows(page.object_list, now=now, now_iso=now_iso, selectable=can_bulk, selected=selected)
    current_view = view_query(params, keys=VIEW_KEYS)
    filters_only = view_query(params, keys=FILTER_KEYS) or "is_open=true"
    keep_sort = "" if query.sort == DEFAULT_SORT else f"&sort={query.sort}"
    partial = _partial(request) and status == 200
    context = {
        "filter": query.filterset,
        "params": params,
        "queue_url": reverse("incidents:queue") + (f"?{params.urlencode()}" if params else ""),
        "current_view": current_view,
        "page": page,
        "sort": query.sort,
        "sort_caption": query.caption,
        "columns": _columns(params, query),
        "can_bulk": can_bulk,
        "nav": "incidents",
    }
    if not partial:
        people = ASSIGNABLE_PEOPLE()
        bulk_choice = bulk_form.data if bulk_form is not None else {}
        context.update(
            options=_filter_options(params, people),
            sort_options=[
                (key if not descending else f"-{key}", sort.reverse_caption if descending else sort.caption)
                for key, sort in SORTS.items()
                for descending in (False, True)
                if key != "relevance" or query.searching
            ],
            can_create=allowed(user, permissions.CREATE),
            quick_filters=[
                (label, q + keep_sort, view_query(QueryDict(q), keys=FILTER_KEYS) == filters_only)
                for label, q in QUICK_FILTERS
            ],
            saved_views=list(SavedView.objects.filter(owner=user).only("name", "query")),
            save_form=save_form,
            bulk_form=bulk_form,
            bulk_actions=BULK_ACTIONS,
            bulk_max=BULK_MAX_ROWS,
            bulk_people=option_tags(people, {bulk_choice.get("assignee")}) if can_bulk else "",
            bulk_groups=option_tags(TEAMS(), {bulk_choice.get("group")}) if can_bulk else "",
        )
    template = "incidents/_queue_table.html" if partial else "incidents/queue.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _columns(params: QueryDict, query: QueueQuery) -> list[dict]:
    """The table's headers: each sortable one links to its order (the current one to its reverse),
    back on page 1, and says its direction to screen readers (aria-sort)."""
    base = params.copy()
    base.pop("page", None)
    columns = []
    for key, label in (
        ("number", "Number"),
        ("", "Title"),
        ("priority", "Priority"),
        ("status", "Status"),
        ("due", "SLA"),
        ("", "Service"),
        ("assignee", "Assignee"),
        ("age", "Age"),
    ):
        column = {"label": label, "key": key}
        if key:
            current = key == query.key
            base["sort"] = f"-{key}" if current and not query.descending else key
            column["url"] = "?" + base.urlencode()
            column["aria_sort"] = ("descending" if query.descending else "ascending") if current else ""
        columns.append(column)
    return columns


def _filter_options(query, people: list[tuple[int, str]]) -> dict:
    """The filter form's choices: services and assignees as `<option>` markup (the people work can
    be assigned to), statuses and priorities as (value, label, selected) for their checkboxes."""
    chosen = {name: set(query.getlist(name)) for name in ("service", "assignee", "status", "priority")}
    return {
        "service": option_tags(SERVICES(), chosen["service"]),
        "assignee": option_tags(people, chosen["assignee"]),
        "status": [(value, label, value in chosen["status"]) for value, label in Status.choices],
        "priority": [
            (str(value), label, str(value) in chosen["priority"]) for value, label in Priority.choices
        ],
    }


def _page_number(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1
