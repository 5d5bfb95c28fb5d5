"""The dashboard's breakdowns per team (the incident's assignment group) and per assignee: incidents
of the period and SLA compliance, for the TOP teams and people with the most incidents, the rest
summed up as "others". Computed in SQL whatever the number of incidents: one grouped count of the
period's incidents, one grouped count of the outcomes (reports.rollup: roll-up + live remainder),
one read of the names shown. The same period and definitions as reports.metrics."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import CharField, Count, IntegerField, Value

from catalog.models import Service
from incidents.models import Incident

from .metrics import RESOLUTION, RESPONSE, Compliance, _in_period
from .rollup import outcome_counts

TOP = 8  # rows per breakdown before "others"
TEAM, ASSIGNEE = "assignment_group", "assignee"
NONE_LABELS = {TEAM: "No team", ASSIGNEE: "Unassigned"}
OTHERS_NOUNS = {TEAM: ("team", "teams"), ASSIGNEE: ("person", "people")}


@dataclass(frozen=True)
class BreakdownRow:
    key: int | None  # the group's or the person's id; None: no team / unassigned
    label: str
    incidents: int
    response: Compliance
    resolution: Compliance
    others: int = 0  # the "others" row: how many teams or people it sums up (else 0)

    @property
    def breached(self) -> int:
        return self.response.breached + self.resolution.breached

    @property
    def is_others(self) -> bool:
        return self.others > 0


@dataclass(frozen=True)
class Breakdown:
    dimension: str  # TEAM or ASSIGNEE
    rows: list[BreakdownRow]  # at most TOP, most incidents first, then the others row if any

    @property
    def total(self) -> int:
        """Teams or people with incidents in the period (no team / unassigned counts as one)."""
        return sum(row.others or 1 for row in self.rows)


def _person_label(username: str, first: str, last: str) -> str:
    full = f"{first} {last}".strip()
    return f"{full} ({username})" if full else username


def _names(team_ids: set[int], person_ids: set[int]) -> dict[tuple[str, int], str]:
    """The labels of these teams and people (one query)."""
    teams = (
        Group.objects.filter(pk__in=team_ids)
        .annotate(kind=Value(TEAM), first=Value(""), last=Value(""))
        .values_list("kind", "pk", "name", "first", "last")
    )
    people = (
        get_user_model()
        .objects.filter(pk__in=person_ids)
        .annotate(kind=Value(ASSIGNEE, output_field=CharField()))
        .values_list("kind", "pk", "username", "first_name", "last_name")
    )
    found = {}
    for kind, pk, name, first, last in teams.union(people, all=True):
        found[kind, pk] = name if kind == TEAM else _person_label(name, first, last)
    return found


def sla_breakdowns(
    *, start: datetime, end: datetime, service: Service | None, now: datetime
) -> dict[str, Breakdown]:
    """{TEAM: Breakdown, ASSIGNEE: Breakdown} for the incidents created in [start, end) (cancelled
    ones left out), optionally of one service, as of `now`. Three queries."""
    pairs = (
        Incident.objects.filter(_in_period(start, end, service))
        .order_by()
        .values_list(TEAM, ASSIGNEE)
        .annotate(n=Count("pk", output_field=IntegerField()))
    )
    incidents = {TEAM: {}, ASSIGNEE: {}}
    for team, person, n in pairs:  # one row per (team, person) pair: bounded by the organisation
        incidents[TEAM][team] = incidents[TEAM].get(team, 0) + n
        incidents[ASSIGNEE][person] = incidents[ASSIGNEE].get(person, 0) + n
    outcomes = {
        (dimension, target): {} for dimension in (TEAM, ASSIGNEE) for target in (RESPONSE, RESOLUTION)
    }
    for team, person, target, met, breached in outcome_counts(
        start=start, end=end, service=service, now=now, keys=(TEAM, ASSIGNEE, "target")
    ):
        for dimension, key in ((TEAM, team), (ASSIGNEE, person)):
            found = outcomes[dimension, target]
            found[key] = found.get(key, Compliance()) + Compliance(met, breached)

    top = {
        dimension: sorted(counts, key=lambda key, c=counts: (-c[key], key is None, key or 0))
        for dimension, counts in incidents.items()
    }
    shown = {
        dimension: keys[:TOP] if len(keys) <= TOP else keys[: TOP - 1] for dimension, keys in top.items()
    }
    names = _names(
        {key for key in shown[TEAM] if key is not None}, {key for key in shown[ASSIGNEE] if key is not None}
    )

    def row(dimension: str, keys: list, *, others: bool = False) -> BreakdownRow:
        def total(target: str) -> Compliance:
            return sum((outcomes[dimension, target].get(key, Compliance()) for key in keys), Compliance())

        if others:
            key, label = None, f"{len(keys)} other {OTHERS_NOUNS[dimension][len(keys) > 1]}"
        else:
            (key,) = keys
            label = NONE_LABELS[dimension] if key is None else names.get((dimension, key), f"#{key}")
        return BreakdownRow(
            key=key,
            label=label,
            incidents=sum(incidents[dimension][k] for k in keys),
            response=total(RESPONSE),
            resolution=total(RESOLUTION),
            others=len(keys) if others else 0,
        )

    breakdowns = {}
    for dimension in (TEAM, ASSIGNEE):
        rows = [row(dimension, [key]) for key in shown[dimension]]
        rest = top[dimension][len(shown[dimension]) :]
        if rest:
            rows.append(row(dimension, rest, others=True))
        breakdowns[dimension] = Breakdown(dimension=dimension, rows=rows)
    return breakdowns
