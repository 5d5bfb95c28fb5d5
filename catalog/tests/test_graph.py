"""Impact analysis and related CIs over the dependency graph (catalog.graph), on real PostgreSQL."""

import pytest

from catalog import graph
from catalog.models import Criticality
from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_cis():
    """make_cis("a b c", service=...) → {"a": CI, ...}; edges with depends(cis, "a>b b>c") (a needs b)."""

    def make(names: str, service=None):
        service = service or ServiceFactory()
        return {name: ConfigurationItemFactory(name=name, service=service) for name in names.split()}

    return make


def depends(cis: dict, edges: str) -> None:
    for edge in edges.split():
        dependent, dependency = edge.split(">")
        cis[dependent].depends_on.add(cis[dependency])


def named(cis: dict, ids) -> set[str]:
    by_id = {ci.pk: name for name, ci in cis.items()}
    return {by_id[pk] for pk in ids}


def named_ids(cis: dict, names: str) -> set[int]:
    return {cis[name].pk for name in names.split()}


def test_impact_walks_dependents_of_dependents_with_depth_and_via(make_cis, django_assert_num_queries):
    cis = make_cis("net db app web batch")
    depends(cis, "db>net app>db web>app batch>db")

    with django_assert_num_queries(1):
        impact = graph.ci_impact([cis["net"].pk])

    assert [(ci.name, ci.depth, ci.via) for ci in impact.cis] == [
        ("db", 1, cis["net"].pk),
        ("app", 2, cis["db"].pk),
        ("batch", 2, cis["db"].pk),
        ("web", 3, cis["app"].pk),
    ]
    assert [ci.name for ci in impact.roots] == ["net"] and not impact.truncated
    assert impact.path_to(cis["web"].pk) == [cis[n].pk for n in ("net", "db", "app", "web")]


def test_a_ci_with_no_dependents_affects_only_its_own_service(make_cis):
    cis = make_cis("leaf other")
    depends(cis, "leaf>other")
    impact = graph.ci_impact([cis["leaf"].pk])
    assert impact.cis == ()
    assert [s.id for s in impact.services] == [cis["leaf"].service_id]
    assert graph.blast_radius([cis["leaf"].pk]) == {
        "affected_cis": 0,
        "affected_services": 1,
        "highest_criticality": Criticality.MEDIUM,
        "max_depth": 0,
        "truncated": False,
    }


def test_cycles_terminate_and_list_each_ci_once(make_cis):
    cis = make_cis("a b c d")
    depends(cis, "b>a c>b a>c d>c")  # a → b → c → a, and d hangs off the cycle
    impact = graph.ci_impact([cis["a"].pk])
    assert [(ci.name, ci.depth) for ci in impact.cis] == [("b", 1), ("c", 2), ("d", 3)]
    assert graph.ci_related([cis["b"].pk]) == named_ids(cis, "a c d")
    assert graph.ci_upstream([cis["d"].pk]) == named_ids(cis, "a b c")


def test_a_diamond_reaches_the_bottom_once_at_its_shortest_depth(make_cis):
    cis = make_cis("storage left right top long1 long2")
    depends(cis, "left>storage right>storage top>left top>right long1>storage long2>long1 top>long2")
    impact = graph.ci_impact([cis["storage"].pk])
    tops = [ci for ci in impact.cis if ci.name == "top"]
    assert len(tops) == 1 and tops[0].depth == 2
    assert tops[0].via == min(cis["left"].pk, cis["right"].pk)  # the smallest id among nearest parents
    assert graph.blast_radius([cis["storage"].pk])["affected_cis"] == 5


def test_services_affected_with_criticality_most_critical_first(make_cis):
    infra = ServiceFactory(name="Infra", criticality=Criticality.LOW)
    shop = ServiceFactory(name="Shop", criticality=Criticality.CRITICAL)
    wiki = ServiceFactory(name="Wiki", criticality=Criticality.MEDIUM)
    cis = {**make_cis("switch", service=infra), **make_cis("cart api", service=shop)}
    cis.update(make_cis("wiki", service=wiki))
    depends(cis, "cart>switch api>cart wiki>switch")

    impact = graph.ci_impact([cis["switch"].pk])
    assert [(s.name, s.criticality, s.depth, s.ci_count) for s in impact.services] == [
        ("Shop", Criticality.CRITICAL, 1, 2),
        ("Wiki", Criticality.MEDIUM, 1, 1),
        ("Infra", Criticality.LOW, 0, 1),
    ]
    assert impact.highest_criticality == Criticality.CRITICAL
    other = ServiceFactory(name="Other", criticality=Criticality.HIGH)
    assert graph.blast_radius([cis["wiki"].pk], [other.pk, wiki.pk]) == {
        "affected_cis": 0,
        "affected_services": 2,
        "highest_criticality": Criticality.HIGH,
        "max_depth": 0,
        "truncated": False,
    }


def test_several_roots_merge_and_a_root_is_never_its_own_dependent(make_cis):
    cis = make_cis("a b c x")
    depends(cis, "b>a c>b x>c")
    impact = graph.ci_impact([cis["a"].pk, cis["b"].pk, cis["b"].pk])
    assert [ci.name for ci in impact.roots] == ["a", "b"]
    assert [(ci.name, ci.depth) for ci in impact.cis] == [("c", 1), ("x", 2)]


def test_related_goes_both_ways_but_not_to_siblings(make_cis, django_assert_num_queries):
    cis = make_cis("net db app1 app2 web1 unrelated")
    depends(cis, "db>net app1>db app2>db web1>app1")
    with django_assert_num_queries(1):
        related = graph.ci_related([cis["app1"].pk])
    assert named(cis, related) == {"db", "net", "web1"}  # upstream and downstream, not app2
    assert named(cis, graph.ci_related([cis["db"].pk])) == {"net", "app1", "app2", "web1"}
    assert named(cis, graph.ci_upstream([cis["web1"].pk])) == {"app1", "db", "net"}
    assert graph.ci_related([cis["unrelated"].pk]) == set()
    assert graph.ci_related([]) == set() and graph.ci_impact([]).cis == ()


def test_the_depth_bound_cuts_long_chains_and_says_so(make_cis, settings):
    cis = make_cis("c0 c1 c2 c3 c4")
    depends(cis, "c1>c0 c2>c1 c3>c2 c4>c3")
    settings.OPSDESK_CMDB_MAX_DEPTH = 2
    impact = graph.ci_impact([cis["c0"].pk])
    assert [ci.name for ci in impact.cis] == ["c1", "c2"] and impact.truncated
    assert graph.blast_radius([cis["c0"].pk])["truncated"] is True
    assert named(cis, graph.ci_related([cis["c2"].pk])) == {"c0", "c1", "c3", "c4"}
    assert named(cis, graph.ci_related([cis["c0"].pk])) == {"c1", "c2"}
    assert not graph.ci_impact([cis["c0"].pk], depth=10).truncated


def test_query_count_does_not_grow_with_the_graph(make_cis, django_assert_num_queries):
    small = make_cis("s0 s1")
    depends(small, "s1>s0")
    big = make_cis(" ".join(f"b{i}" for i in range(40)))
    depends(big, " ".join(f"b{i}>b{i // 3}" for i in range(1, 40)))
    for root in (small["s0"], big["b0"]):
        with django_assert_num_queries(3):
            graph.ci_impact([root.pk])
            graph.ci_related([root.pk])
            graph.blast_radius([root.pk])
    assert len(graph.ci_impact([big["b0"].pk]).cis) == 39
