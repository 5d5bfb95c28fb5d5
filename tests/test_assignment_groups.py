"""Work is assigned to teams, never to the role groups that grant permissions: incidents and changes,
through the API, the browser forms and the services alike."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from changes import services as change_services
from changes.models import Change
from changes.tests.factories import PLANS
from core import roles
from core.errors import InvalidInput
from incidents import services as incident_services
from incidents.models import Incident

pytestmark = pytest.mark.django_db

ROLE_GROUP_REFUSED = "No team with id or name 'viewer' (role groups such as viewer are not teams)."


@pytest.fixture
def team(db):
    return Group.objects.create(name="Network")


@pytest.fixture
def viewer_group(db):
    return Group.objects.get(name=roles.VIEWER)


def test_the_incident_api_refuses_a_role_group(client_for, agent, service):
    body = {"title": "Checkout 502", "service": service.pk, "assignment_group": "viewer"}
    response = client_for(agent).post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["assignment_group"] == [ROLE_GROUP_REFUSED]
    assert not Incident.objects.exists()


def test_the_incident_api_accepts_a_team_and_refuses_a_role_on_edit(client_for, agent, incident, team):
    api = client_for(agent)
    url = f"/api/v1/incidents/{incident.pk}/"
    assert api.patch(url, {"assignment_group": "Network"}, format="json").status_code == 200
    response = api.patch(url, {"assignment_group": "viewer"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["assignment_group"] == [ROLE_GROUP_REFUSED]
    incident.refresh_from_db()
    assert incident.assignment_group == team


def test_the_incident_services_refuse_a_role_group(agent, service, incident, viewer_group):
    with pytest.raises(InvalidInput) as refused:
        incident_services.incident_create(
            actor=agent, title="x", service=service, assignment_group=viewer_group
        )
    assert refused.value.fields == {
        "assignment_group": ["'viewer' is a role, not a team: assign work to a team."]
    }
    with pytest.raises(InvalidInput):
        incident_services.incident_update(incident=incident, actor=agent, assignment_group=viewer_group)


def test_a_service_owned_by_a_role_group_does_not_route_incidents_to_it(agent, service, viewer_group):
    service.owning_group = viewer_group
    service.save()
    incident = incident_services.incident_create(actor=agent, title="x", service=service)
    assert incident.assignment_group is None


def test_the_new_incident_form_offers_and_accepts_teams_only(agent, service, team, viewer_group):
    client = Client()
    client.force_login(agent)
    page = client.get("/incidents/new/").content.decode()
    assert ">Network</option>" in page and ">viewer</option>" not in page
    body = {
        "title": "x",
        "service": service.pk,
        "impact": 3,
        "urgency": 3,
        "assignment_group": viewer_group.pk,
    }
    response = client.post("/incidents/new/", body)
    assert response.status_code == 400 and not Incident.objects.exists()


def test_the_change_api_refuses_a_role_group(client_for, agent, service):
    body = {"title": "Upgrade wiki", "services": [service.pk], "assignment_group": "viewer", **PLANS}
    response = client_for(agent).post("/api/v1/changes/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["assignment_group"] == [ROLE_GROUP_REFUSED]
    body["assignment_group"] = "Network"
    Group.objects.create(name="Network")
    assert client_for(agent).post("/api/v1/changes/", body, format="json").status_code == 201


def test_the_change_services_refuse_a_role_group(agent, viewer_group, team):
    with pytest.raises(InvalidInput) as refused:
        change_services.change_create(actor=agent, title="Upgrade", assignment_group=viewer_group, **PLANS)
    assert "assignment_group" in refused.value.fields
    change = change_services.change_create(actor=agent, title="Upgrade", assignment_group=team, **PLANS)
    with pytest.raises(InvalidInput):
        change_services.change_update(change=change, actor=agent, assignment_group=viewer_group)
    assert Change.objects.get().assignment_group == team
