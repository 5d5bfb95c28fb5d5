"""Every response under /api/ is JSON in the one error shape, whatever goes wrong and wherever Django
notices it: no route, a malformed id, an oversized body, too many fields, a crash, a date PostgreSQL
cannot store."""

import json

import pytest
from django.test import Client, override_settings

from changes.tests.factories import change_create
from incidents.api.views import IncidentViewSet

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "2020-01-01T00:00:00-23:00"


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status and body["message"]
    if code:
        assert body["code"] == code
    return body


@pytest.mark.parametrize(
    "path",
    ["/api/v1/incidents/0.5/", "/api/v1/incidents/abc/", "/api/v1/nothing-here/", "/api/v1/incidents/1/x/"],
)
def test_unknown_and_malformed_paths_under_api_are_json_404s(client_for, agent, path):
    assert_error_shape(client_for(agent).get(path), 404, "not_found")


def test_anonymous_unknown_api_path_is_a_json_404():
    assert_error_shape(Client().get("/api/v1/incidents/0.5/"), 404, "not_found")


def test_outside_the_api_a_404_is_still_the_html_page(agent):
    client = Client()
    client.force_login(agent)
    response = client.get("/incidents/0.5/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_is_a_json_400(client_for, agent, service):
    body = json.dumps({"title": "x" * 2000, "service": service.pk})
    response = client_for(agent).generic("POST", "/api/v1/incidents/", body, content_type="application/json")
    assert_error_shape(response, 400, "request_too_large")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_outside_a_route_is_a_json_400_too(agent):
    client = Client()
    client.force_login(agent)
    response = client.generic("POST", "/api/v1/nothing-here/", "x" * 2000, content_type="application/json")
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("application/json")


def test_too_many_query_fields_is_a_json_400(client_for, agent):
    fields = "&".join(f"f{number}=1" for number in range(1100))
    response = client_for(agent).get(f"/api/v1/incidents/?{fields}")
    assert_error_shape(response, 400, "too_many_fields")


def test_a_form_body_is_refused_in_the_error_shape(client_for, agent):
    """Request bodies are JSON, as the schema says: a form gets 415, not a half-parsed body."""
    response = client_for(agent).generic(
        "POST", "/api/v1/incidents/", "title=x&service=1", content_type="application/x-www-form-urlencoded"
    )
    assert_error_shape(response, 415, "unsupported_media_type")


def test_a_crash_under_api_is_a_json_500(agent, monkeypatch):
    def crash(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(IncidentViewSet, "get_queryset", crash)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    body = assert_error_shape(client.get("/api/v1/incidents/"), 500, "server_error")
    assert "a bug" not in body["message"]  # nothing internal leaks


@pytest.mark.parametrize("name", ["created_after", "created_before"])
def test_incident_date_filters_refuse_an_offset_postgresql_cannot_store(client_for, agent, name):
    body = assert_error_shape(
        client_for(agent).get("/api/v1/incidents/", {name: OUT_OF_RANGE}), 400, "invalid"
    )
    assert body["fields"][name] == ["The UTC offset must be between -14:00 and +14:00."]


def test_incident_date_filters_compare_instants_across_offsets(client_for, agent, incident):
    """13:30+05:30 is 08:00 UTC: an incident created after it is found whatever offset the client uses."""
    api = client_for(agent)
    created = incident.created_at
    before = created.astimezone().replace(microsecond=0).isoformat()
    response = api.get("/api/v1/incidents/", {"created_after": "2000-01-01T13:30:00+05:30"})
    assert [row["id"] for row in response.json()["results"]] == [incident.pk]
    response = api.get("/api/v1/incidents/", {"created_before": before})
    assert response.status_code == 200
    response = api.get("/api/v1/incidents/", {"created_after": "2999-01-01T00:00:00+14:00"})
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize("name", ["since", "until"])
def test_audit_date_filters_refuse_an_out_of_range_offset(client_for, manager, name):
    body = assert_error_shape(client_for(manager).get("/api/v1/audit/", {name: OUT_OF_RANGE}), 400, "invalid")
    assert name in body["fields"]


@pytest.mark.parametrize("name", ["from", "to"])
def test_freeze_window_date_filters_refuse_an_out_of_range_offset(client_for, agent, name):
    body = assert_error_shape(
        client_for(agent).get("/api/v1/freeze-windows/", {name: OUT_OF_RANGE}), 400, "invalid"
    )
    assert name in body["fields"]


def test_change_conflict_window_refuses_an_out_of_range_offset(client_for, agent):
    change = change_create(actor=agent, title="Patch the database")
    response = client_for(agent).get(
        f"/api/v1/changes/{change.pk}/conflicts/", {"start": OUT_OF_RANGE, "end": "2020-01-02T00:00:00Z"}
    )
    body = assert_error_shape(response, 400, "invalid")
    assert "start" in body["fields"]


@pytest.mark.parametrize("path", ["/api/v1/metrics/sla/", "/api/v1/metrics/changes/"])
def test_report_periods_at_the_end_of_the_calendar_are_not_500s(client_for, manager, path):
    response = client_for(manager).get(path, {"from": "9999-12-31", "to": "9999-12-31"})
    body = assert_error_shape(response, 400, "invalid")
    assert body["fields"]["to"] == ["Enter a date before 9999-12-31."]
