"""The queue's active filters as chips a user can read and remove one by one: what a link (the SLA
dashboard's figures, a saved view, a colleague's URL) filters by is said on the page, and each chip
links to the same view without that filter. "Open only" is the queue's default and is no chip."""

from dataclasses import dataclass

from core.formatting import local_minute

from .models import Priority, Source, Status

NOT_CHIPS = frozenset({"q", "search"})  # the search box shows its words itself
_OPEN_VALUE = {None: "", False: "false"}  # how the "Open or closed" choice is written in a querystring
_LABELS = {
    "status": ("Status", dict(Status.choices)),
    "priority": ("Priority", dict(Priority.choices)),
    "source": ("Source", dict(Source.choices)),
}
_FLAGS = {  # (label when true, label when false); None: that value filters nothing
    "unassigned": ("Unassigned", "Assigned"),
    "no_group": ("No assignment group", "Has an assignment group"),
    "mine": ("Assigned to me", None),
}
_SLA = {"breached": "SLA breached", "at_risk": "SLA at risk"}


@dataclass(frozen=True)
class Chip:
    name: str  # the querystring parameter
    label: str  # as users see it, e.g. "Group: Database team"
    remove_query: str  # the current view without this filter ("" is the default view)


def active_filter_chips(filterset) -> list[Chip]:
    """One chip per filter the list applies (a multiple choice gives one per value), in the filter
    set's order. Reads the validated form only: no query beyond the filtering's own look-ups, and a
    refused value (reported by the page as ignored) is no chip."""
    if not filterset.is_bound:
        return []
    filterset.is_valid()  # validates once; cleaned_data then holds the fields that passed
    data = filterset.form.cleaned_data
    keys = frozenset(type(filterset).base_filters)
    params = filterset.data
    current_open = data.get("is_open")
    chips = []

    def without(name: str, value: str | None = None) -> str:
        rest = params.copy()
        rest.pop("page", None)
        if value is None:
            rest.pop(name, None)
        else:
            rest.setlist(name, [v for v in rest.getlist(name) if v != value])
        if name == "is_open":
            rest["is_open"] = "true"  # back to the default
        elif current_open is not True and not keys & {k for k, v in rest.lists() if v}:
            rest["is_open"] = _OPEN_VALUE[current_open]  # keep "open and closed": no filter means open only
        if rest.get("is_open") == "true" and not keys & {k for k, v in rest.lists() if v} - {"is_open"}:
            rest.pop("is_open")  # just the default: the plain queue URL
        return rest.urlencode()

    for name in type(filterset).base_filters:
        if name in NOT_CHIPS or name == "is_open":
            continue
        value = data.get(name)
        if value in (None, "", []):
            continue
        if name in _LABELS:
            caption, labels = _LABELS[name]
            for item in value if isinstance(value, list) else [value]:
                chips.append(Chip(name, f"{caption}: {labels.get(item, item)}", without(name, item)))
        elif name in _FLAGS:
            label = _FLAGS[name][0 if value else 1]
            if label:
                chips.append(Chip(name, label, without(name)))
        elif name == "sla":
            chips.append(Chip(name, _SLA.get(value, value), without(name)))
        elif name == "created_after":
            chips.append(Chip(name, f"Created from {local_minute(value)}", without(name)))
        elif name == "created_before":
            chips.append(Chip(name, f"Created before {local_minute(value)}", without(name)))
        else:  # a record: service, assignee, assignment group
            caption = {"assignment_group": "Group"}.get(name, name.replace("_", " ").capitalize())
            chips.append(Chip(name, f"{caption}: {value}", without(name)))
    if current_open is not True and (chips or "is_open" in params):
        label = "Resolved, closed or cancelled" if current_open is False else "Open and closed"
        chips.append(Chip("is_open", label, without("is_open")))
    return chips
