"""`python -m bench cmdb [--quick]`: CMDB graph queries (catalog.graph) on 10,000 configuration items and
~30,000 dependency edges (quick: 2,000 CIs). See bench/RESULTS.md ("CMDB benchmark").

`seed_cis()` is the seeding step alone, for other benchmarks that need a CMDB (e.g. scheduled changes
touching its CIs): call it after Django is set up on their own database."""

import os
import random
import time
from collections import Counter
from dataclasses import dataclass

from .config import bench_database_url, parse_quick
from .timing import GOAL_MS, goal_table, publish, time_calls

DEFAULT_CMDB_DATABASE_URL = bench_database_url("opsdesk_bench_cmdb")
RELATED_SET = 50  # CIs per ci_related call: a change touching 50 CIs

# The layers, bottom up: (name prefix, kind, share of the CIs, service, {layer: how many of it to depend on})
# A float count is an expectation (e.g. 0.5: half of them get one). `service` "own" spreads the layer
# over the business services; another name puts the whole layer in that infrastructure service.
LAYERS = (
    ("core-rtr", "network", 0.0002, "Network", {}),
    ("sw", "network", 0.0058, "Network", {"core-rtr": 2}),
    ("san", "storage", 0.014, "Storage", {"sw": 2}),
    ("host", "server", 0.03, "Compute", {"sw": 2, "san": 1}),
    ("vm", "vm", 0.27, "Compute", {"host": 1, "san": 1}),
    ("db", "database", 0.15, "own", {"vm": 2, "san": 1}),
    ("appsrv", "container", 0.28, "own", {"vm": 2, "sw": 1}),
    ("shared", "application", 0.0005, "Identity", {"appsrv": 2, "db": 1}),
    ("app", "application", 0.2495, "own", {"appsrv": 2, "db": 1.5, "shared": 0.5}),
)
INFRASTRUCTURE = ("Network", "Storage", "Compute", "Identity")
BUSINESS_SERVICES = 196


@dataclass(frozen=True)
class Shape:
    names: list[str]
    kinds: list[str]
    services: list[int]  # index into service_names
    edges: list[tuple[int, int]]  # (dependent index, dependency index), no duplicates
    service_names: list[str]
    criticalities: list[int]
    layer_of: dict[str, range]  # layer prefix → the CI indexes of that layer


def layered_shape(count: int, *, seed: float = 0.42) -> Shape:
    """A realistic layered CMDB of `count` CIs with ~3 dependency edges each: network and storage at the
    bottom, hosts and VMs, then databases and application servers, applications at the top. Two core
    routers under every switch (their blast radius is nearly the whole CMDB), a few shared applications
    (SSO, DNS...) that half of the applications need, and one dependency cycle between two of them. A
    CI of a business service prefers dependencies in the same service."""
    rng = random.Random(seed)
    service_names = [*INFRASTRUCTURE, *(f"Business service {n:03d}" for n in range(1, BUSINESS_SERVICES + 1))]
    criticalities = [2, 2, 2, 1] + [1 + n % 4 for n in range(BUSINESS_SERVICES)]
    names, kinds, services, layer_of = [], [], [], {}
    business = {prefix for prefix, _kind, _share, service, _needs in LAYERS if service == "own"}
    edges: set[tuple[int, int]] = set()
    for prefix, kind, share, service, needs in LAYERS:
        size = max(2, round(count * share))
        first = len(names)
        layer_of[prefix] = range(first, first + size)
        for n in range(size):
            names.append(f"{prefix}-{n + 1:05d}")
            kinds.append(kind)
            offset = n % BUSINESS_SERVICES if prefix in business else None
            services.append(service_names.index(service) if offset is None else len(INFRASTRUCTURE) + offset)
            for needed, expected in needs.items():
                for _ in range(int(expected) + (rng.random() < expected % 1)):
                    dependency = _pick(rng, layer_of[needed], business=needed in business, offset=offset)
                    edges.add((first + n, dependency))
    shared = layer_of["shared"]
    edges |= {(shared[0], shared[1]), (shared[1], shared[0])}  # SSO and its directory need each other
    return Shape(names, kinds, services, sorted(edges), service_names, criticalities, layer_of)


