"""The SLA engine is process-neutral: any model can carry clocks through an adapter, policies of
different processes do not collide, and what a transition does to a clock is data."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from catalog.models import ConfigurationItem
from catalog.tests.factories import ConfigurationItemFactory
from changes import sla as changes_sla
from core.errors import InvalidInput
from core.processes import Process, register_process, unregister_process
from core.timeline import timeline_for
from incidents import services as incident_services
from incidents.models import Incident
from incidents.selectors import incident_list
from incidents.tests.factories import IncidentFactory
from sla import clock as sla_clock
from sla import engine, services
from sla.models import SlaClock, SlaPolicy
from sla.selectors import sla_policy_for
from sla.tests.factories import make_sla_policy

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
MIN = timedelta(minutes=1)


class ChangeClocks(engine.ClockAdapter):
    """A test-only process: configuration items stand in for change records."""

    process = "change"
    model = ConfigurationItem
    sweep_related = ("service",)

    def __init__(self):
        self.published = []

    def policy_scope(self, ci):
        return {"priority": 2, "service": ci.service}

    def publish(self, firings):
        self.published += [(f.record.pk, f.clock.target, f.threshold) for f in firings]


@pytest.fixture
def change_process():
    """Stands in for the change process (its shipped approval-clock policies make way); the real one
    is registered again afterwards."""
    SlaPolicy.objects.filter(process="change").delete()
    register_process(Process("change", "Change", transitions=("approve", "implement", "complete")))
    adapter = engine.register_adapter(ChangeClocks())
    yield adapter
    engine.unregister_adapter(adapter)
    unregister_process("change")
    changes_sla.register()


def at(offset: timedelta):
    return time_machine.travel(T0 + offset, tick=False)


def test_a_policy_for_another_process_does_not_collide(change_process, manager, service):
    incident_p2 = sla_policy_for(process="incident", priority=2, service=None)
    change_p2 = services.sla_policy_create(
        actor=manager, name="Change P2", process="change", priority=2,
        targets=[{"name": "implementation", "duration": timedelta(hours=1), "stop_on": ["complete"]}],
    )  # fmt: skip
    assert sla_policy_for(process="change", priority=2, service=service) == change_p2
    assert sla_policy_for(process="incident", priority=2, service=service) == incident_p2
    with pytest.raises(InvalidInput) as clash:
        services.sla_policy_create(
            actor=manager, name="Again", process="change", priority=2,
            targets=[{"name": "implementation", "duration": timedelta(hours=2)}],
        )  # fmt: skip
    assert "priority" in clash.value.fields
    with pytest.raises(InvalidInput) as unknown:
        services.sla_policy_create(
            actor=manager, name="Release", process="release", priority=2,
            targets=[{"name": "deploy", "duration": timedelta(hours=2)}],
        )  # fmt: skip
    assert "change, incident" in unknown.value.fields["process"][0]


def test_a_non_incident_record_carries_clocks_that_the_sweep_fires(change_process, manager, service):
    make_sla_policy(
        process="change", priority=2,
        targets={"implementation": {"duration": 60 * MIN, "stop_on": ["complete"], "pause_on": ["approve"]}},
    )  # fmt: skip
    ci = ConfigurationItemFactory(service=service)
    [clock] = engine.clocks_start(ci, at=T0)
    assert (clock.content_type.model_class(), clock.object_id, clock.due_at) == (
        ConfigurationItem,
        ci.pk,
        T0 + 60 * MIN,
    )
    assert clock.rules == {"pause": ["approve"], "resume": [], "stop": ["complete"]}

    with at(31 * MIN):
        assert engine.sweep_clocks() == 1
    assert change_process.published == [(ci.pk, "implementation", "warning_50")]
    with at(40 * MIN):
        engine.clocks_on_transition(ci, action="approve", at=T0 + 40 * MIN)  # pauses it
    with at(5 * 60 * MIN):
        assert engine.sweep_clocks() == 0
        engine.clocks_on_transition(ci, action="complete", at=T0 + 5 * 60 * MIN)
    clock.refresh_from_db()
    assert (clock.elapsed, clock.stopped_at) == (40 * MIN, T0 + 5 * 60 * MIN)
    assert sla_clock.state(clock, now=T0 + 6 * 60 * MIN) == "met"
    assert [e.data["threshold"] for e in timeline_for(ci).filter(kind="sla")] == ["warning_50"]


def test_clocks_of_another_model_never_show_on_an_incident(change_process, agent, service):
    with at(timedelta(0)):
        incident = IncidentFactory(reporter=agent, service=service, impact=1, urgency=1)
    breached = SlaClock.objects.get(incident=incident, target="response")
    breached.pk, breached.target = None, "foreign"
    breached.content_type = ContentType.objects.get_for_model(ConfigurationItem)  # same object id
    breached.breached_at = T0
    breached.save()
    assert set(SlaClock.objects.filter(incident=incident).values_list("target", flat=True)) == {
        "response", "resolution"
    }  # fmt: skip
    with at(MIN):
        [listed] = incident_list().filter(pk=incident.pk)
        assert [c.target for c in listed.sla_clocks.all()] == ["response", "resolution"]
        from incidents.filters import IncidentFilter

        assert not IncidentFilter({"sla": "breached"}, queryset=Incident.objects.all()).qs.exists()


def test_a_target_defined_as_data_behaves_accordingly(agent, service):
    make_sla_policy(
        priority=3, service=service,
        targets={
            "triage": {"duration": 30 * MIN, "start_on": ["create"], "stop_on": ["start"]},
            "fix": {"duration": 60 * MIN, "start_on": ["start"], "pause_on": ["hold"], "resume_on": ["resume"],
                    "stop_on": ["resolve"]},
        },
    )  # fmt: skip

    def clocks():
        return {c.target: c for c in SlaClock.objects.filter(incident=incident)}

    with at(timedelta(0)):
        incident = IncidentFactory(reporter=agent, service=service, impact=2, urgency=2)  # P3
    assert set(clocks()) == {"triage"}
    with at(10 * MIN):
        incident = incident_services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    assert clocks()["triage"].stopped_at is None  # acknowledging does not stop this target
    with at(20 * MIN):
        incident = incident_services.incident_transition(incident=incident, actor=agent, action="start")
    triage, fix = clocks()["triage"], clocks()["fix"]
    assert (triage.stopped_at, triage.elapsed, sla_clock.state(triage, now=T0 + 20 * MIN)) == (
        T0 + 20 * MIN, 20 * MIN, "met"
    )  # fmt: skip
    assert (fix.running_since, fix.due_at) == (T0 + 20 * MIN, T0 + 80 * MIN)
    with at(30 * MIN):
        incident = incident_services.incident_transition(
            incident=incident, actor=agent, action="hold", hold_reason="awaiting_vendor"
        )
    with at(90 * MIN):
        incident = incident_services.incident_transition(incident=incident, actor=agent, action="resume")
    assert clocks()["fix"].due_at == T0 + 140 * MIN  # 10 min ran before the hold, 50 left
    with at(100 * MIN):
        incident_services.incident_resolve(
            incident=incident, actor=agent, resolution_code="fixed", resolution_notes="Patched."
        )
    fix = clocks()["fix"]
    assert (fix.stopped_at, fix.elapsed) == (T0 + 100 * MIN, 20 * MIN)


def test_editing_or_deleting_a_policy_leaves_running_clocks_alone(manager, agent, service):
    with at(timedelta(0)):
        incident = IncidentFactory(reporter=agent, service=service, impact=1, urgency=1)
    SlaPolicy.objects.get(process="incident", priority=1, service=None).delete()
    with at(5 * MIN):
        incident = incident_services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    response = SlaClock.objects.get(incident=incident, target="response")
    assert (response.stopped_at, response.policy_target) == (T0 + 5 * MIN, None)


def test_the_migrated_defaults_are_todays_targets():
    expected_rules = {
        "response": ([], [], ["acknowledge", "resolve", "cancel"]),
        "resolution": (["hold"], ["resume", "reopen"], ["resolve", "cancel"]),
    }
    durations = {1: ("00:15:00", "02:00:00"), 2: ("00:30:00", "04:00:00"), 3: ("02:00:00", "08:00:00"),
                 4: ("04:00:00", "1 day, 0:00:00")}  # fmt: skip
    policies = SlaPolicy.objects.filter(process="incident").prefetch_related("targets").order_by("priority")
    assert [(p.process, p.priority, p.service_id) for p in policies] == [
        ("incident", n, None) for n in (1, 2, 3, 4)
    ]
    for policy in policies:
        targets = list(policy.targets.all())
        assert [t.name for t in targets] == ["response", "resolution"]
        for target, duration in zip(targets, durations[policy.priority], strict=True):
            assert str(target.duration).zfill(8) == duration
            assert target.start_on == ["create"]
            assert (target.pause_on, target.resume_on, target.stop_on) == expected_rules[target.name]
    # The API's response_target / resolution_target shorthands build exactly these targets.
    for name, (pause, resume, stop) in expected_rules.items():
        spec = services.sla_target_spec(process="incident", spec={"name": name, "duration": MIN})
        assert (spec["start_on"], spec["pause_on"], spec["resume_on"], spec["stop_on"]) == (
            ["create"], pause, resume, stop
        )  # fmt: skip


def test_one_sweep_fires_the_clocks_of_every_process(change_process, agent, service):
    make_sla_policy(process="change", priority=2, targets={"implementation": 10 * MIN})
    with at(timedelta(0)):
        ci = ConfigurationItemFactory(service=service)
        engine.clocks_start(ci, at=T0)
        incident = IncidentFactory(reporter=agent, service=service, impact=1, urgency=1)
    with at(16 * MIN):
        assert engine.sweep_clocks() == 3 + 3  # the CI's 50/75/100 %, the incident's response 50/75/100 %
    assert change_process.published == [
        (ci.pk, "implementation", "warning_50"), (ci.pk, "implementation", "warning_75"),
        (ci.pk, "implementation", "breach"),
    ]  # fmt: skip
    thresholds = [e.data["threshold"] for e in timeline_for(incident).filter(kind="sla")]
    assert thresholds == ["warning_50", "warning_75", "breach"]
