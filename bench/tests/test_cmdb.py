"""The CMDB benchmark's seed (run with `pytest bench/tests`; not part of `make test`)."""

import pytest

from bench.cmdb import layered_shape, seed_cis, time_calls
from catalog import graph
from catalog.models import ConfigurationItem, Service

pytestmark = pytest.mark.django_db


def test_shape_is_layered_with_three_edges_a_ci():
    shape = layered_shape(10_000)
    assert len(shape.names) == 10_000 == len(set(shape.names))
    assert 28_000 <= len(shape.edges) <= 32_000
    assert len(set(shape.edges)) == len(shape.edges)
    layer = {i: prefix for prefix, indexes in shape.layer_of.items() for i in indexes}
    order = list(shape.layer_of)
    upward = [(f, t) for f, t in shape.edges if order.index(layer[f]) <= order.index(layer[t])]
    assert len(upward) == 2 and {layer[f] for f, _ in upward} == {"shared"}  # the one deliberate cycle
    assert layered_shape(10_000).edges == shape.edges  # deterministic


def test_seed_cis_inserts_the_shape_and_the_core_router_reaches_nearly_everything():
    ids = seed_cis(count=1_000)
    shape = layered_shape(1_000)
    assert ConfigurationItem.objects.count() == len(shape.names) == len(ids)  # small layers round up
    assert Service.objects.count() == 200
    assert ConfigurationItem.depends_on.through.objects.count() == len(shape.edges)
    assert list(ConfigurationItem.objects.order_by("id").values_list("name", flat=True)) == shape.names
    assert ids == sorted(ids)
    router = ids[shape.layer_of["core-rtr"][0]]
    impact = graph.ci_impact([router])
    assert len(impact.cis) > 900 and not impact.truncated
    assert {s.criticality for s in impact.services} == {1, 2, 3, 4}


def test_time_calls_reports_percentiles():
    timing = time_calls("noop", "nothing", [lambda: None] * 10)
    assert timing.runs == 10 and timing.p50_ms <= timing.p99_ms <= timing.max_ms and timing.ok
