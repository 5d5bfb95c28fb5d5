"""GET /api/v1/cis/{id}/impact/ and the CI list/detail with dependencies and dependents."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from catalog.models import Criticality
from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cis/"


@pytest.fixture
def shop():
    """switch ← db ← api ← web, and wiki ← switch: the switch's failure reaches all of them."""
    infra = ServiceFactory(name="Infra", slug="infra", criticality=Criticality.LOW)
    shop = ServiceFactory(name="Shop", slug="shop", criticality=Criticality.CRITICAL)
    wiki = ServiceFactory(name="Wiki", slug="wiki", criticality=Criticality.MEDIUM)
    switch = ConfigurationItemFactory(name="switch", service=infra, kind="network")
    db = ConfigurationItemFactory(name="db", service=shop, kind="database")
    api = ConfigurationItemFactory(name="api", service=shop, kind="application")
    web = ConfigurationItemFactory(name="web", service=shop, kind="application")
    wiki_app = ConfigurationItemFactory(name="wiki", service=wiki, kind="container")
    db.depends_on.add(switch)
    api.depends_on.add(db)
    web.depends_on.add(api)
    wiki_app.depends_on.add(switch)
    return {ci.name: ci for ci in (switch, db, api, web, wiki_app)}


def test_impact_lists_affected_cis_with_depth_and_via_and_services(client_for, viewer, shop):
    response = client_for(viewer).get(f"{URL}{shop['switch'].pk}/impact/")
    assert response.status_code == 200
    body = response.json()
    assert body["ci"]["name"] == "switch" and body["ci"]["depth"] == 0
    assert body["ci_count"] == 4 and body["truncated"] is False and body["max_depth"] == 20
    assert [(ci["name"], ci["depth"], ci["via"]) for ci in body["cis"]] == [
        ("db", 1, shop["switch"].pk),
        ("wiki", 1, shop["switch"].pk),
        ("api", 2, shop["db"].pk),
        ("web", 3, shop["api"].pk),
    ]
    assert [(s["slug"], s["criticality_display"], s["ci_count"]) for s in body["services"]] == [
        ("shop", "Critical", 3),
        ("wiki", "Medium", 1),
        ("infra", "Low", 1),
    ]
    assert body["highest_criticality"] == Criticality.CRITICAL


def test_impact_of_a_ci_nothing_depends_on(client_for, viewer, shop):
    body = client_for(viewer).get(f"{URL}{shop['web'].pk}/impact/").json()
    assert body["cis"] == [] and body["ci_count"] == 0
    assert [s["slug"] for s in body["services"]] == ["shop"]


def test_limit_and_depth(client_for, viewer, shop):
    api = client_for(viewer)
    body = api.get(f"{URL}{shop['switch'].pk}/impact/", {"limit": 2}).json()
    assert [ci["name"] for ci in body["cis"]] == ["db", "wiki"] and body["ci_count"] == 4
    body = api.get(f"{URL}{shop['switch'].pk}/impact/", {"depth": 1}).json()
    assert body["ci_count"] == 2 and body["truncated"] is True and body["max_depth"] == 1


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": "many"}, "limit"),
        ({"limit": 0}, "limit"),
        ({"depth": 21}, "depth"),
        ({"depth": -1}, "depth"),
    ],
)
def test_bad_parameters_are_400_with_field_messages(client_for, viewer, shop, params, field):
    response = client_for(viewer).get(f"{URL}{shop['switch'].pk}/impact/", params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_unknown_ci_is_404_in_the_error_shape(client_for, viewer):
    response = client_for(viewer).get(f"{URL}999999/impact/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_anonymous_gets_401_and_no_role_403(shop, make_user, client_for):
    assert APIClient().get(f"{URL}{shop['switch'].pk}/impact/").status_code == 401
    assert (
        client_for(make_user(username="newcomer")).get(f"{URL}{shop['switch'].pk}/impact/").status_code == 403
    )


def test_impact_reads_a_fixed_number_of_queries(client_for, viewer, shop, django_assert_num_queries):
    api = client_for(viewer)
    # token with user and roles (1), the CI (1), the walk (1)
    with django_assert_num_queries(3):
        assert api.get(f"{URL}{shop['switch'].pk}/impact/").status_code == 200


def test_list_and_detail_show_dependencies_and_dependents(client_for, viewer, shop):
    api = client_for(viewer)
    rows = {ci["name"]: ci for ci in api.get(URL).json()["results"]}
    assert rows["db"]["depends_on"] == [shop["switch"].pk] and rows["db"]["dependents"] == [shop["api"].pk]
    assert sorted(rows["switch"]["dependents"]) == sorted([shop["db"].pk, shop["wiki"].pk])
    detail = api.get(f"{URL}{shop['api'].pk}/").json()
    assert (detail["depends_on"], detail["dependents"], detail["service"]["slug"]) == (
        [shop["db"].pk],
        [shop["web"].pk],
        "shop",
    )


def list_queries(api, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL, params or {})
    assert response.status_code == 200, response.json()
    return len(queries)


@pytest.mark.parametrize(
    "params", [{}, {"kind": "application"}, {"ordering": "-name"}, {"search": "a"}, {"page_size": 200}]
)
def test_ci_list_query_count_does_not_grow_with_rows(client_for, viewer, shop, params):
    api = client_for(viewer)
    few = list_queries(api, params)
    service = ServiceFactory()
    for n in range(30):
        ci = ConfigurationItemFactory(name=f"app-{n}", service=service, kind="application")
        ci.depends_on.add(shop["db"], shop["switch"])
        shop["web"].depends_on.add(ci)
    assert list_queries(api, params) == few
    assert few == 4  # token with user and roles, the page with services, depends_on ids, dependents ids


def test_ci_list_pages_with_a_cursor(client_for, viewer, shop):
    api = client_for(viewer)
    first = api.get(URL, {"page_size": 2, "ordering": "name"}).json()
    second = api.get(first["next"]).json()
    names = [ci["name"] for ci in first["results"] + second["results"]]
    assert names == ["api", "db", "switch", "web"] and "count" not in first


def test_schema_documents_the_impact_endpoint(client_for, viewer):
    schema = client_for(viewer).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    validate_schema(schema)
    operation = schema["paths"]["/api/v1/cis/{id}/impact/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"id", "limit", "depth"}
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    impact = schema["components"]["schemas"]["Impact"]["properties"]
    assert {"ci", "cis", "services", "ci_count", "truncated", "max_depth", "highest_criticality"} <= set(
        impact
    )
    ci = schema["components"]["schemas"]["ConfigurationItem"]["properties"]
    assert ci["dependents"]["type"] == "array" and ci["depends_on"]["readOnly"] is True
