"""Escalation policies per process: the API shows them, every write goes through
sla.escalation_services (the admin too) with its checks."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import InvalidInput, NotPermitted
from incidents.tests.factories import IncidentFactory
from sla import escalation_services as services
from sla.models import Calendar, EscalationLevel, EscalationPolicy
from sla.selectors import escalation_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/escalation-policies/"


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_the_api_shows_process_and_calendar_and_filters_by_process(client_for, viewer, manager):
    office = Calendar.objects.get(name="Office hours")
    services.escalation_policy_create(
        actor=manager, name="P4 office", process="incident", priority=4, calendar=office
    )
    api = client_for(viewer)
    policies = api.get(URL, {"process": "incident", "ordering": "name"}).json()["results"]
    assert [(p["name"], p["process"], p["calendar"]) for p in policies] == [
        ("Default P1", "incident", None),
        ("Default P2", "incident", None),
        ("P4 office", "incident", "Office hours"),
    ]
    assert api.get(URL, {"process": "change"}).json()["results"] == []


def test_the_policy_list_costs_the_same_queries_for_more_policies(client_for, viewer, manager):
    api = client_for(viewer)
    api.get(URL)
    with CaptureQueriesContext(connection) as two:
        api.get(URL)
    for number in range(5):
        policy = services.escalation_policy_create(actor=manager, name=f"Extra {number}", process="incident")
        level = services.escalation_level_create(
            policy=policy, actor=manager, number=1, after=timedelta(minutes=5), notify_users=[viewer]
        )
        assert list(level.notify_users.all()) == [viewer]
    with CaptureQueriesContext(connection) as seven:
        assert len(api.get(URL).json()["results"]) == 7
    assert len(seven.captured_queries) == len(two.captured_queries)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "X", "process": "payroll"}, {"process"}),
        ({"name": " ", "process": "incident"}, {"name"}),
        ({"name": "Default P1", "process": "incident"}, {"name"}),
        ({"name": "X"}, {"process"}),
    ],
)
def test_bad_policies_are_refused_field_by_field(manager, fields, errors):
    with pytest.raises(InvalidInput) as refused:
        services.escalation_policy_create(actor=manager, **fields)
    assert set(refused.value.fields) == errors
    assert EscalationPolicy.objects.count() == 2


def test_bad_levels_are_refused(manager):
    policy = EscalationPolicy.objects.get(name="Default P2")
    with pytest.raises(InvalidInput) as taken:
        services.escalation_level_create(policy=policy, actor=manager, number=2, after=timedelta(hours=1))
    assert set(taken.value.fields) == {"number"}
    with pytest.raises(InvalidInput) as negative:
        services.escalation_level_create(policy=policy, actor=manager, number=3, after=timedelta(minutes=-1))
    assert set(negative.value.fields) == {"after"}
    assert policy.levels.count() == 2


def test_only_managers_change_policies_and_a_refused_write_changes_nothing(agent):
    policy = EscalationPolicy.objects.get(name="Default P1")
    with pytest.raises(NotPermitted):
        services.escalation_policy_update(policy=policy, actor=agent, active=False)
    with pytest.raises(NotPermitted):
        services.escalation_level_delete(level=policy.levels.first(), actor=agent)
    with pytest.raises(NotPermitted):
        services.escalation_policy_create(actor=agent, name="Mine", process="incident")
    policy.refresh_from_db()
    assert policy.active and policy.levels.count() == 3 and EscalationPolicy.objects.count() == 2


def _form_data(page) -> dict:
    form = page.context["adminform"].form
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data["active"] = "on" if data.get("active") else ""
    return data


def _levels_management(count: int, initial: int) -> dict:
    return {"levels-TOTAL_FORMS": count, "levels-INITIAL_FORMS": initial}


def test_admin_adds_a_policy_with_a_level_through_the_services(admin_client):
    page = admin_client.get("/admin/sla/escalationpolicy/add/")
    assert b'<option value="incident">incident</option>' in page.content
    data = {
        "name": "P3 nudge",
        "process": "incident",
        "priority": 3,
        "active": "on",
        **_levels_management(1, 0),
    }
    data.update({"levels-0-number": 1, "levels-0-trigger": "not_acknowledged", "levels-0-after": "00:30:00"})
    data["levels-0-notify_managers"] = "on"
    response = admin_client.post("/admin/sla/escalationpolicy/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy = EscalationPolicy.objects.get(name="P3 nudge")
    level = policy.levels.get()
    assert (policy.process, level.after, level.notify_managers) == ("incident", timedelta(minutes=30), True)
    refused = admin_client.post(
        "/admin/sla/escalationpolicy/add/", {**data, "name": "Other", "process": "hr"}
    )
    assert refused.status_code == 200 and "process" in refused.context["adminform"].form.errors


def test_admin_deactivating_a_policy_stops_its_running_escalations(admin_client, agent, service):
    incident = IncidentFactory(reporter=agent, service=service, impact=1, urgency=1)
    assert escalation_of(incident).next_due_at is not None
    policy = EscalationPolicy.objects.get(name="Default P1")
    url = f"/admin/sla/escalationpolicy/{policy.pk}/change/"
    data = {**_form_data(admin_client.get(url)), "active": "", **_levels_management(3, 3)}
    for index, level in enumerate(policy.levels.order_by("number")):
        data.update({f"levels-{index}-id": level.pk, f"levels-{index}-policy": policy.pk})
        data.update({f"levels-{index}-number": level.number, f"levels-{index}-trigger": level.trigger})
        data[f"levels-{index}-after"] = str(level.after)
    data["levels-2-DELETE"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert escalation_of(incident).next_due_at is None  # the service stopped it
    assert not EscalationPolicy.objects.get(pk=policy.pk).active
    assert list(EscalationLevel.objects.filter(policy=policy).values_list("number", flat=True)) == [1, 2]
    assert len(escalation_of(incident).levels) == 3  # the running escalation keeps its snapshot
