"""Escalation policies: levels fire in order, once each, when their time comes or manually."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import roles
from core.errors import Conflict
from core.models import Team
from core.timeline import timeline_for
from incidents import services
from incidents.models import Incident
from incidents.tests.factories import IncidentFactory
from notifications.models import Notification
from sla.escalation_services import (
    escalation_level_create,
    escalation_level_delete,
    escalation_level_update,
    escalation_policy_create,
    escalation_policy_update,
)
from sla.escalations import sweep_escalations
from sla.models import Calendar, EscalationPolicy
from sla.selectors import escalation_of

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


@pytest.fixture
def setup(make_user, service):
    first_line = Group.objects.create(name="First line")
    second_line = Group.objects.create(name="Second line")
    agent = make_user(roles.AGENT, username="alice")
    lead = make_user(roles.AGENT, username="lena")
    expert = make_user(roles.AGENT, username="erik")
    boss = make_user(roles.MANAGER, username="carol")
    agent.groups.add(first_line)
    expert.groups.add(second_line)
    Team.objects.create(group=first_line, lead=lead, escalation_group=second_line)
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(
            reporter=agent, service=service, impact=1, urgency=1, assignment_group=first_line, assignee=agent
        )
    return {
        "incident": incident,
        "agent": agent,
        "lead": lead,
        "expert": expert,
        "boss": boss,
        "second": second_line,
    }


def escalations(incident):
    return [e.data["level"] for e in timeline_for(incident).filter(kind="escalation")]


def state(incident):
    return escalation_of(incident)


def notified(incident, level):
    key = f"incident:{incident.pk}:escalation:{state(incident).policy_id}:{level}"
    return sorted(Notification.objects.filter(event_key=key).values_list("recipient__username", flat=True))


def sweep(offset):
    with time_machine.travel(T0 + offset, tick=False):
        return sweep_escalations()


def test_default_p1_policy_escalates_an_unacknowledged_incident(setup):
    incident = setup["incident"]
    assert state(incident).policy.name == "Default P1"
    assert state(incident).next_due_at == T0 + 5 * MIN
    assert sweep(4 * MIN) == 0
    assert sweep(5 * MIN) == 1
    assert notified(incident, 1) == ["alice", "lena"]  # the group and its lead
    assert sweep(6 * MIN) == 0
    assert sweep(15 * MIN) == 1
    assert notified(incident, 2) == ["alice", "carol"]  # the manager, and alice who lost the incident
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.assignment_group == setup["second"] and stored.assignee is None  # raised to the next group
    assert state(stored).next_due_at == T0 + timedelta(hours=1)
    assert escalations(incident) == [1, 2]
    changes = {e.field: e.new_value for e in timeline_for(incident).filter(kind="field_change")}
    assert changes == {"assignment_group": "Second line", "assignee": ""}


def test_acknowledging_skips_the_levels_that_no_longer_apply(setup):
    incident = setup["incident"]
    with time_machine.travel(T0 + 2 * MIN, tick=False):
        incident = services.incident_transition(incident=incident, actor=setup["agent"], action="acknowledge")
    assert state(incident).next_due_at == T0 + timedelta(hours=1)  # only "not resolved after 1 h" is left
    assert sweep(30 * MIN) == 0
    assert sweep(61 * MIN) == 1
    assert escalations(incident) == [3]


def test_resolving_stops_escalation(setup):
    incident = setup["incident"]
    with time_machine.travel(T0 + 2 * MIN, tick=False):
        incident = services.incident_transition(incident=incident, actor=setup["agent"], action="acknowledge")
        incident = services.incident_resolve(
            incident=incident, actor=setup["agent"], resolution_code="fixed", resolution_notes="Done."
        )
    assert state(incident).next_due_at is None
    assert sweep(timedelta(hours=5)) == 0


def test_a_late_sweep_fires_the_missed_levels_in_order_once(setup):
    assert sweep(20 * MIN) == 2
    assert sweep(20 * MIN) == 0
    assert escalations(setup["incident"]) == [1, 2]


def test_manual_escalation_fires_the_next_level_now(setup):
    incident = setup["incident"]
    with time_machine.travel(T0 + MIN, tick=False):
        incident = services.incident_escalate(
            incident=incident, actor=setup["agent"], note="Customer is furious"
        )
    assert escalations(incident) == [1]
    entry = timeline_for(incident).filter(kind="escalation").get()
    assert entry.actor == setup["agent"] and "manually" in entry.note and "Customer is furious" in entry.note
    assert state(incident).next_due_at == T0 + 15 * MIN
    services.incident_escalate(incident=incident, actor=setup["agent"])
    services.incident_escalate(incident=incident, actor=setup["agent"])
    with pytest.raises(Conflict, match="no further escalation level"):
        services.incident_escalate(incident=incident, actor=setup["agent"])


def test_escalation_can_raise_priority_and_retarget_the_sla(setup, service):
    from sla.models import EscalationLevel, EscalationPolicy

    policy = EscalationPolicy.objects.create(name="Raise P3", process="incident", priority=3)
    EscalationLevel.objects.create(
        policy=policy, number=1, after=10 * MIN, raise_priority=True, notify_managers=True
    )
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(reporter=setup["agent"], service=service, impact=2, urgency=2)
    assert state(incident).policy == policy
    sweep(10 * MIN)
    assert escalations(incident) == [1]
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.get_priority_display() == "P2 high"
    resolution = stored.sla_clocks.get(target="resolution")
    assert resolution.target_duration == timedelta(hours=4)
    assert resolution.due_at == T0 + timedelta(hours=4)


def test_api_escalate(client_for, setup):
    api = client_for(setup["agent"])
    response = api.post(
        f"/api/v1/incidents/{setup['incident'].pk}/escalate/", {"note": "Need help", "level": 0}
    )
    assert response.status_code == 200 and response.json()["escalation_level"] == 1
    viewer_api = client_for(setup["boss"])
    assert (
        viewer_api.post(f"/api/v1/incidents/{setup['incident'].pk}/escalate/", {"level": 1}).status_code
        == 200
    )
    api.post(f"/api/v1/incidents/{setup['incident'].pk}/escalate/", {"level": 2})
    response = api.post(f"/api/v1/incidents/{setup['incident'].pk}/escalate/", {"level": 3})
    assert response.status_code == 409 and response.json()["code"] == "no_escalation_level"


def test_escalating_from_a_stale_view_fires_nothing(client_for, setup):
    url = f"/api/v1/incidents/{setup['incident'].pk}/escalate/"
    api = client_for(setup["agent"])
    assert api.post(url, {"level": 0}).status_code == 200
    response = api.post(url, {"level": 0})  # a second person saw level 0 too
    assert response.status_code == 409 and response.json()["code"] == "escalated_meanwhile"
    assert escalations(setup["incident"]) == [1]


# --- fixes: business time, on hold, deactivation, snapshot, batch cost, the assignee told ----------


def at(offset):
    return time_machine.travel(T0 + offset, tick=False)


def test_levels_count_business_time_on_the_policys_calendar(setup, service, manager):
    office = Calendar.objects.get(name="Office hours")  # Monday to Friday 09:00-17:00 UTC
    policy = escalation_policy_create(
        actor=manager, name="P3 office hours", process="incident", priority=3, calendar=office
    )
    escalation_level_create(
        policy=policy, actor=manager, number=1, trigger="not_resolved", after=timedelta(hours=1)
    )
    friday = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    with time_machine.travel(friday, tick=False):
        incident = IncidentFactory(reporter=setup["agent"], service=service, impact=2, urgency=2)
    assert state(incident).next_due_at == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # Monday
    with time_machine.travel(friday + timedelta(hours=2), tick=False):
        sweep_escalations()
    assert escalations(incident) == []  # wall-clock time would have fired at 17:30 on Friday
    with time_machine.travel(datetime(2026, 11, 30, 9, 30, tzinfo=UTC), tick=False):
        sweep_escalations()
    assert escalations(incident) == [1]


def test_time_on_hold_does_not_count(setup):
    incident, agent = setup["incident"], setup["agent"]
    for offset, action in ((2 * MIN, "acknowledge"), (3 * MIN, "start"), (10 * MIN, "hold")):
        with at(offset):
            params = {"hold_reason": "awaiting_vendor"} if action == "hold" else {}
            incident = services.incident_transition(incident=incident, actor=agent, action=action, **params)
    assert state(incident).next_due_at is None
    assert sweep(timedelta(hours=2)) == 0  # "not resolved after 1 h" would have fired on hold
    with at(timedelta(hours=2)):
        incident = services.incident_transition(incident=incident, actor=agent, action="resume")
    held = timedelta(hours=2) - 10 * MIN
    assert state(incident).next_due_at == T0 + timedelta(hours=1) + held
    assert sweep(timedelta(hours=1) + held - MIN) == 0
    assert sweep(timedelta(hours=1) + held) == 1
    assert escalations(incident) == [3]


def test_a_deactivated_policy_stops_firing_also_for_running_escalations(setup, manager):
    incident, policy = setup["incident"], state(setup["incident"]).policy
    escalation_policy_update(policy=policy, actor=manager, active=False)
    assert state(incident).next_due_at is None
    assert sweep(20 * MIN) == 0
    with pytest.raises(Conflict, match="no further escalation level"):
        services.incident_escalate(incident=incident, actor=setup["agent"])
    escalation_policy_update(policy=policy, actor=manager, active=True)
    assert state(incident).next_due_at == T0 + 5 * MIN
    EscalationPolicy.objects.filter(pk=policy.pk).update(active=False)  # even behind the services' back
    assert sweep(20 * MIN) == 0
    assert escalations(incident) == []


def test_editing_a_policy_does_not_change_a_running_escalation(setup, manager, service):
    incident, policy = setup["incident"], state(setup["incident"]).policy
    escalation_level_update(level=policy.levels.get(number=1), actor=manager, after=timedelta(hours=3))
    escalation_level_delete(level=policy.levels.get(number=2), actor=manager)
    assert sweep(5 * MIN) == 1 and sweep(15 * MIN) == 1  # the levels as they were when filed
    assert escalations(incident) == [1, 2]
    with at(20 * MIN):
        later = IncidentFactory(reporter=setup["agent"], service=service, impact=1, urgency=1)
    assert state(later).next_due_at == T0 + 20 * MIN + timedelta(hours=3)  # the edited policy
    assert [level["number"] for level in state(later).levels] == [1, 3]


def test_escalation_tells_the_assignee_it_takes_the_incident_from(setup):
    incident = setup["incident"]
    assert sweep(15 * MIN) == 2
    told = Notification.objects.get(
        recipient=setup["agent"], event_key=f"incident:{incident.pk}:escalation:{state(incident).policy_id}:2"
    )
    assert "reassigned to Second line" in told.body and told.title == f"{incident.number} escalated (level 2)"


def test_the_sweep_costs_the_same_queries_for_10_or_40_due_incidents(
    setup, service, manager, django_assert_num_queries
):
    first_line = Group.objects.get(name="First line")
    policy = escalation_policy_create(
        actor=manager, name="P2 busy", process="incident", priority=2, service=service
    )
    escalation_level_create(
        policy=policy, actor=manager, number=1, trigger="not_acknowledged", after=5 * MIN,
        notify_assignment_group=True, notify_group_lead=True, notify_users=[setup["boss"]],
        notify_group=setup["second"],
    )  # fmt: skip
    escalation_level_create(
        policy=policy, actor=manager, number=2, trigger="not_acknowledged", after=15 * MIN,
        raise_to_next_group=True, notify_managers=True,
    )  # fmt: skip

    def file(count, offset):
        with at(offset):
            for _ in range(count):
                IncidentFactory(
                    reporter=setup["agent"], service=service, impact=1, urgency=2,
                    assignment_group=first_line, assignee=setup["agent"],
                )  # fmt: skip

    services.incident_transition(
        incident=setup["incident"], actor=setup["agent"], action="cancel", note="Dup."
    )
    file(1, timedelta(hours=1))
    assert sweep(timedelta(hours=1, minutes=20)) == 2  # warms the caches
    file(10, timedelta(hours=2))
    with at(timedelta(hours=2, minutes=20)), CaptureQueriesContext(connection) as ten:
        assert sweep_escalations() == 20
    file(40, timedelta(hours=3))
    with at(timedelta(hours=3, minutes=20)), django_assert_num_queries(len(ten.captured_queries)):
        assert sweep_escalations() == 80
    # 17 for the sweep, whatever the batch, + 9 for its events' handlers (dispatched inline in tests);
    # was 243 for 10 incidents
    assert len(ten.captured_queries) <= 26


def test_an_incident_deleted_takes_its_escalation_with_it(setup):
    incident = setup["incident"]
    Incident.objects.filter(pk=incident.pk).delete()
    assert state(incident) is None
