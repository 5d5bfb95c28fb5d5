"""/api/v1/integrations/: managers configure integrations; nobody else reads their keys."""

import pytest

from alerts.models import Integration
from alerts.tests.conftest import fixture_body
from alerts.tests.test_processing import deliver
from audit.selectors import audit_record_list

pytestmark = pytest.mark.django_db

URL = "/api/v1/integrations/"


def test_manager_creates_reads_updates_and_deletes(client_for, manager, service):
    api = client_for(manager)
    created = api.post(
        URL,
        {
            "name": "Prometheus",
            "kind": "alertmanager",
            "service": service.slug,
            "severity_map": {"page": [1, 1]},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["url"] == f"http://testserver/api/v1/integrations/{body['key']}/alertmanager/"
    assert body["grouping"] == "group_key" and body["auto_resolve"] is True and body["active"] is True
    assert body["severity_map"] == {"page": [1, 1]} and body["created_by"]["username"] == "manager"

    detail = f"{URL}{body['id']}/"
    rotated = api.patch(detail, {"rotate_key": True, "auto_resolve": False}, format="json")
    assert rotated.status_code == 200 and rotated.json()["key"] != body["key"]
    assert rotated.json()["auto_resolve"] is False and rotated.json()["kind"] == "alertmanager"
    assert api.get(URL).json()["results"][0]["name"] == "Prometheus"
    assert api.delete(detail).status_code == 204 and not Integration.objects.exists()
    records = audit_record_list(model="alerts.integration")
    assert {(r.pgh_label, r.actor) for r in records} == {(a, manager) for a in ("create", "update", "delete")}
    assert all("key" not in r.pgh_data for r in records)  # the key is a credential: not in the audit log


def test_events_v2_url_is_the_base_url(client_for, manager, service):
    created = client_for(manager).post(URL, {"name": "Uptime", "kind": "events_v2", "service": service.slug})
    assert created.json()["url"] == "http://testserver/events"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "", "kind": "alertmanager", "service": "payments"}, "name"),
        ({"name": "X", "kind": "nagios", "service": "payments"}, "kind"),
        ({"name": "X", "kind": "alertmanager", "service": "nowhere"}, "service"),
        (
            {"name": "X", "kind": "alertmanager", "service": "payments", "severity_map": {"page": [0, 9]}},
            "severity_map",
        ),
        ({"name": "X", "kind": "alertmanager", "service": "payments", "rate_limit": 0}, "rate_limit"),
        ({"name": "X", "kind": "alertmanager", "service": "payments", "key": "mine"}, "key"),
    ],
)
def test_bad_input_is_400_per_field(client_for, manager, service, body, field):
    response = client_for(manager).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_duplicate_name_and_kind_change_refused(client_for, manager, make_integration):
    existing = make_integration()
    api = client_for(manager)
    response = api.post(URL, {"name": "Prometheus", "kind": "alertmanager", "service": "payments"})
    assert response.status_code == 400 and "name" in response.json()["fields"]
    response = api.patch(f"{URL}{existing.pk}/", {"kind": "events_v2"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()["fields"]


def test_an_integration_with_alerts_is_deactivated_not_deleted(client_for, manager, alertmanager):
    deliver(alertmanager, fixture_body("01"))
    response = client_for(manager).delete(f"{URL}{alertmanager.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "integration_in_use"


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_only_managers_read_integrations(client_for, make_user, alertmanager, role):
    response = client_for(make_user(role)).get(URL)
    assert response.status_code == 403


def test_the_list_costs_the_same_queries_for_any_page_size(
    client_for, manager, make_integration, django_assert_num_queries
):
    for n in range(12):
        make_integration(name=f"Prometheus {n}")
    api = client_for(manager)
    api.get(URL)  # warm up
    with django_assert_num_queries(2):  # token with user and roles, page
        assert len(api.get(URL, {"page_size": 2}).json()["results"]) == 2
    with django_assert_num_queries(2):
        assert len(api.get(URL, {"page_size": 12}).json()["results"]) == 12
