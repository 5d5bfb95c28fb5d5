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


@pytest.fixture
def https_server(transactional_db):
    """OpsDesk served over TLS from a thread (PagerDuty's client insists on https://), with a
    certificate from a throwaway CA (trustme); yields (base URL, an SSL context trusting it)."""
    import ssl
    import threading

    import trustme
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_port}", client_context
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
