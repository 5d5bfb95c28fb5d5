import pytest

from core import roles
from sla.models import SlaPolicy

pytestmark = pytest.mark.django_db

URL = "/api/v1/sla-policies/"


def test_default_policies_ship_with_the_product(client_for, viewer):
    policies = client_for(viewer).get(URL, {"ordering": "priority", "process": "incident"}).json()["results"]
    assert [
        (p["priority_display"], p["response_target"], p["resolution_target"], p["service"]) for p in policies
    ] == [
        ("P1 critical", "PT15M", "PT2H", None),
        ("P2 high", "PT30M", "PT4H", None),
        ("P3 medium", "PT2H", "PT8H", None),
        ("P4 low", "PT4H", "P1D", None),
    ]


def test_manager_creates_a_service_policy_and_agents_cannot(client_for, manager, agent, service):
    body = {"name": "Payments P1", "priority": 1, "service": "payments", "response_target": "PT5M",
            "resolution_target": "PT1H", "calendar": "Office hours"}  # fmt: skip
    assert client_for(agent).post(URL, body).status_code == 403
    response = client_for(manager).post(URL, body)
    assert response.status_code == 201, response.json()
    assert response.json()["calendar"] == "Office hours"
    clash = client_for(manager).post(URL, body)
    assert clash.status_code == 400 and "priority" in clash.json()["fields"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"name": "x", "priority": 9, "response_target": "PT5M", "resolution_target": "1:00:00"},
            {"priority"},
        ),
        (
            {"name": "x", "priority": 1, "response_target": "soon", "resolution_target": "1:00:00"},
            {"response_target"},
        ),
        ({"name": "x", "priority": 1, "response_target": "00:00:00", "resolution_target": "1:00:00"}, None),
        (
            {
                "name": "x",
                "priority": 1,
                "service": "nope",
                "response_target": "1:00",
                "resolution_target": "2:00",
            },
            None,
        ),
    ],
)
def test_bad_policies_are_400(client_for, make_user, body, fields):
    response = client_for(make_user(roles.MANAGER)).post(URL, body)
    assert response.status_code == 400
    if fields:
        assert set(response.json()["fields"]) == fields
    assert SlaPolicy.objects.filter(process="incident").count() == 4


def test_escalation_policies_are_listed_with_levels(client_for, viewer):
    policies = client_for(viewer).get("/api/v1/escalation-policies/", {"ordering": "name"}).json()["results"]
    p1 = next(p for p in policies if p["name"] == "Default P1")
    assert [(level["number"], level["trigger"], level["after"]) for level in p1["levels"]] == [
        (1, "not_acknowledged", "PT5M"),
        (2, "not_acknowledged", "PT15M"),
        (3, "not_resolved", "PT1H"),
    ]
