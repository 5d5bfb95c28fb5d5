"""The one definition of breached / at risk / met: the Python predicates and their SQL twins agree
on clocks in every state, at many instants."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents import services
from incidents.tests.factories import IncidentFactory
from sla import states
from sla.models import SlaClock

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def test_python_and_sql_agree(agent, service):
    def at(minutes):
        return time_machine.travel(T0 + minutes * MIN, tick=False)

    with at(0):
        quiet = IncidentFactory(reporter=agent, service=service, impact=1, urgency=1)  # left alone
        acked = IncidentFactory(reporter=agent, service=service, impact=1, urgency=1)
        held = IncidentFactory(reporter=agent, service=service, impact=1, urgency=1)
        late = IncidentFactory(reporter=agent, service=service, impact=1, urgency=1)
    with at(5):
        services.incident_transition(incident=acked, actor=agent, action="acknowledge")
        held = services.incident_transition(incident=held, actor=agent, action="acknowledge")
        held = services.incident_transition(incident=held, actor=agent, action="start")
    with at(100):
        services.incident_transition(incident=held, actor=agent, action="hold", hold_reason="awaiting_vendor")
    with at(130):
        services.incident_transition(incident=late, actor=agent, action="acknowledge")
    clocks = list(SlaClock.objects.all())
    assert len(clocks) == 8 and quiet
    seen = set()
    for minutes in (1, 8, 12, 16, 60, 95, 110, 125, 200):
        now = T0 + minutes * MIN
        for predicate, q in (
            (states.is_breached, states.breached_q),
            (states.is_at_risk, states.at_risk_q),
            (states.is_met, states.met_q),
        ):
            in_sql = set(SlaClock.objects.filter(q(now)).values_list("pk", flat=True))
            in_python = {c.pk for c in clocks if predicate(c, now=now)}
            assert in_sql == in_python, (predicate.__name__, minutes)
        # What a record stores (Incident.sla_breached_from): breached by now exactly when it is <= now,
        # from the clocks' last recorded change on (no earlier "now" reads them: minute 130 here).
        from_python = {c.pk for c in clocks if (b := states.breached_from(c)) is not None and b <= now}
        if minutes >= 130:
            assert from_python == {c.pk for c in clocks if states.is_breached(c, now=now)}, minutes
        seen |= {states.state(c, now=now) for c in clocks}
    instants = dict(SlaClock.objects.annotate(i=states.breach_instant_expression()).values_list("pk", "i"))
    assert instants == {c.pk: states.breach_instant(c) for c in clocks}
    froms = dict(SlaClock.objects.annotate(b=states.breached_from_expression()).values_list("pk", "b"))
    assert froms == {c.pk: states.breached_from(c) for c in clocks}
    assert seen == {"on_track", "at_risk", "breached", "met", "paused"}
