"""The dashboard's period presets and its breakdowns per team and per assignee: hand-computed figures,
the same before and after the roll-up settles the closed incidents, the top N with the others summed
up, and links that open the queue on exactly those incidents."""

import re
from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import Group

from core import roles
from reports import breakdowns
from reports.models import SlaDailyOutcome
from reports.rollup import sla_rollup_refresh

from .conftest import NOW, at
from .html import tables

pytestmark = [pytest.mark.django_db, pytest.mark.urls("reports.tests.urls")]

PAGE = "/dashboards/sla/"


@pytest.fixture
def teams(db):
    return Group.objects.create(name="Network"), Group.objects.create(name="Database")


@pytest.fixture
def people(make_user):
    alice = make_user(roles.AGENT, username="alice", first_name="Alice", last_name="Smith")
    bob = make_user(roles.AGENT, username="bob")
    return alice, bob


@pytest.fixture
def assigned(story, teams, people, identity):
    """Incidents of 2026-11-02..15 with their team and assignee:

    name  prio  team      assignee  then                          response  resolution
    N1    P1    Network   alice     ack +10m, resolve +1h, close  met       met
    N2    P1    Network   alice     never acknowledged            breached  breached
    N3    P3    Network   bob       ack +30m, resolve +2h         met       met
    D1    P2    Database  bob       ack +5m, resolve +5h          met       breached
    U1    P4    —         —         ack +1h, resolve +2h          met       met
    C1    P4    Network   alice     cancelled (left out)
    X1    P4    Database  bob       another service, never acknowledged     breached  breached
    """
    (network, database), (alice, bob) = teams, people
    s = story
    s.file("N1", at(2, 9), 1, assignment_group=network, assignee=alice)
    s.act("N1", at(2, 9, 10), "acknowledge")
    s.act("N1", at(2, 10, 10), "resolve")
    s.act("N1", at(2, 11), "close")
    s.file("N2", at(3, 9), 1, assignment_group=network, assignee=alice)
    s.file("N3", at(4, 9), 3, assignment_group=network, assignee=bob)
    s.act("N3", at(4, 9, 30), "acknowledge")
    s.act("N3", at(4, 11), "resolve")
    s.file("D1", at(5, 10), 2, assignment_group=database, assignee=bob)
    s.act("D1", at(5, 10, 5), "acknowledge")
    s.act("D1", at(5, 15), "resolve")
    s.file("U1", at(6, 10), 4)
    s.act("U1", at(6, 11), "acknowledge")
    s.act("U1", at(6, 12), "resolve")
    s.file("C1", at(7, 10), 4, assignment_group=network, assignee=alice)
    s.act("C1", at(7, 11), "cancel")
    s.file("X1", at(8, 10), 4, service=identity, assignment_group=database, assignee=bob)
    s.sweep(NOW)
    return s.incidents


