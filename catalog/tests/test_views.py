"""The CI page /cis/<id>/: service, dependencies, dependents and impact, for anyone with a role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Criticality
from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph_cis():
    infra = ServiceFactory(name="Infra", criticality=Criticality.LOW)
    shop = ServiceFactory(name="Shop", criticality=Criticality.CRITICAL)
    switch = ConfigurationItemFactory(name="switch", service=infra, kind="network")
    db = ConfigurationItemFactory(name="shop-db", service=shop, kind="database")
    api = ConfigurationItemFactory(name="shop-api", service=shop, kind="application")
    db.depends_on.add(switch)
    api.depends_on.add(db)
    return switch, db, api


@pytest.fixture
def browser(client, viewer):
    client.force_login(viewer)
    return client


def test_page_shows_service_dependencies_dependents_and_impact(browser, graph_cis):
    switch, db, api = graph_cis
    page = browser.get(f"/cis/{db.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Service <strong>Shop</strong> (Critical)" in html
    depends_on = html.split('id="depends-on"')[1].split("</ul>")[0]
    dependents = html.split('id="dependents"')[1].split("</ul>")[0]
    assert "switch" in depends_on and "shop-api" not in depends_on
    assert "shop-api" in dependents and "switch" not in dependents
    impact = html.split('id="impact-cis"')[1].split("</table>")[0]
    assert f'href="/cis/{api.pk}/">shop-api</a>' in impact and "switch" not in impact
    assert f'href="/cis/{db.pk}/">shop-db</a>' in impact  # reached through shop-db


def test_a_ci_nothing_depends_on(browser, graph_cis):
    html = browser.get(f"/cis/{graph_cis[2].pk}/").content.decode()
    assert "Nothing depends on shop-api" in html


def test_unknown_ci_is_404_and_signed_out_goes_to_login(client, browser, graph_cis):
    assert browser.get("/cis/999999/").status_code == 404
    client.logout()
    response = client.get(f"/cis/{graph_cis[0].pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_query_count_does_not_grow_with_neighbours_or_impact(browser, graph_cis):
    switch, db, api = graph_cis

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(f"/cis/{db.pk}/").status_code == 200
        return len(captured)

    few = queries()
    service = ServiceFactory()
    for n in range(20):
        other = ConfigurationItemFactory(name=f"app-{n}", service=service)
        other.depends_on.add(db, api)
        db.depends_on.add(ConfigurationItemFactory(name=f"disk-{n}", service=service))
    assert queries() == few
