"""The incident API as a script or tool uses it: token, create, lifecycle, timeline, errors."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core import roles
from incidents.models import Incident
from incidents.tests.factories import IncidentFactory, incident_in_state

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def detail(incident, suffix=""):
    return f"{URL}{incident.pk}/{suffix}"


@pytest.fixture
def api(client_for, agent):
    return client_for(agent)


def test_a_script_walks_an_incident_through_its_lifecycle(agent, service):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": "agent", "password": "opsdesk"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    created = client.post(URL, {"title": "Checkout 502", "service": service.pk, "impact": 1, "urgency": 2})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (
        body["number"].startswith("INC-") and body["priority"] == 2 and body["priority_display"] == "P2 high"
    )
    assert body["source"] == "api" and body["status"] == "new"
    assert body["allowed_transitions"] == ["acknowledge", "cancel"]
    pk = body["id"]

    for action, payload in [
        ("acknowledge", {}),
        ("start", {"note": "Looking at the load balancer."}),
        ("hold", {"note": "Waiting for the vendor.", "hold_reason": "awaiting_vendor"}),
        ("resume", {}),
        ("resolve", {"resolution_code": "fixed", "resolution_notes": "Replaced the certificate."}),
        ("close", {}),
    ]:
        response = client.post(f"{URL}{pk}/{action}/", payload)
        assert response.status_code == 200, (action, response.json())
    assert response.json()["status"] == "closed" and response.json()["allowed_transitions"] == []

    timeline = client.get(f"{URL}{pk}/timeline/").json()["results"]
    assert [(e["kind"], e["to_state"]) for e in timeline] == [
        ("created", "new"),
        ("transition", "acknowledged"),
        ("transition", "in_progress"),
        ("transition", "on_hold"),
        ("transition", "in_progress"),
        ("transition", "resolved"),
        ("transition", "closed"),
    ]
    assert (
        timeline[2]["note"] == "Looking at the load balancer." and timeline[1]["actor"]["username"] == "agent"
    )


def test_illegal_transition_is_409_naming_state_and_allowed(api, incident):
    response = api.post(detail(incident, "close/"), {})
    assert response.status_code == 409
    assert response.json() == {
        "status": 409,
        "code": "transition_not_allowed",
        "message": "Cannot close while the status is “New”. Allowed now: Acknowledge, Cancel incident.",
        "current_status": "new",
        "allowed_transitions": ["acknowledge", "cancel"],
    }


def test_resolve_needs_code_and_notes(api, agent):
    incident = incident_in_state("in_progress", reporter=agent)
    response = api.post(detail(incident, "resolve/"), {"resolution_code": "magic"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"resolution_code", "resolution_notes"}
    assert Incident.objects.get(pk=incident.pk).status == "in_progress"


def test_cancel_needs_a_reason(api, incident):
    response = api.post(detail(incident, "cancel/"), {})
    assert response.status_code == 400 and "note" in response.json()["fields"]
    assert (
        api.post(detail(incident, "cancel/"), {"note": "Duplicate of INC-1"}).json()["status"] == "cancelled"
    )


@pytest.mark.parametrize(
    ("payload", "bad_fields"),
    [
        ({}, {"title", "service"}),
        ({"title": "x", "service": 999999}, {"service"}),
        ({"title": "x", "service": "payments"}, {"service"}),
        (
            {"title": ["x"], "service": None, "impact": "high", "urgency": 9},
            {"title", "service", "impact", "urgency"},
        ),
        ({"title": "x" * 201, "service": 1}, {"title"}),
        ({"title": "x", "service": 1, "assignee": "nobody"}, {"assignee"}),
        ({"title": "x", "service": 1, "status": "closed", "priority": 1}, {"status", "priority"}),
        ({"title": "x", "service": 1, "source": "web"}, {"source"}),
    ],
)
def test_bad_input_gets_400_with_field_messages(api, service, payload, bad_fields):
    payload = {k: (service.pk if k == "service" and v == 1 else v) for k, v in payload.items()}
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    assert set(body["fields"]) == bad_fields
    assert Incident.objects.count() == 0


def test_malformed_json_is_a_400(api):
    response = api.generic("POST", URL, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_rule_violations_come_back_as_field_errors(api, service, viewer):
    from catalog.tests.factories import ConfigurationItemFactory

    response = api.post(URL, {"title": "x", "service": service.pk, "ci": ConfigurationItemFactory().pk})
    assert response.status_code == 400 and "ci" in response.json()["fields"]
    response = api.post(URL, {"title": "x", "service": service.pk, "assignee": viewer.username})
    assert response.status_code == 400 and "assignee" in response.json()["fields"]


def test_patch_edits_fields_and_reprioritises(api, incident, manager):
    response = api.patch(detail(incident), {"impact": 1, "urgency": 1, "assignee": "manager", "version": 1})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["priority_display"], body["assignee"]["username"], body["version"]) == (
        "P1 critical",
        "manager",
        2,
    )
    assert response["ETag"] == '"2"'
    fields = [
        e["field"]
        for e in api.get(detail(incident, "timeline/")).json()["results"]
        if e["kind"] == "field_change"
    ]
    assert sorted(fields) == ["assignee", "impact", "priority", "urgency"]


def test_patch_never_changes_the_status(api, incident):
    response = api.patch(detail(incident), {"status": "closed"})
    assert response.status_code == 400 and "status" in response.json()["fields"]
    assert Incident.objects.get(pk=incident.pk).status == "new"


def test_put_and_delete_are_not_offered(api, incident):
    assert api.put(detail(incident), {"title": "x"}).status_code == 405
    assert api.delete(detail(incident)).status_code == 405
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_stale_update_is_409_and_loses_nothing(api, incident):
    etag = api.get(detail(incident))["ETag"]
    assert api.patch(detail(incident), {"title": "First writer"}, HTTP_IF_MATCH=etag).status_code == 200
    response = api.patch(detail(incident), {"title": "Second writer"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["current_version"], body["current_status"]) == (
        "concurrent_modification",
        2,
        "new",
    )
    assert Incident.objects.get(pk=incident.pk).title == "First writer"
    assert api.post(detail(incident, "acknowledge/"), {"version": 1}).status_code == 409


def test_bad_if_match_is_a_400(api, incident):
    response = api.patch(detail(incident), {"title": "x"}, HTTP_IF_MATCH="yesterday")
    assert response.status_code == 400 and "If-Match" in response.json()["fields"]


@pytest.mark.django_db(transaction=True)
def test_two_people_acknowledging_at_once_only_one_wins(agent, manager, service):
    incident = IncidentFactory(reporter=agent, service=service)
    barrier = threading.Barrier(2)
    statuses = []

    def acknowledge(user):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        statuses.append(client.post(detail(incident, "acknowledge/"), {}).status_code)
        connection.close()

    threads = [threading.Thread(target=acknowledge, args=(user,)) for user in (agent, manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    transitions = api_timeline_kinds(incident)
    assert transitions.count("transition") == 1


def api_timeline_kinds(incident):
    from core.timeline import timeline_for

    return [e.kind for e in timeline_for(incident)]


def test_comments_public_and_internal(client_for, agent, viewer, incident):
    api = client_for(agent)
    assert api.post(detail(incident, "comments/"), {"body": "We are on it."}).status_code == 201
    note = api.post(detail(incident, "comments/"), {"body": "Pool exhausted", "visibility": "internal"})
    assert note.status_code == 201 and note.json()["visibility"] == "internal"
    assert [c["note"] for c in api.get(detail(incident, "comments/")).json()["results"]] == [
        "We are on it.",
        "Pool exhausted",
    ]
    as_viewer = client_for(viewer)
    assert [c["note"] for c in as_viewer.get(detail(incident, "comments/")).json()["results"]] == [
        "We are on it."
    ]
    assert as_viewer.post(detail(incident, "comments/"), {"body": "me too"}).status_code == 403
    assert api.post(detail(incident, "comments/"), {"body": ""}).json()["fields"]["body"]


def test_timeline_is_paginated(api, incident, agent):
    from incidents import services

    for n in range(5):
        services.incident_comment_add(incident=incident, actor=agent, body=f"update {n}")
    first = api.get(detail(incident, "timeline/"), {"page_size": 4}).json()
    second = api.get(first["next"]).json()
    assert [e["kind"] for e in first["results"]] == ["created", "comment", "comment", "comment"]
    assert [e["note"] for e in second["results"]] == ["update 3", "update 4"] and second["next"] is None


class TestList:
    @pytest.fixture
    def incidents(self, agent, manager, service):
        from catalog.tests.factories import ServiceFactory

        other = ServiceFactory(name="Mail", slug="mail")
        return {
            "p1_new": IncidentFactory(
                reporter=agent, service=service, impact=1, urgency=1, title="Payments down"
            ),
            "p4_mine": IncidentFactory(reporter=agent, service=other, impact=3, urgency=3, assignee=agent),
            "p3_closed": incident_in_state("closed", reporter=agent, service=service),
            "p3_manager": IncidentFactory(reporter=agent, service=other, assignee=manager),
        }

    def numbers(self, api, **params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return {item["number"] for item in response.json()["results"]}

    def test_filters(self, api, incidents, service, manager):
        num = {key: incident.number for key, incident in incidents.items()}
        assert self.numbers(api, priority=1) == {num["p1_new"]}
        assert self.numbers(api, status=["closed", "new"]) == {
            num["p1_new"],
            num["p4_mine"],
            num["p3_manager"],
        } | {num["p3_closed"]}
        assert self.numbers(api, service=service.pk) == {num["p1_new"], num["p3_closed"]}
        assert self.numbers(api, assignee=manager.pk) == {num["p3_manager"]}
        assert self.numbers(api, mine="true") == {num["p4_mine"]}
        assert self.numbers(api, unassigned="true") == {num["p1_new"], num["p3_closed"]}
        assert self.numbers(api, is_open="false") == {num["p3_closed"]}
        # Full text (incidents.search): "down" is a stop word; "payments" also finds the Payments service's.
        assert self.numbers(api, search="payments down") == {num["p1_new"], num["p3_closed"]}
        assert self.numbers(api, q=num["p4_mine"]) == {num["p4_mine"]}
        assert self.numbers(api, created_after="2999-01-01T00:00:00Z") == set()

    def test_ordering(self, api, incidents):
        ordered = [item["priority"] for item in api.get(URL, {"ordering": "priority"}).json()["results"]]
        assert ordered == sorted(ordered)

    @pytest.mark.parametrize(
        "params", [{"priority": 9}, {"status": "exploded"}, {"service": "abc"}, {"created_after": "monday"}]
    )
    def test_bad_filters_are_400(self, api, params):
        response = api.get(URL, params)
        assert response.status_code == 400 and set(response.json()["fields"]) == set(params)

    def test_bad_cursor_is_404_not_500(self, api):
        response = api.get(URL, {"cursor": "garbage"})
        assert response.status_code == 404 and response.json()["code"] == "not_found"

    def test_unknown_incident_is_404(self, api):
        assert api.get(f"{URL}999999/").json() == {
            "status": 404,
            "code": "not_found",
            "message": "Not found.",
        }
        assert api.post(f"{URL}999999/acknowledge/", {}).status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_rows(api, agent, service, rows, django_assert_num_queries):
    for _ in range(rows):
        IncidentFactory(reporter=agent, service=service, assignee=agent)
    # token + user + roles (1), the page (1), its service (1) and users (assignee and reporter: 1; one
    # query per related model the rows point to), their escalations (1) and their SLA clocks (1)
    with django_assert_num_queries(6):
        response = api.get(URL, {"page_size": 50})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (roles.AGENT, 200, 201),
        (roles.MANAGER, 200, 201),
        (roles.VIEWER, 200, 403),
        (roles.CHANGE_MANAGER, 200, 403),
        (roles.CAB_TECH_LEAD, 200, 403),
        (roles.CAB_PRODUCT_OWNER, 200, 403),
        (roles.CAB_OPS_MANAGER, 200, 403),
        (None, 403, 403),
    ],
)
def test_role_permissions(client_for, make_user, service, incident, role, read, write):
    api = client_for(make_user(*([role] if role else [])))
    assert api.get(URL).status_code == read
    assert api.get(detail(incident)).status_code == read
    assert api.post(URL, {"title": "x", "service": service.pk}).status_code == write
    expected_transition = 200 if write == 201 else 403
    assert api.post(detail(incident, "acknowledge/"), {}).status_code == expected_transition


def test_anonymous_gets_401_in_the_error_shape(incident):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated" and response["WWW-Authenticate"].startswith("Token")
    assert APIClient().post(detail(incident, "acknowledge/")).status_code == 401
