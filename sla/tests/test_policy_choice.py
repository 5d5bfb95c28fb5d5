"""Which policy applies to a record: its service's own before the default one (SLA), the most specific
active one (escalation). sla.selectors reads both with plain statements; here they must choose what the
rules say, for every key, with the policy's calendar and the targets in their order."""

from datetime import timedelta
from itertools import product

import pytest

from catalog.tests.factories import ServiceFactory
from sla import selectors
from sla.models import Calendar, EscalationPolicy, SlaPolicy
from sla.tests.factories import make_sla_policy

pytestmark = pytest.mark.django_db

PRIORITIES = [1, 2, 3, 4]


def most_specific_escalation(process, priority, service):
    """The rule as written: service and priority, then service, then priority, then any (active only)."""
    fits = [
        policy
        for policy in EscalationPolicy.objects.filter(process=process, active=True)
        if policy.service_id in (None, getattr(service, "pk", None)) and policy.priority in (None, priority)
    ]
    return min(fits, key=lambda p: (p.service_id is None, p.priority is None, p.pk), default=None)


def test_the_most_specific_active_escalation_policy_applies(service):
    other = ServiceFactory(name="Search", slug="search")
    office = Calendar.objects.get(name="Office hours")
    make = EscalationPolicy.objects.create
    make(name="Any incident", process="incident", priority=None, service=None)
    make(name="P2 incidents", process="incident", priority=2, service=None, calendar=office)
    make(name="Payments", process="incident", priority=None, service=service)
    make(name="Payments P3", process="incident", priority=3, service=service, calendar=office)
    make(name="Payments P4, off", process="incident", priority=4, service=service, active=False)
    make(name="Changes", process="change", priority=None, service=service)
    for priority, scope in product([*PRIORITIES, None], [service, other, None]):
        chosen = selectors.escalation_policy_for(process="incident", priority=priority, service=scope)
        expected = most_specific_escalation("incident", priority, scope)
        assert chosen == expected, (priority, scope)
        assert chosen.calendar == expected.calendar and chosen.name == expected.name
    assert selectors.escalation_policy_for(process="incident", priority=3, service=service).calendar == office
    EscalationPolicy.objects.filter(process="incident").update(active=False)
    assert selectors.escalation_policy_for(process="incident", priority=1, service=service) is None


def test_a_service_s_own_sla_policy_comes_before_the_default(service):
    other = ServiceFactory(name="Search", slug="search")
    office = Calendar.objects.get(name="Office hours")
    own = make_sla_policy(
        priority=2,
        service=service,
        calendar=office,
        name="Payments P2",
        targets={"resolution": timedelta(hours=8), "response": timedelta(minutes=30)},
    )
    for priority, scope in product(PRIORITIES, [service, other, None]):
        expected = (
            own
            if (priority, scope) == (2, service)
            else SlaPolicy.objects.get(process="incident", priority=priority, service=None)
        )
        assert selectors.sla_policy_for(process="incident", priority=priority, service=scope) == expected
        targets = selectors.sla_targets_starting(
            process="incident", priority=priority, service=scope, action="create"
        )
        wanted = [t for t in expected.targets.order_by("position", "name") if "create" in t.start_on]
        assert [(t.pk, t.name, t.duration, t.start_on, t.stop_on) for t in targets] == [
            (t.pk, t.name, t.duration, t.start_on, t.stop_on) for t in wanted
        ]
        assert all(t.policy == expected and t.policy.calendar_id == expected.calendar_id for t in targets)
    assert [t.name for t in own.targets.order_by("position")] == ["resolution", "response"]
    assert (
        selectors.sla_targets_starting(process="incident", priority=2, service=service, action="resolve")
        == []
    )
