"""GET /api/v1/audit/: managers read who changed which configuration, filtered, newest first."""

import pytest

from catalog import services as catalog_services
from core import roles

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


@pytest.fixture
def mail(manager):
    service = catalog_services.service_create(actor=manager, name="Mail", slug="mail")
    catalog_services.service_update(service=service, actor=manager, description="SMTP relay")
    return service


@pytest.mark.parametrize(
    ("role", "status"),
    [(roles.MANAGER, 200), ("superuser", 200), (roles.AGENT, 403), (roles.VIEWER, 403)],
)
def test_managers_and_superusers_only(client_for, make_user, api_client, role, status):
    user = make_user(is_superuser=True) if role == "superuser" else make_user(role)
    assert client_for(user).get(URL).status_code == status
    assert api_client.get(URL).status_code == 401


def test_a_record_says_who_when_what_before_and_after(client_for, manager, mail):
    results = client_for(manager).get(URL, {"model": "catalog.service"}).json()["results"]
    update, create = results
    assert update["action"] == "update" and update["model"] == "catalog.Service"
    assert update["object_id"] == str(mail.pk)
    assert update["actor"] == {"id": manager.pk, "username": "manager"}
    assert (update["before"], update["after"]) == ({"description": ""}, {"description": "SMTP relay"})
    assert create["action"] == "create" and create["before"] is None and create["after"]["name"] == "Mail"
    assert update["at"] >= create["at"]


def test_filters_by_model_object_actor_and_period(client_for, manager, make_user, mail):
    other = make_user(roles.MANAGER, username="other")
    catalog_services.service_update(service=mail, actor=other, criticality=1)
    api = client_for(manager)

    def ids(**params):
        return [(r["model"], r["object_id"], r["action"]) for r in api.get(URL, params).json()["results"]]

    assert ids(model="catalog.service", object_id=mail.pk, actor=other.pk) == [
        ("catalog.Service", str(mail.pk), "update")
    ]
    assert len(ids(model="catalog.service", actor=manager.pk)) == 2
    first = api.get(URL, {"model": "catalog.service"}).json()["results"][-1]["at"]
    assert len(ids(model="catalog.service", until=first)) == 0
    assert len(ids(model="catalog.service", since=first)) == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "incidents.incident"}, "model"),
        ({"actor": "someone"}, "actor"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-01-02T00:00Z", "until": "2026-01-01T00:00Z"}, "until"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_filters_are_400_with_field_messages(client_for, manager, params, field):
    response = client_for(manager).get(URL, params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_cursor_pages_through_every_record_once_newest_first(client_for, manager):
    for number in range(7):
        catalog_services.service_create(actor=manager, name=f"S{number}", slug=f"s{number}")
    api, seen = client_for(manager), []
    page = api.get(URL, {"model": "catalog.service", "page_size": 3}).json()
    while True:
        seen += [r["after"]["name"] for r in page["results"]]
        if not page["next"]:
            break
        page = api.get(page["next"]).json()
    assert seen == [f"S{number}" for number in reversed(range(7))]


def test_query_count_does_not_grow_with_the_page_size(client_for, manager, django_assert_num_queries):
    for number in range(12):
        catalog_services.service_create(actor=manager, name=f"S{number}", slug=f"s{number}")
    api = client_for(manager)
    api.get(URL)  # warm caches (content types)
    with django_assert_num_queries(2):  # token with user and roles, one page
        assert len(api.get(URL, {"page_size": 2}).json()["results"]) == 2
    with django_assert_num_queries(2):
        assert len(api.get(URL, {"page_size": 12}).json()["results"]) == 12


def test_documented_in_the_schema(client_for, manager):
    schema = client_for(manager).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/audit/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"model", "object_id", "actor", "since", "until", "cursor", "page_size"} <= names
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
