"""Fixtures shared by every test: one user per role, API clients, factories."""

import importlib

import pytest
from rest_framework.test import APIClient

from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory
from core import roles
from core.tests.factories import UserFactory
from incidents.tests.factories import IncidentFactory

REFERENCE_DATA = (
    "core.migrations.0002_roles.create_roles",
    "sla.migrations.0002_defaults.load_defaults",
    "changes.migrations.0002_default_approval_policies.forwards",
    "changes.migrations.0006_chgcab_approval_clock.load_approval_clock",  # after the office-hours calendar
)


@pytest.fixture(autouse=True)
def reference_data(request):
    """The data migrations load (role groups, default SLA and escalation policies, default approval
    policies and the change approval clock) is part of the product, but a transactional test ends by
    flushing every table. Put it back for each database test that finds it missing (one cheap query
    otherwise)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps
    from django.contrib.auth.models import Group

    if Group.objects.filter(name__in=roles.ALL_ROLES).count() == len(roles.ALL_ROLES):
        return
    for dotted in REFERENCE_DATA:
        module, function = dotted.rsplit(".", 1)
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def shared_counters():
    """Failed logins and API throttles count in Redis, which outlives a test (and a run): each test
    starts with none counted."""
    from core.tests.shared_cache import clear_shared_cache

    clear_shared_cache()


@pytest.fixture
def migrator(transactional_db):
    """`migrator(targets)` moves the test database to older migrations and returns their models; the
    database is back at the latest migrations afterwards. The audit's triggers follow today's models,
    so they are lifted while the schema is older."""
    import pgtrigger
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    pgtrigger.uninstall()
    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    pgtrigger.install()


@pytest.fixture
def make_user(db):
    def make(*role_names: str, **kwargs):
        return UserFactory(roles=list(role_names), **kwargs)

    return make


@pytest.fixture
def agent(make_user):
    return make_user(roles.AGENT, username="agent")


@pytest.fixture
def manager(make_user):
    return make_user(roles.MANAGER, username="manager")


@pytest.fixture
def viewer(make_user):
    return make_user(roles.VIEWER, username="viewer")


@pytest.fixture
def service(db):
    return ServiceFactory(name="Payments", slug="payments")


@pytest.fixture
def ci(service):
    return ConfigurationItemFactory(name="pay-db-1", service=service)


@pytest.fixture
def incident_factory(db):
    return IncidentFactory


@pytest.fixture
def incident(agent, service):
    return IncidentFactory(reporter=agent, service=service, title="Checkout returns 502")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(db):
    """A new API client authenticated as `user` with a real token."""
    from rest_framework.authtoken.models import Token

    def login(user):
        token, _ = Token.objects.get_or_create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return login
