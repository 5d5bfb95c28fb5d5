import pytest

from catalog.tests.factories import ConfigurationItemFactory

pytestmark = pytest.mark.django_db


def test_services_and_cis_with_dependencies(client_for, viewer, service):
    db_ci = ConfigurationItemFactory(name="pay-db-1", service=service, kind="database")
    api_ci = ConfigurationItemFactory(name="pay-api", service=service, kind="application")
    api_ci.depends_on.add(db_ci)
    api = client_for(viewer)

    services = api.get("/api/v1/services/").json()["results"]
    assert [(s["name"], s["slug"], s["criticality_display"]) for s in services] == [
        ("Payments", "payments", "Medium")
    ]

    cis = {ci["name"]: ci for ci in api.get("/api/v1/cis/", {"service": service.pk}).json()["results"]}
    assert cis["pay-api"]["depends_on"] == [db_ci.pk] and cis["pay-api"]["service"]["slug"] == "payments"
    assert api.get(f"/api/v1/cis/{db_ci.pk}/").json()["kind"] == "database"


def test_catalog_is_read_only_over_the_api(client_for, agent, service):
    assert client_for(agent).post("/api/v1/services/", {"name": "X", "slug": "x"}).status_code == 405
