"""Fixtures for the notifications tests: a real HTTP webhook receiver on 127.0.0.1."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .factories import NotificationFactory, WebhookSubscriptionFactory


class WebhookReceiver:
    """Records every POST; answers with the queued status codes, then with `default_status`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.default_status = 200
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                # self.headers is case-insensitive, as HTTP header names are (urllib sends "X-opsdesk-event").
                receiver.requests.append({"path": self.path, "headers": self.headers, "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else receiver.default_status
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the sender timed out
                    self.wfile.write(b"received" if status < 400 else b"receiver says no")

            def log_message(self, format, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/opsdesk"

    def json_bodies(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def subscription_factory(db):
    return WebhookSubscriptionFactory


@pytest.fixture
def notification_factory(db):
    return NotificationFactory


@pytest.fixture
def scripted_mail(settings):
    """Email through tests/email_backends.ScriptedBackend (locmem that counts and fails on demand)."""
    from .email_backends import ScriptedBackend

    settings.EMAIL_BACKEND = "notifications.tests.email_backends.ScriptedBackend"
    ScriptedBackend.reset()
    yield ScriptedBackend
    ScriptedBackend.reset()


@pytest.fixture(autouse=True)
def unhurried_delivery_tasks(settings):
    """A sweep run's time budget (default 3 s) is wall-clock time: on a loaded machine a batch of a
    hundred local webhooks could outlast it and hand messages back, making exact counts flaky. The
    tests of the budget set it themselves."""
    settings.NOTIFICATIONS_TASK_BUDGET_SECONDS = 60
