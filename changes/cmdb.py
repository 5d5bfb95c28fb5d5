"""What the change process asks the CMDB graph (catalog.graph, the CMDB helper's module): which CIs are
connected to a change's CIs, and what a change affects. Imported lazily; until catalog.graph exists
a recursive query over the dependency edges stands in for it (same meaning, no depth bound)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from catalog.models import ConfigurationItem, Service

_EDGES = ConfigurationItem.depends_on.through._meta.db_table


def _graph():
    try:
        from catalog import graph
    except ImportError:  # pragma: no cover - catalog.graph lands with the CMDB branch
        return None
    return graph


# One index lookup per CI reached (LATERAL ... OFFSET 0 keeps the planner from merge-joining the whole
# edge table at each level, which it otherwise does for lack of an estimate of the level's size).
_DOWN = f"""down(id) AS (
        SELECT unnest(%(ids)s::bigint[])
        UNION SELECT e.id FROM down CROSS JOIN LATERAL (
            SELECT from_configurationitem_id AS id FROM {_EDGES} WHERE to_configurationitem_id = down.id OFFSET 0
        ) e
    )"""
_UP = f"""up(id) AS (
        SELECT unnest(%(ids)s::bigint[])
        UNION SELECT e.id FROM up CROSS JOIN LATERAL (
            SELECT to_configurationitem_id AS id FROM {_EDGES} WHERE from_configurationitem_id = up.id OFFSET 0
        ) e
    )"""


def _walk(ci_ids: Iterable[int], *, graph_function: str, fallback: str) -> set[int]:
    """The CIs reached from `ci_ids` (not those): catalog.graph's `graph_function` if it exists, else
    the `fallback` query over the edges."""
    ids = sorted({int(pk) for pk in ci_ids})
    if not ids:
        return set()
    graph = _graph()
    if graph is not None:
        return set(getattr(graph, graph_function)(ids)) - set(ids)
    with connection.cursor() as cursor:
        cursor.execute(fallback, {"ids": ids})
        return {row[0] for row in cursor.fetchall()} - set(ids)


def related_ci_ids(ci_ids: Iterable[int]) -> set[int]:
    """CIs the given ones depend on or that depend on them, transitively (not the given ones)."""
    both = f"WITH RECURSIVE {_DOWN}, {_UP} SELECT id FROM down UNION SELECT id FROM up"
    return _walk(ci_ids, graph_function="ci_related", fallback=both)


def upstream_ci_ids(ci_ids: Iterable[int]) -> set[int]:
    """CIs the given ones depend on, transitively (not the given ones)."""
    return _walk(ci_ids, graph_function="ci_upstream", fallback=f"WITH RECURSIVE {_UP} SELECT id FROM up")


@dataclass(frozen=True)
class ImpactedCI:
    id: int
    name: str
    depth: int  # hops from the change's CIs (0: the change touches it)
    service: str


@dataclass(frozen=True)
class ImpactedService:
    id: int
    name: str
    criticality: int
    criticality_label: str


@dataclass(frozen=True)
class ChangeImpact:
    cis: tuple[ImpactedCI, ...]  # the CIs affected through the graph, nearest first
    services: tuple[ImpactedService, ...]  # most critical first
    truncated: bool = False  # the graph is deeper than the CMDB's depth bound

    @property
    def empty(self) -> bool:
        return not self.cis and not self.services


def change_impact(change) -> ChangeImpact:
    """What a change affects: every CI depending on its CIs (transitively, through the CMDB graph) and
    every service of those CIs and of its own, plus the services it names."""
    return impact_of(change.cis.values_list("pk", flat=True), change.services.values_list("pk", flat=True))


def impact_of(ci_ids: Iterable[int], service_ids: Iterable[int] = ()) -> ChangeImpact:
    """Every CI and service affected when the given CIs are changed (transitively, downstream), plus
    the services in `service_ids`."""
    ids = sorted({int(pk) for pk in ci_ids})
    graph = _graph()
    services: dict[int, ImpactedService] = {}
    cis: list[ImpactedCI] = []
    truncated = False
    if ids and graph is not None:
        impact = graph.ci_impact(ids)
        names = {s.id: s.name for s in impact.services}
        cis = [ImpactedCI(ci.id, ci.name, ci.depth, names.get(ci.service_id, "")) for ci in impact.cis]
        for s in impact.services:
            services[s.id] = ImpactedService(s.id, s.name, int(s.criticality), s.criticality.label)
        truncated = impact.truncated
    elif ids:  # stand-in until catalog.graph is merged: direct dependents only
        rows = (
            ConfigurationItem.objects.filter(depends_on__in=ids)
            .exclude(pk__in=ids)
            .distinct()
            .select_related("service")
        )
        cis = [ImpactedCI(ci.pk, ci.name, 1, ci.service.name) for ci in rows]
        touched = Service.objects.filter(cis__in=[*ids, *(ci.id for ci in cis)]).distinct()
        for s in touched:
            services[s.pk] = ImpactedService(s.pk, s.name, s.criticality, s.get_criticality_display())
    for s in Service.objects.filter(pk__in=set(service_ids) - set(services)):
        services[s.pk] = ImpactedService(s.pk, s.name, s.criticality, s.get_criticality_display())
    ordered = sorted(services.values(), key=lambda s: (s.criticality, s.name))
    return ChangeImpact(tuple(cis), tuple(ordered), truncated)
