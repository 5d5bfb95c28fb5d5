"""Fixtures of the alert ingestion tests: integrations, the real Alertmanager bodies, a sender."""

import json
from pathlib import Path

import pytest
from django.test import Client

from alerts import services
from alerts.models import Integration

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_body(name: str) -> dict:
    """A real Alertmanager webhook body (fixtures/FIXTURES.md): 01-two-firing, 02-..., 03-..."""
    (path,) = FIXTURES.glob(f"{name}*.json")
    return json.loads(path.read_text())


@pytest.fixture
def make_integration(manager, service):
    def make(**kwargs) -> Integration:
        fields = {"name": "Prometheus", "kind": Integration.Kind.ALERTMANAGER, "service": service, **kwargs}
        return services.integration_create(actor=manager, **fields)

    return make


@pytest.fixture
def alertmanager(make_integration) -> Integration:
    return make_integration()


@pytest.fixture
def events_v2(make_integration) -> Integration:
    return make_integration(name="Uptime checks", kind=Integration.Kind.EVENTS_V2)


@pytest.fixture
def inline(settings):
    """Process accepted events in the request (after commit), as a worker would right after."""
    settings.ALERTS_PROCESS_INLINE = True


@pytest.fixture
def sender():
    """A monitoring tool: no session, and CSRF checks on as for any browser-less client."""
    return Client(enforce_csrf_checks=True)


def post_json(client: Client, url: str, body, **extra):
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(url, data=raw, content_type="application/json", **extra)