@pytest.fixture
def browser(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def query(payments):
    return {"from": "2026-11-02", "to": "2026-11-15", "service": str(payments.pk)}


def page(browser, params) -> str:
    with time_machine.travel(NOW, tick=False):
        response = browser.get(PAGE, params)
    assert response.status_code == 200
    return response.content.decode()


TEAMS = [
    ["Team", "Incidents", "Response", "Resolution", "Breaches"],
    ["Network", "3", "66.7 %", "66.7 %", "2"],
    ["Database", "1", "100.0 %", "0.0 %", "1"],
    ["No team", "1", "100.0 %", "100.0 %", "0"],
]
ASSIGNEES = [
    ["Assignee", "Incidents", "Response", "Resolution", "Breaches"],
    ["Alice Smith (alice)", "2", "50.0 %", "50.0 %", "2"],
    ["bob", "2", "100.0 %", "50.0 %", "1"],
    ["Unassigned", "1", "100.0 %", "100.0 %", "0"],
]


def test_breakdowns_per_team_and_assignee(assigned, browser, query):
    found, _ = tables(page(browser, query))
    assert found["by-team"] == TEAMS
    assert found["by-assignee"] == ASSIGNEES


def test_the_rollup_keeps_team_and_assignee(assigned, browser, query, teams, people):
    before = tables(page(browser, query))[0]
    with time_machine.travel(NOW, tick=False):
        assert sla_rollup_refresh(now=NOW) == 1  # N1's day: the only closed incident
    rolled = SlaDailyOutcome.objects.get(day=date(2026, 11, 2), target="resolution")
    assert (rolled.assignment_group, rolled.assignee, rolled.met) == (teams[0], people[0], 1)
    after = tables(page(browser, query))[0]
    assert (
        (after["by-team"], after["by-assignee"])
        == (before["by-team"], before["by-assignee"])
        == (
            TEAMS,
            ASSIGNEES,
        )
    )


def test_every_service_counts_the_other_services_too(assigned, browser, query):
    found, _ = tables(page(browser, {**query, "service": ""}))
    assert found["by-team"][2] == ["Database", "2", "50.0 %", "0.0 %", "3"]  # X1 breached both


def test_the_top_teams_then_the_others_together(assigned, browser, query, monkeypatch):
    monkeypatch.setattr(breakdowns, "TOP", 2)
    html = page(browser, query)
    found, _ = tables(html)
    assert found["by-team"][1:] == [
        ["Network", "3", "66.7 %", "66.7 %", "2"],
        ["2 other teams", "2", "100.0 %", "50.0 %", "1"],
    ]
    assert found["by-assignee"][1:] == [
        ["Alice Smith (alice)", "2", "50.0 %", "50.0 %", "2"],
        ["2 other people", "3", "100.0 %", "66.7 %", "1"],
    ]
    others = html[html.index('data-key="others"') :]
    assert "<a " not in others[: others.index("</tr>")]  # no queue filter for "the others"
    assert 'Teams <span class="muted">(3)</span>' in html


def _queue_numbers(browser, url: str) -> set[str]:
    html = browser.get(url.replace("&amp;", "&")).content.decode()
    return set(re.findall(r'<tr[^>]*data-incident="(INC-\d+)"', html))


def test_each_figure_opens_the_queue_on_its_incidents(assigned, browser, query):
    numbers = {name: incident.number for name, incident in assigned.items()}
    _, links = tables(page(browser, query))
    by_team = [link for link in links if "assignment_group=" in link or "no_group=" in link]
    network, network_breached, database, _, no_team = by_team  # "No team" has no breach link
    assert _queue_numbers(browser, network) == {numbers["N1"], numbers["N2"], numbers["N3"]}
    assert _queue_numbers(browser, network_breached) == {numbers["N2"]}
    assert _queue_numbers(browser, no_team) == {numbers["U1"]}
    by_person = [link for link in links if "assignee=" in link or "unassigned=" in link]
    alice, alice_breached, bob, bob_breached, unassigned = by_person
    assert _queue_numbers(browser, alice) == {numbers["N1"], numbers["N2"]}
    assert _queue_numbers(browser, bob_breached) == {numbers["D1"]}
    assert _queue_numbers(browser, unassigned) == {numbers["U1"]}


PRESETS = [
    ({}, "30 days"),
    ({"from": "2026-11-10", "to": "2026-11-16"}, "7 days"),
    ({"from": "2026-08-19", "to": "2026-11-16"}, "90 days"),
    ({"from": "2026-10-01", "to": "2026-11-16"}, "This quarter"),
    ({"from": "2026-11-02", "to": "2026-11-15"}, None),
]


@pytest.mark.parametrize("params, current", PRESETS)
def test_period_presets_end_today_and_keep_the_service(payments, browser, params, current):
    html = page(browser, {**params, "service": str(payments.pk)})
    nav = html[html.index('<nav class="dash-presets"') : html.index("</nav>", html.index("dash-presets"))]
    s = payments.pk
    for label, first in (
        ("7 days", "2026-11-10"),
        ("30 days", "2026-10-18"),
        ("90 days", "2026-08-19"),
        ("This quarter", "2026-10-01"),
    ):
        link = f'href="/dashboards/sla/?from={first}&amp;to=2026-11-16&amp;service={s}"'
        assert link in nav, label
        marked = f'{link} aria-current="true"'
        assert (marked in nav) == (label == current), label
