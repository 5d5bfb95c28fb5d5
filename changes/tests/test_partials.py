"""The detail page's scheduling partials: conflicts (with acknowledgements and freeze windows) and
impact, rendered from the change alone (template tags read what they need)."""

import pytest
from django.template.loader import render_to_string

from catalog.models import Criticality
from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory
from changes.cmdb import change_impact
from changes.freeze import freeze_window_create
from changes.scheduling import change_schedule

from .scheduling_helpers import at, make_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def cmdb(db):
    payments = ServiceFactory(name="Payments", slug="payments", criticality=Criticality.CRITICAL)
    shop = ServiceFactory(name="Shop", slug="shop", criticality=Criticality.MEDIUM)
    database = ConfigurationItemFactory(name="pay-db", service=payments)
    api = ConfigurationItemFactory(name="shop-api", service=shop)
    api.depends_on.add(database)
    return database, api


def test_conflicts_partial_lists_each_conflict_and_its_acknowledgement(agent, manager, cmdb):
    database, api = cmdb
    mine = make_change(requester=agent, cis=[database])
    theirs = make_change(requester=agent, cis=[api], title="Deploy shop API")
    html = render_to_string("changes/_conflicts.html", {"change": mine})
    assert theirs.number in html and "Deploy shop API" in html and "shop-api" in html
    assert "Not acknowledged" in html and "1 to acknowledge" in html

    ack = {"change": theirs.pk, "kind": "dependency", "note": "API deploy is read-only"}
    scheduled = change_schedule(change=mine, actor=agent, acknowledge=[ack])
    html = render_to_string("changes/_conflicts.html", {"change": scheduled})
    assert "Acknowledged" in html and "API deploy is read-only" in html and "to acknowledge" not in html


def test_conflicts_partial_without_window_or_conflicts(agent, manager):
    change = make_change(requester=agent, approved=False)
    type(change).objects.filter(pk=change.pk).update(planned_start=None, planned_end=None)
    change.refresh_from_db()
    assert "No planned window yet" in render_to_string("changes/_conflicts.html", {"change": change})
    lonely = make_change(requester=agent, start=at(4))
    freeze_window_create(actor=manager, name="Audit week", starts_at=at(4, 0), ends_at=at(5, 0))
    html = render_to_string("changes/_conflicts.html", {"change": lonely})
    assert "No other change collides" in html and "Audit week" in html and "cannot be scheduled here" in html


def test_impact_lists_dependent_cis_and_services(agent, cmdb):
    database, api = cmdb
    change = make_change(requester=agent, cis=[database], approved=False)
    impact = change_impact(change)
    assert [ci.name for ci in impact.cis] == ["shop-api"]
    assert [s.name for s in impact.services] == ["Payments", "Shop"]  # most critical first
    html = render_to_string("changes/_impact.html", {"change": change})
    assert "shop-api" in html and "Payments" in html and "Critical" in html


def test_impact_of_a_change_without_cis(agent):
    change = make_change(requester=agent, approved=False)
    assert change_impact(change).empty
    assert "names no configuration item" in render_to_string("changes/_impact.html", {"change": change})
