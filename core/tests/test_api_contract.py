"""The API's contract with tools: authentication, one error shape, a truthful OpenAPI document."""

import re

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_token_for_valid_credentials(agent):
    response = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": "opsdesk"})
    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_wrong_password_is_a_400_in_the_error_shape(agent):
    response = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": "nope"})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["fields"]["non_field_errors"]) == (
        "invalid",
        ["Unable to log in with provided credentials."],
    )


def test_token_endpoint_is_rate_limited(agent):
    """Per client address, right passwords included (wrong ones lock sooner: test_login_throttle.py)."""
    client = APIClient()
    codes = [
        client.post("/api/v1/auth/token/", {"username": "agent", "password": "opsdesk"}).status_code
        for _ in range(61)
    ]
    assert codes[:60] == [200] * 60
    assert codes[60] == 429


def test_method_not_allowed_and_unsupported_media_use_the_shape(client_for, agent):
    api = client_for(agent)
    response = api.delete("/api/v1/services/")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    response = api.generic("POST", "/api/v1/incidents/", "title=x", content_type="text/plain")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


@pytest.fixture
def schema(client_for, agent):
    response = client_for(agent).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_documents_every_api_route(schema):
    documented = set(schema["paths"])
    expected = {
        "/api/v1/auth/token/",
        "/api/v1/event-types/",
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/",
        "/api/v1/incidents/{id}/comments/",
        "/api/v1/incidents/{id}/timeline/",
        "/api/v1/incidents/{id}/watchers/",
        "/api/v1/incidents/{id}/watchers/{user_id}/",
        "/api/v1/services/",
        "/api/v1/services/{id}/",
        "/api/v1/cis/",
        "/api/v1/cis/{id}/",
        "/api/v1/sla-policies/",
        "/api/v1/sla-policies/{id}/",
        "/api/v1/escalation-policies/",
        "/api/v1/escalation-policies/{id}/",
        "/api/v1/notifications/",
        "/api/v1/notifications/mark-read/",
        "/api/v1/webhook-subscriptions/",
        "/api/v1/webhook-subscriptions/{id}/",
        "/api/v1/metrics/sla/",
        "/api/v1/audit/",
        # changes: suspected cause (changes/api/suspects.py)
        "/api/v1/changes/{id}/suspected-incidents/",
        "/api/v1/incidents/{id}/suspected-changes/",
        "/api/v1/suspected-causes/{id}/",
        "/api/v1/suspected-causes/{id}/confirm/",
        "/api/v1/suspected-causes/{id}/dismiss/",
        "/api/v1/metrics/changes/",
        "/api/v1/integrations/",
        "/api/v1/cis/{id}/impact/",
        "/api/v1/integrations/{id}/",
        "/api/v1/integrations/{key}/alertmanager/",
        "/api/v1/freeze-windows/",
        "/api/v1/freeze-windows/{id}/",
        "/api/v1/changes/{id}/schedule/",
        "/api/v1/changes/{id}/conflicts/",
        # CAB approval (changes/api/approvals.py, approval_policies.py)
        "/api/v1/changes/{id}/approve/",
        "/api/v1/changes/{id}/reject/",
        "/api/v1/changes/{id}/approvals/",
        "/api/v1/approval-policies/",
        "/api/v1/approval-policies/{id}/",
    } | {
        f"/api/v1/incidents/{{id}}/{action}/"
        for action in (
            "acknowledge",
            "start",
            "hold",
            "resume",
            "resolve",
            "close",
            "reopen",
            "cancel",
            "escalate",
        )
    }
    expected |= (
        {
            "/api/v1/changes/",
            "/api/v1/changes/{id}/",
            "/api/v1/changes/{id}/timeline/",
            "/api/v1/changes/{change_id}/tasks/",
            "/api/v1/changes/{change_id}/tasks/reorder/",
            "/api/v1/changes/{change_id}/tasks/{id}/",
            "/api/v1/change-templates/",
            "/api/v1/change-templates/{id}/",
        }
        | {
            f"/api/v1/changes/{{id}}/{action}/"
            for action in ("submit", "assess", "start", "complete", "review", "close", "cancel", "revise")
        }
        | {
            f"/api/v1/changes/{{change_id}}/tasks/{{id}}/{step}/"
            for step in ("start", "finish", "fail", "skip")
        }
    )
    assert expected <= documented
    assert not {path for path in documented if path.startswith("/api/v1/")} - expected


