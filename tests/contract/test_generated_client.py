"""The OpenAPI document is a contract a generator can keep: a client generated from the live
`/api/schema/` by openapi-python-client (pinned in the test extra) imports and, unedited, walks
incidents through their whole lifecycle against a live server; every response it gets is checked
against the schema (documented status, body conforming, by schemathesis)."""

import importlib
import json
import pkgutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import schemathesis
from rest_framework.authtoken.models import Token

from catalog.tests.factories import ServiceFactory
from core import roles
from core.tests.factories import UserFactory

PACKAGE = "opsdesk_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
CONFIG = "package_name_override: opsdesk_client\npost_hooks: []\n"  # no formatter run: nothing to install

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(db):
    return {
        "agent": UserFactory(roles=[roles.AGENT], username="contract-agent"),
        "manager": UserFactory(roles=[roles.MANAGER], username="contract-manager"),
    }


@pytest.fixture
def live_schema(live_server, people) -> dict:
    token, _ = Token.objects.get_or_create(user=people["agent"])
    response = httpx.get(
        f"{live_server.url}/api/schema/",
        params={"format": "json"},
        headers={"Authorization": f"Token {token.key}"},
        timeout=60,  # drf-spectacular builds it on the first request: seconds on a busy machine
    )
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def generated(live_schema, tmp_path):
    """The generated package, imported module by module (a module that fails to import fails here)."""
    (tmp_path / "schema.json").write_text(json.dumps(live_schema))
    (tmp_path / "config.yaml").write_text(CONFIG)
    done = subprocess.run(
        [
            str(GENERATOR), "generate", "--path", str(tmp_path / "schema.json"), "--meta", "none",
            "--output-path", str(tmp_path / "out" / PACKAGE), "--config", str(tmp_path / "config.yaml"),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        package = importlib.import_module(PACKAGE)
        failed = {}
        for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
            try:
                importlib.import_module(module.name)
            except Exception as exc:
                failed[module.name] = repr(exc)
        assert failed == {}
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(tmp_path / "out"))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


class ResponseChecker:
    """An httpx response hook: each response must have a documented status and conform to the schema."""

    def __init__(self, schema: dict):
        self.schema = schemathesis.openapi.from_dict(schema)
        self.seen: list[tuple[str, str, int]] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        method, path = response.request.method, response.request.url.path
        operation = self.schema.find_operation_by_path(method, path)
        assert operation is not None, f"{method} {path} is not in the schema"
        documented = operation.definition.raw["responses"]
        assert str(response.status_code) in documented, (
            f"{method} {path}: undocumented {response.status_code}"
        )
        operation.validate_response(response)
        self.seen.append((method, operation.path, response.status_code))


def test_a_generated_client_walks_incidents_through_their_lifecycle(
    live_server, live_schema, generated, people
):
    client_module, models = generated("client"), generated("models")
    incidents = generated("api.incidents")
    token_create = generated("api.auth.auth_token_create")
    checker = ResponseChecker(live_schema)
    hooks = {"event_hooks": {"response": [checker]}}
    service = ServiceFactory(name="Payments", slug="payments")

    # Token, with the JSON body the schema declares.
    anonymous = client_module.Client(base_url=live_server.url, timeout=httpx.Timeout(30), httpx_args=hooks)
    token = token_create.sync(
        client=anonymous, body=models.TokenRequest(username="contract-agent", password="opsdesk")
    )
    assert isinstance(token, models.Token) and len(token.token) == 40
    api = client_module.AuthenticatedClient(
        base_url=live_server.url,
        token=token.token,
        prefix="Token",
        timeout=httpx.Timeout(30),
        httpx_args=hooks,
    )
    step = _Walk(api, incidents, models)

    # Create three; the new one is unresolved (resolution_code null), its clocks in ISO 8601.
    created = [
        step.expect(
            201,
            "create",
            body=models.IncidentCreateRequest(
                title=f"Checkout returns 502 ({n})", service=service.pk, impact=models.LevelEnum(1)
            ),
        )
        for n in range(3)
    ]
    first = created[0]
    assert first.status == models.IncidentStatusEnum.NEW and first.resolution_code is None
    assert first.sla and all(clock.target_duration.startswith("P") for clock in first.sla)

    # The list, two at a time, following the cursor of `next`: every incident once.
    listed, cursor = [], None
    while True:
        page = step.expect(
            200, "list", page_size=2, ordering=models.IncidentsListOrdering.ID, **_cursor(cursor)
        )
        listed += [incident.id for incident in page.results]
        if not page.next_:
            break
        cursor = page.next_
    assert listed == sorted(incident.id for incident in created)

    # Every transition, with the version read (body) or the ETag (If-Match).
    incident = step.expect(200, "retrieve", id=first.id)
    incident = step.transition("acknowledge", incident, models.TransitionRequest(note="On it."))
    incident = step.transition("start", incident, models.TransitionRequest(version=incident.version))
    resume_at = datetime.now(UTC) + timedelta(days=2)
    hold = models.HoldRequest(
        hold_reason=models.HoldReasonEnum.AWAITING_VENDOR, note="Waiting on the vendor.", resume_at=resume_at
    )
    incident = step.transition("hold", incident, hold)
    assert incident.hold_reason == models.HoldReasonEnum.AWAITING_VENDOR and incident.resume_at == resume_at
    incident = step.transition("resume", incident, models.TransitionRequest())
    resolve = models.ResolveRequest(
        resolution_code=models.ResolutionCodeEnum.FIXED, resolution_notes="Restarted the pool."
    )
    incident = step.transition("resolve", incident, resolve)
    assert incident.resolution_code == models.ResolutionCodeEnum.FIXED
    incident = step.transition("reopen", incident, models.NoteRequiredTransitionRequest(note="Back again."))
    incident = step.transition("resolve", incident, resolve)
    incident = step.transition("close", incident, models.TransitionRequest())
    assert incident.status == models.IncidentStatusEnum.CLOSED
    cancelled = step.transition(
        "cancel", created[1], models.NoteRequiredTransitionRequest(note="Duplicate of the first.")
    )
    assert cancelled.status == models.IncidentStatusEnum.CANCELLED

    # A 409 parsed into the error model: the current status and what is allowed from it.
    conflict = step.expect(409, "acknowledge", id=incident.id, body=models.TransitionRequest())
    assert isinstance(conflict, models.Error) and conflict.current_status == "closed"
    assert conflict.allowed_transitions == []
    stale = step.expect(409, "start", id=created[2].id, body=models.TransitionRequest(version=99))
    assert stale.code == "concurrent_modification" and stale.current_version == 1

    # A 400 parsed into the error model, with field-level messages.
    invalid = step.expect(400, "create", body=models.IncidentCreateRequest(title=" ", service=service.pk))
    assert isinstance(invalid, models.Error) and list(invalid.fields.additional_properties) == ["title"]

    # Comment on an open one (a closed incident takes none: 409), then read the comments and a timeline.
    comment = step.expect(
        201, "comments_create", id=created[2].id, body=models.CommentCreateRequest(body="Root cause: a leak.")
    )
    assert comment.kind == models.TimelineEntryKindEnum.COMMENT
    comments = step.expect(200, "comments_list", id=created[2].id)
    assert [entry.note for entry in comments.results] == ["Root cause: a leak."]
    timeline = step.expect(200, "timeline_list", id=incident.id, page_size=50)
    moves = [(entry.from_state, entry.to_state) for entry in timeline.results if entry.kind == "transition"]
    assert moves[0] == ("new", "acknowledged") and moves[-1] == ("resolved", "closed")

    # Watchers: watch it yourself, add a colleague by id, read them, take the colleague off again.
    me = step.expect(201, "watchers_create", id=created[2].id, body=models.WatcherAddRequest())
    assert me.username == "contract-agent"
    manager = people["manager"]
    added = step.expect(
        201, "watchers_create", id=created[2].id, body=models.WatcherAddRequest(user=manager.pk)
    )
    assert added.id == manager.pk
    watchers = step.expect(200, "watchers_list", id=created[2].id)
    assert [watcher.username for watcher in watchers.results] == ["contract-agent", "contract-manager"]
    step.expect(204, "watchers_destroy", id=created[2].id, user_id=manager.pk)
    assert [w.username for w in step.expect(200, "watchers_list", id=created[2].id).results] == [
        "contract-agent"
    ]

    assert len(checker.seen) == step.calls + 1  # every answer was checked, the token's too


def test_every_list_answers_what_the_schema_says(live_server, live_schema, people):
    """The lists a manager reads (reference data: SLA, escalation and approval policies, event types)."""
    token, _ = Token.objects.get_or_create(user=people["manager"])
    checker = ResponseChecker(live_schema)
    lists = [
        path
        for path, operations in live_schema["paths"].items()
        if "{" not in path and "get" in operations and path.startswith("/api/v1/")
    ]
    with httpx.Client(
        base_url=live_server.url,
        headers={"Authorization": f"Token {token.key}"},
        event_hooks={"response": [checker]},
        timeout=30,
    ) as client:
        for path in lists:
            assert client.get(path).status_code == 200, path
    assert len(checker.seen) == len(lists) >= 10


def _cursor(next_url: str | None) -> dict:
    return {"cursor": parse_qs(urlsplit(next_url).query)["cursor"][0]} if next_url else {}


class _Walk:
    """Calls `incidents_<operation>` of the generated client and checks the status it got."""

    def __init__(self, api, incidents, models):
        self.api, self.incidents, self.models = api, incidents, models
        self.calls = 0

    def expect(self, status: int, operation: str, **kwargs):
        module = importlib.import_module(f"{self.incidents.__name__}.incidents_{operation}")
        response = module.sync_detailed(client=self.api, **kwargs)
        self.calls += 1
        assert response.status_code == status, response.content[:500]
        if operation in ("create", "retrieve") and status < 300:
            assert response.headers["ETag"] == f'"{response.parsed.version}"'
        return response.parsed

    def transition(self, name: str, incident, body):
        """Sends the version read as If-Match unless the body has one; the ETag answers the new one."""
        kwargs = {"id": incident.id, "body": body}
        if "version" not in body.to_dict():
            kwargs["if_match"] = f'"{incident.version}"'
        module = importlib.import_module(f"{self.incidents.__name__}.incidents_{name}")
        response = module.sync_detailed(client=self.api, **kwargs)
        self.calls += 1
        assert response.status_code == 200, response.content[:500]
        assert response.headers["ETag"] == f'"{incident.version + 1}"' == f'"{response.parsed.version}"'
        return response.parsed