def _pick(rng: random.Random, layer: range, *, business: bool, offset: int | None) -> int:
    """A CI of `layer`; 4 times in 5 one of the dependent's own business service when both have one."""
    if business and offset is not None and len(layer) >= BUSINESS_SERVICES and rng.random() < 0.8:
        return rng.choice(range(layer.start + offset, layer.stop, BUSINESS_SERVICES))
    return rng.choice(layer)


def seed_cis(*, count: int = 10_000, seed: float = 0.42) -> list[int]:
    """Insert `layered_shape(count)` (200 services, `count` CIs, ~3 × `count` edges) in three bulk
    statements and ANALYZE; returns the CI ids, bottom layer first (index i of the shape → ids[i])."""
    from django.db import connection, transaction

    from catalog.graph import CIS, EDGES, SERVICES

    shape = layered_shape(count, seed=seed)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {SERVICES} (name, slug, description, criticality)
            SELECT n, lower(replace(n, ' ', '-')), '', c
            FROM unnest(%s::text[], %s::int[]) WITH ORDINALITY AS s(n, c, i)
            ORDER BY i RETURNING id""",
            [shape.service_names, shape.criticalities],
        )
        service_ids = sorted(row[0] for row in cursor.fetchall())  # assigned in ORDER BY order
        cursor.execute(
            f"""INSERT INTO {CIS} (name, kind, service_id)
            SELECT n, k, (%s::bigint[])[s + 1]
            FROM unnest(%s::text[], %s::text[], %s::int[]) WITH ORDINALITY AS c(n, k, s, i)
            ORDER BY i RETURNING id""",
            [service_ids, shape.names, shape.kinds, shape.services],
        )
        ids = sorted(row[0] for row in cursor.fetchall())  # assigned in ORDER BY order
        cursor.execute(
            f"""INSERT INTO {EDGES} (from_configurationitem_id, to_configurationitem_id)
            SELECT (%s::bigint[])[f + 1], (%s::bigint[])[t + 1] FROM unnest(%s::int[], %s::int[]) AS e(f, t)""",
            [ids, ids, [f for f, _ in shape.edges], [t for _, t in shape.edges]],
        )
    # VACUUM too (what autovacuum does soon after), so that walks get index-only scans; not possible
    # inside a transaction (tests): ANALYZE only there.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in (SERVICES, CIS, EDGES):
            cursor.execute(f"{command} {table}")
    return ids


# --- the run ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CmdbParams:
    mode: str
    cis: int
    runs: int
    database_url: str
    redis_url: str


def parse_params(argv: list[str]) -> CmdbParams:
    quick = parse_quick(
        argv, prog="python -m bench cmdb", description=__doc__, quick_help="2,000 CIs, 20 runs per measure"
    )
    env = os.environ.get
    return CmdbParams(
        mode="quick" if quick else "full",
        cis=int(env("BENCH_CMDB_CIS", 2_000 if quick else 10_000)),
        runs=int(env("BENCH_CMDB_RUNS", 20 if quick else 100)),
        database_url=env("BENCH_CMDB_DATABASE_URL", DEFAULT_CMDB_DATABASE_URL),
        redis_url=env("BENCH_CMDB_REDIS_URL", "redis://127.0.0.1:6379/12"),
    )


def environ(params: CmdbParams) -> dict[str, str]:
    from .env import dev_environ

    # measure the endpoint, not the rate limit
    return dev_environ(params.database_url, params.redis_url, OPSDESK_THROTTLE_USER="1000000/min")


def _log(message: str) -> None:
    print(f"[bench cmdb {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(params: CmdbParams) -> int:
    from . import env

    _log(f"{params.mode} run: {params.cis:,} CIs, {params.runs} runs per measure")
    environment = environ(params)
    env.reset_and_setup(params.database_url, params.redis_url, environment)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from catalog import graph
    from core import roles

    started = time.monotonic()
    ids = seed_cis(count=params.cis)
    shape = layered_shape(params.cis)
    seed_seconds = time.monotonic() - started
    _log(f"seeded {len(ids):,} CIs and {len(shape.edges):,} edges in {seed_seconds:.1f} s")

    infrastructure = [ids[i] for prefix in ("core-rtr", "sw", "san") for i in shape.layer_of[prefix]]
    radii = {pk: graph.blast_radius([pk])["affected_cis"] for pk in infrastructure}
    hub = max(radii, key=lambda pk: (radii[pk], -pk))
    impact = graph.ci_impact([hub])
    hub_name = shape.names[ids.index(hub)]
    _log(
        f"largest blast radius: {hub_name} affects {len(impact.cis):,} CIs and {len(impact.services)} services"
        f" over {impact.cis[-1].depth} hops"
    )

    viewer = get_user_model().objects.create(username="bench-viewer")
    viewer.groups.add(Group.objects.get(name=roles.VIEWER))
    token = Token.objects.create(user=viewer).key
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    url = f"/api/v1/cis/{hub}/impact/"

    def api(query: str = "") -> None:
        response = client.get(url + query)
        assert response.status_code == 200, response.content[:200]

    rng = random.Random(7)
    sets = [rng.sample(ids, RELATED_SET) for _ in range(params.runs)]
    related_sizes = [len(graph.ci_related(chosen)) for chosen in sets[:5]]
    runs = range(params.runs)
    load_before = os.getloadavg()[0]
    timings = [
        time_calls(
            "ci_impact", f"in-process `ci_impact([{hub_name}])`", [lambda: graph.ci_impact([hub])] * len(runs)
        ),
        time_calls(
            "impact API",
            f"`GET {url.replace(str(hub), '{hub}')}` (default limit: 500 CIs listed) through Django's test Client",
            [api] * len(runs),
        ),
        time_calls(
            "impact API, all",
            f"the same with `?limit=5000` ({min(len(impact.cis), 5000):,} CIs listed; informational)",
            [lambda: api("?limit=5000")] * len(runs),
            goal=False,
        ),
        time_calls(
            "ci_related",
            f"in-process `ci_related` of {RELATED_SET} random CIs (a new set each run; e.g. "
            f"{', '.join(f'{n:,}' for n in related_sizes)} related CIs)",
            [lambda chosen=chosen: graph.ci_related(chosen) for chosen in sets],
        ),
        time_calls(
            "blast_radius",
            f"in-process `blast_radius([{hub_name}])` (counts for risk assessment)",
            [lambda: graph.blast_radius([hub])] * len(runs),
        ),
    ]
    load = (load_before, os.getloadavg()[0])
    body = render(params, shape, seed_seconds, hub_name, impact, timings, load)
    publish(f"cmdb-{params.mode}", body)
    ok = all(t.ok for t in timings)
    _log("goal met" if ok else f"goal missed: some p99 >= {GOAL_MS:g} ms")
    return 0 if ok else 1


def render(
    params: CmdbParams, shape: Shape, seed_seconds: float, hub_name: str, impact, timings, load
) -> str:
    depths = Counter(ci.depth for ci in impact.cis)
    lines = [
        f"**{params.mode}**, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {len(shape.names):,} CIs,"
        f" {len(shape.edges):,} edges, {len(shape.service_names)} services; seeded in {seed_seconds:.1f} s."
        f" Largest blast radius: `{hub_name}`, {len(impact.cis):,} CIs affected"
        f" (by hops: {', '.join(f'{d}: {n:,}' for d, n in sorted(depths.items()))}),"
        f" {len(impact.services)} services. Load average (1 min) before / after the timings:"
        f" {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores.",
        "",
        *goal_table(timings, runs=params.runs),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    return run(parse_params(argv))
