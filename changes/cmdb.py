"""What the change process asks the CMDB graph (catalog.graph): which CIs are connected to a change's
CIs, and what a change affects."""

from collections.abc import Iterable
from dataclasses import dataclass

from catalog import graph
from catalog.models import Service


def _walk(ci_ids: Iterable[int], graph_function) -> set[int]:
    ids = sorted({int(pk) for pk in ci_ids})
    return set(graph_function(ids)) - set(ids) if ids else set()


def related_ci_ids(ci_ids: Iterable[int]) -> set[int]:
    """CIs the given ones depend on or that depend on them, transitively (not the given ones)."""
    return _walk(ci_ids, graph.ci_related)


def upstream_ci_ids(ci_ids: Iterable[int]) -> set[int]:
    """CIs the given ones depend on, transitively (not the given ones)."""
    return _walk(ci_ids, graph.ci_upstream)


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
    services: dict[int, ImpactedService] = {}
    cis: list[ImpactedCI] = []
    truncated = False
    if ids:
        impact = graph.ci_impact(ids)
        names = {s.id: s.name for s in impact.services}
        cis = [ImpactedCI(ci.id, ci.name, ci.depth, names.get(ci.service_id, "")) for ci in impact.cis]
        for s in impact.services:
            services[s.id] = ImpactedService(s.id, s.name, int(s.criticality), s.criticality.label)
        truncated = impact.truncated
    for s in Service.objects.filter(pk__in=set(service_ids) - set(services)):
        services[s.pk] = ImpactedService(s.pk, s.name, s.criticality, s.get_criticality_display())
    ordered = sorted(services.values(), key=lambda s: (s.criticality, s.name))
    return ChangeImpact(tuple(cis), tuple(ordered), truncated)