def test_schema_documents_errors(schema):
    ack = schema["paths"]["/api/v1/incidents/{id}/acknowledge/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "429"} <= set(ack)
    assert ack["409"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    patch = schema["paths"]["/api/v1/incidents/{id}/"]["patch"]
    assert "409" in patch["responses"] and "status" not in str(
        schema["components"]["schemas"]["PatchedIncidentUpdateRequest"]["properties"]
    )


def test_request_bodies_are_json_only(schema):
    bodies = {
        (path, method): tuple(operation["requestBody"]["content"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert bodies and set(bodies.values()) == {("application/json",)}


def test_each_transition_declares_only_what_it_takes(schema):
    components = schema["components"]["schemas"]

    def fields(path: str) -> set[str]:
        body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return set(components[body["$ref"].rsplit("/", 1)[1]]["properties"])

    assert fields("/api/v1/incidents/{id}/acknowledge/") == {"note", "version"}
    assert fields("/api/v1/incidents/{id}/resolve/") == {
        "note",
        "version",
        "resolution_code",
        "resolution_notes",
    }
    assert fields("/api/v1/changes/{id}/cancel/") >= {"note"} and "title" not in fields(
        "/api/v1/changes/{id}/cancel/"
    )


def test_operation_ids_and_component_names_are_plain(schema):
    ids = {
        op["operationId"] for ops in schema["paths"].values() for op in ops.values() if "operationId" in op
    }
    assert {
        "incidents_list",
        "incidents_create",
        "incidents_acknowledge",
        "changes_submit",
        "auth_token_create",
    } <= ids
    assert not [name for name in ids if name.startswith("api_v1_")]
    assert not [name for name in schema["components"]["schemas"] if name.endswith("RequestRequest")]


def test_versioned_records_declare_etag_and_if_match(schema):
    resolve = schema["paths"]["/api/v1/incidents/{id}/resolve/"]["post"]
    assert "If-Match" in {p["name"] for p in resolve["parameters"] if p["in"] == "header"}
    assert "ETag" in resolve["responses"]["200"]["headers"]
    assert "ETag" in schema["paths"]["/api/v1/incidents/{id}/"]["get"]["responses"]["200"]["headers"]


def test_unset_choices_and_durations_are_declared(schema):
    incident = schema["components"]["schemas"]["Incident"]["properties"]
    assert incident["resolution_code"]["nullable"] is True
    clock = schema["components"]["schemas"]["SlaClock"]["properties"]
    assert clock["target_duration"]["format"] == clock["remaining"]["format"] == "duration"


def test_an_open_incident_has_no_resolution_code_and_iso_durations(client_for, agent, incident):
    body = client_for(agent).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["resolution_code"] is None
    iso = re.compile(r"-?P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
    assert body["sla"] and all(iso.fullmatch(clock["target_duration"]) for clock in body["sla"])
    assert all(iso.fullmatch(clock["remaining"]) for clock in body["sla"] if clock["remaining"])


def test_people_and_teams_by_id_or_name(client_for, agent, service):
    from django.contrib.auth.models import Group

    team = Group.objects.create(name="Database team")
    api = client_for(agent)
    by_id = api.post(
        "/api/v1/incidents/",
        {"title": "Slow queries", "service": service.pk, "assignee": agent.pk, "assignment_group": team.pk},
    )
    assert by_id.status_code == 201, by_id.content
    assert (by_id.json()["assignee"]["id"], by_id.json()["assignment_group"]["id"]) == (agent.pk, team.pk)
    by_name = api.post(
        "/api/v1/incidents/",
        {
            "title": "Slow queries",
            "service": service.pk,
            "assignee": "agent",
            "assignment_group": "Database team",
        },
    )
    assert by_name.status_code == 201 and by_name.json()["assignee"]["id"] == agent.pk
    unknown = api.post("/api/v1/incidents/", {"title": "x", "service": service.pk, "assignee": 999999})
    assert unknown.status_code == 400 and list(unknown.json()["fields"]) == ["assignee"]


def test_nested_and_list_errors_are_dotted_names(client_for, manager, agent):
    marked = client_for(agent).post("/api/v1/notifications/mark-read/", {"ids": [1, "x"]})
    assert marked.status_code == 400 and list(marked.json()["fields"]) == ["ids.1"]
    policy = client_for(manager).post(
        "/api/v1/sla-policies/",
        {
            "name": "Gold",
            "priority": 1,
            "targets": [{"name": "response", "duration": "PT15M"}, {"name": "x"}],
        },
    )
    assert policy.status_code == 400 and set(policy.json()["fields"]) == {"targets.1.duration"}


def test_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert (
        client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    )


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
