import pytest

from catalog.models import Criticality
from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory
from changes.tests.approval_factories import cab_member
from changes.tests.factories import standard_template
from core import roles


@pytest.fixture
def requester(make_user):
    return make_user(roles.AGENT, username="requester")


@pytest.fixture
def chgmgr(make_user):
    return make_user(roles.CHANGE_MANAGER, username="chgmgr")


@pytest.fixture
def board():
    """One CAB member per CAB role, named after the role."""
    return {role: cab_member(role, username=role) for role in roles.CAB_ROLES}


@pytest.fixture
def template(db):
    return standard_template()


@pytest.fixture
def low_service(db):
    return ServiceFactory(name="Team wiki", slug="team-wiki", criticality=Criticality.LOW)


@pytest.fixture
def critical_ci(db):
    service = ServiceFactory(name="Payments", slug="payments", criticality=Criticality.CRITICAL)
    return ConfigurationItemFactory(name="pay-db-1", service=service)
