"""The API's contract with tools: authentication, one error shape, a truthful OpenAPI document."""

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
