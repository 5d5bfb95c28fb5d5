"""A month of incidents walked through the services at known instants, for hand-computed figures.

All instants are UTC (the test settings' time zone). The period under test is 2026-11-02 to
2026-11-15 (ISO weeks 45 and 46); "now" is Monday 2026-11-16 10:00. Default SLA policies (24×7):
P1 15 min / 2 h, P2 30 min / 4 h, P3 2 h / 8 h, P4 4 h / 24 h.

    name  prio  filed          then                                        response   resolution
    O1    P2    11-01 23:00    ack 23:10 (before the period)               —          —
    A1    P1    11-02 09:00    ack +10m, resolve +1h30, close +2h          met        met
    A2    P1    11-03 09:00    ack +20m, resolve +3h                       breached   breached
    A3    P2    11-04 10:00    ack +5m, resolve +5h                        met        breached
    A4    P3    11-05 08:00    ack +1h, start; swept 11-05 16:00           met        breached (swept)
    A5    P4    11-06 12:00    cancelled +1h                               left out   left out
    B1    P2    11-09 10:00    ack +40m, resolve +3h                       breached   met
    B2    P3    11-10 10:00    ack +30m, resolve +4h                       met        met
    X1    P4    11-10 10:00    other service; ack +1h, resolve +2h         met        met
    B3    P4    11-11 10:00    never acknowledged; swept 14:00 and 11-12   breached   breached (swept)
    B5    P3    11-12 11:00    ack +10m, start, hold +1h                   met        paused (unknown)
    B7    P4    11-15 22:00    ack +1h                                     met        running (unknown)
    B4    P1    11-15 23:30    ack +5m; resolution due 11-16 01:30         met        breached (not swept)
    N1    P1    11-16 08:20    ack +5m: resolution at risk 09:50–10:20     —          —
    N2    P3    11-16 09:30    new, on track                               —          —
    N3    P2    11-16 09:35    new: response at risk 09:57:30–10:05        —          —
"""

from datetime import UTC, date, datetime

import pytest
import time_machine

from catalog.tests.factories import ServiceFactory
from core import roles
from incidents import services
from incidents.sla import sweep_sla_clocks
from incidents.tests.factories import IncidentFactory

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
FIRST_DAY, LAST_DAY = date(2026, 11, 2), date(2026, 11, 15)
IMPACT_URGENCY = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (3, 3)}
RESOLVED = {"resolution_code": "fixed", "resolution_notes": "Restarted the service."}


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


class Story:
    """Files and walks incidents at given instants, through the services as users do."""

    def __init__(self, reporter, service):
        self.reporter = reporter
        self.service = service
        self.incidents = {}

    def file(self, name: str, when: datetime, priority: int, service=None, **fields):
        impact, urgency = IMPACT_URGENCY[priority]
        with time_machine.travel(when, tick=False):
            self.incidents[name] = IncidentFactory(
                reporter=self.reporter,
                service=service or self.service,
                impact=impact,
                urgency=urgency,
                title=f"{name} something broke",
                **fields,
            )
        return self.incidents[name]

    def act(self, name: str, when: datetime, *actions: str) -> None:
        for action in actions:
            params = dict(RESOLVED) if action == "resolve" else {}
            if action == "cancel":
                params["note"] = "Filed twice."
            if action == "hold":
                params["hold_reason"] = "awaiting_vendor"
            with time_machine.travel(when, tick=False):
                self.incidents[name] = services.incident_transition(
                    incident=self.incidents[name], actor=self.reporter, action=action, **params
                )

    @staticmethod
    def sweep(when: datetime) -> None:
        with time_machine.travel(when, tick=False):
            sweep_sla_clocks(now=when)


@pytest.fixture
def payments(db):
    return ServiceFactory(name="Payments", slug="payments")


@pytest.fixture
def identity(db):
    return ServiceFactory(name="Identity", slug="identity")


@pytest.fixture
def story(make_user, payments):
    return Story(make_user(roles.AGENT, username="reporter"), payments)


@pytest.fixture
def scenario(story, identity):
    s = story
    s.file("O1", at(1, 23), 2)
    s.act("O1", at(1, 23, 10), "acknowledge")

    s.file("A1", at(2, 9), 1)
    s.act("A1", at(2, 9, 10), "acknowledge")
    s.act("A1", at(2, 10, 30), "resolve")
    s.act("A1", at(2, 11), "close")

    s.file("A2", at(3, 9), 1)
    s.act("A2", at(3, 9, 20), "acknowledge")
    s.act("A2", at(3, 12), "resolve")

    s.file("A3", at(4, 10), 2)
    s.act("A3", at(4, 10, 5), "acknowledge")
    s.act("A3", at(4, 15), "resolve")

    s.file("A4", at(5, 8), 3)
    s.act("A4", at(5, 9), "acknowledge", "start")
    s.sweep(at(5, 16))

    s.file("A5", at(6, 12), 4)
    s.act("A5", at(6, 13), "cancel")

    s.file("B1", at(9, 10), 2)
    s.act("B1", at(9, 10, 40), "acknowledge")
    s.act("B1", at(9, 13), "resolve")

    s.file("B2", at(10, 10), 3)
    s.act("B2", at(10, 10, 30), "acknowledge")
    s.act("B2", at(10, 14), "resolve")

    s.file("X1", at(10, 10), 4, service=identity)
    s.act("X1", at(10, 11), "acknowledge")
    s.act("X1", at(10, 12), "resolve")

    s.file("B3", at(11, 10), 4)
    s.sweep(at(11, 14))
    s.sweep(at(12, 10))

    s.file("B5", at(12, 11), 3)
    s.act("B5", at(12, 11, 10), "acknowledge", "start")
    s.act("B5", at(12, 12), "hold")

    s.file("B7", at(15, 22), 4)
    s.act("B7", at(15, 23), "acknowledge")

    s.file("B4", at(15, 23, 30), 1)
    s.act("B4", at(15, 23, 35), "acknowledge")

    s.file("N1", at(16, 8, 20), 1)
    s.act("N1", at(16, 8, 25), "acknowledge")
    s.file("N2", at(16, 9, 30), 3)
    s.file("N3", at(16, 9, 35), 2)
    return s.incidents


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW
