"""The CMDB dependency graph: impact analysis, related and upstream CIs, blast radius — one SQL query each.

`X.depends_on = [Y]` means X needs Y: when Y goes down, X is affected. Walking *down* from Y (towards
its dependents, dependents of dependents, ...) gives Y's impact; walking *up* from X (towards what it
depends on) gives X's upstream, where the cause of an incident on X may lie.

Every walk is a breadth-first search in one recursive CTE whose rows are whole levels, not single
paths: level n+1 holds the CIs first reached in n+1 hops, each with the CI of level n it was reached
through (`via`, the smallest such id), and the walk carries the set of CIs already seen. So each CI
appears once, at its shortest distance; cycles and diamonds cannot multiply rows or loop; a walk costs
one index lookup per CI reached, whatever the number of paths (index-only: the dependency table has
both (from, to) and (to, from) indexes). The depth is bounded by
`settings.OPSDESK_CMDB_MAX_DEPTH` (default 20 hops): a graph deeper than that is cut there and the
result says so (`truncated`).

The given CIs are the walk's level 0. They are never part of what a walk returns (ci_related,
ci_upstream) and are listed apart in an Impact (`roots`); their own services count as affected.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.db import connection

from .models import ConfigurationItem, Criticality

EDGES = ConfigurationItem.depends_on.through._meta.db_table
CIS = ConfigurationItem._meta.db_table
SERVICES = ConfigurationItem._meta.get_field("service").related_model._meta.db_table

# Column of the edge table holding the CI a walk comes from / goes to, per direction.
_DIRECTIONS = {
    "down": ("to_configurationitem_id", "from_configurationitem_id"),  # Y → the X that depend on Y
    "up": ("from_configurationitem_id", "to_configurationitem_id"),  # X → the Y that X depends on
}


def max_depth() -> int:
    return int(getattr(settings, "OPSDESK_CMDB_MAX_DEPTH", 20))


def _walk_cte(name: str, direction: str, *, roots: str, limit: str) -> str:
    """A recursive CTE `name(depth, ids, vias, seen)`: one row per level of a breadth-first walk from
    the CIs in the bigint[] parameter `roots`, at most `limit` (a parameter) hops deep."""
    start, reach = _DIRECTIONS[direction]
    return f"""
    {name}(depth, ids, vias, seen) AS (
        SELECT 0, r.ids, array_fill(NULL::bigint, ARRAY[cardinality(r.ids)]), r.ids
        FROM (SELECT ARRAY(SELECT DISTINCT unnest(%({roots})s::bigint[])) AS ids) AS r
      UNION ALL
        SELECT l.depth + 1, n.ids, n.vias, l.seen || n.ids
        FROM {name} AS l
        CROSS JOIN LATERAL (
            SELECT array_agg(s.ci) AS ids, array_agg(s.via) AS vias
            FROM (
                SELECT e.{reach} AS ci, min(e.{start}) AS via
                FROM {EDGES} AS e
                WHERE e.{start} = ANY(l.ids) AND e.{reach} NOT IN (SELECT unnest(l.seen))
                GROUP BY e.{reach}
            ) AS s
        ) AS n
        WHERE l.depth < %({limit})s AND n.ids IS NOT NULL
    )"""


def _ids(ci_ids: Iterable[int]) -> list[int]:
    return sorted({int(pk) for pk in ci_ids})


def _params(ci_ids: Iterable[int], depth: int | None, **extra) -> dict:
    bound = max_depth() if depth is None else depth
    # One hop beyond the bound: its rows are not returned, they only tell that the walk was cut.
    return {"roots": _ids(ci_ids), "limit": bound + 1, "bound": bound, **extra}


class AffectedCI(NamedTuple):  # a tuple: thousands of them are built per impact
    id: int
    name: str
    kind: str
    service_id: int
    depth: int  # shortest number of hops from a given CI; 0 for the given CIs
    via: int | None  # the CI one hop closer to the given CIs (None at depth 0)


@dataclass(frozen=True)
class AffectedService:
    id: int
    name: str
    slug: str
    criticality: Criticality
    depth: int  # the smallest depth of its CIs in the impact (0: a given CI belongs to it)
    ci_count: int  # how many of its CIs are given or affected


@dataclass(frozen=True)
class Impact:
    roots: tuple[AffectedCI, ...]  # the given CIs that exist
    cis: tuple[AffectedCI, ...]  # every CI affected, nearest first (depth, then name)
    services: tuple[AffectedService, ...]  # most critical first, then nearest, then name
    max_depth: int
    truncated: bool  # the graph goes deeper than max_depth: CIs beyond it are not listed

    @cached_property
    def by_id(self) -> dict[int, AffectedCI]:
        """The given and affected CIs by id."""
        return {ci.id: ci for ci in (*self.roots, *self.cis)}

    @property
    def highest_criticality(self) -> Criticality | None:
        return min((s.criticality for s in self.services), default=None)

    def path_to(self, ci_id: int) -> list[int]:
        """The ids from a given CI down to `ci_id` along a shortest path ([] if not in the impact)."""
        path, ci = [], self.by_id.get(ci_id)
        while ci is not None:
            path.append(ci.id)
            ci = self.by_id.get(ci.via) if ci.via is not None else None
        return path[::-1]


def ci_impact(ci_ids: Iterable[int], *, depth: int | None = None) -> Impact:
    """Every CI affected when the given CIs go down (transitively), and every service affected."""
    query = f"""
    WITH RECURSIVE {_walk_cte("walk", "down", roots="roots", limit="limit")}
    SELECT ci.id, ci.name, ci.kind, ci.service_id, w.depth, u.via,
           s.name, s.slug, s.criticality
    FROM walk AS w
    CROSS JOIN LATERAL unnest(w.ids, w.vias) AS u(ci, via)
    JOIN {CIS} AS ci ON ci.id = u.ci
    JOIN {SERVICES} AS s ON s.id = ci.service_id
    ORDER BY w.depth, ci.name COLLATE "C", ci.id
    """
    params = _params(ci_ids, depth)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    bound = params["bound"]
    listed = [row for row in rows if row[4] <= bound]
    services: dict[int, list] = {}  # id → [name, slug, criticality, depth, ci count]
    for row in listed:
        seen = services.get(row[3])
        if seen is None:  # rows come nearest first: the first row of a service has its depth
            services[row[3]] = [row[6], row[7], row[8], row[4], 1]
        else:
            seen[4] += 1
    cis = [AffectedCI._make(row[:6]) for row in listed]
    roots = tuple(ci for ci in cis if ci.depth == 0)
    affected = [
        AffectedService(pk, name, slug, Criticality(criticality), hops, count)
        for pk, (name, slug, criticality, hops, count) in services.items()
    ]
    affected.sort(key=lambda s: (s.criticality, s.depth, s.name))
    return Impact(roots, tuple(cis[len(roots) :]), tuple(affected), bound, len(listed) < len(rows))


def ci_related(ci_ids: Iterable[int], *, depth: int | None = None) -> set[int]:
    """CIs that the given CIs depend on or that depend on them, transitively (up AND down, not the
    siblings: two applications sharing a database are not related through it). For collision
    detection: `set(mine) | ci_related(mine)` against the CIs of another change."""
    query = f"""
    WITH RECURSIVE {_walk_cte("down", "down", roots="roots", limit="bound")},
    {_walk_cte("up", "up", roots="roots", limit="bound")}
    SELECT unnest(ids) FROM down WHERE depth > 0
    UNION
    SELECT unnest(ids) FROM up WHERE depth > 0
    """
    return _id_set(query, _params(ci_ids, depth))


def ci_upstream(ci_ids: Iterable[int], *, depth: int | None = None) -> set[int]:
    """What the given CIs depend on, transitively (where the cause of their trouble may lie)."""
    query = f"""
    WITH RECURSIVE {_walk_cte("up", "up", roots="roots", limit="bound")}
    SELECT unnest(ids) FROM up WHERE depth > 0
    """
    return _id_set(query, _params(ci_ids, depth))


def _id_set(query: str, params: dict) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {row[0] for row in cursor.fetchall()}


def blast_radius(ci_ids: Iterable[int], service_ids: Iterable[int] = (), *, depth: int | None = None) -> dict:
    """Counts for risk assessment, in one query:

    - `affected_cis`: CIs affected transitively by the given CIs (not counting the given ones),
    - `affected_services`: the given services, the services of the given CIs and of the affected CIs,
    - `highest_criticality`: the most critical of those services (a Criticality), None if none,
    - `max_depth`: the longest shortest-path from a given CI to an affected one (0: nothing affected),
    - `truncated`: the graph goes deeper than the depth bound (counts stop there).
    """
    query = f"""
    WITH RECURSIVE {_walk_cte("walk", "down", roots="roots", limit="limit")},
    reached AS (
        SELECT u.ci, w.depth FROM walk AS w CROSS JOIN LATERAL unnest(w.ids) AS u(ci)
        WHERE w.depth <= %(bound)s
    ),
    hit AS (
        SELECT ci.service_id AS id FROM reached AS r JOIN {CIS} AS ci ON ci.id = r.ci
        UNION
        SELECT unnest(%(services)s::bigint[])
    )
    SELECT (SELECT count(*) FROM reached WHERE depth > 0),
           (SELECT count(*) FROM hit JOIN {SERVICES} AS s ON s.id = hit.id),
           (SELECT min(s.criticality) FROM hit JOIN {SERVICES} AS s ON s.id = hit.id),
           (SELECT coalesce(max(depth), 0) FROM reached),
           EXISTS (SELECT FROM walk WHERE depth > %(bound)s)
    """
    params = _params(ci_ids, depth, services=_ids(service_ids))
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        cis, services, highest, deepest, truncated = cursor.fetchone()
    return {
        "affected_cis": cis,
        "affected_services": services,
        "highest_criticality": None if highest is None else Criticality(highest),
        "max_depth": deepest,
        "truncated": truncated,
    }
