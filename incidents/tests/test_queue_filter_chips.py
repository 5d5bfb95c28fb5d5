"""The queue says which filters it applies: a link's filters (the SLA dashboard's figures, a shared
URL) show as chips above the table, each a link to the same view without it, and the folded filter
panel counts them; the default "open only" is no filter set."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents import services
from incidents.tests.ui_helpers import HTMX, QUEUE, file, rows

pytestmark = pytest.mark.django_db


def chips(response) -> dict[str, str]:
    """{label: the querystring of its remove link} as the page shows them."""
    html = response.content.decode()
    found = re.findall(r'<li class="filter-chip"><span>([^<]*)</span><a href="\?([^"]*)"', html)
    return {unescape(label): unescape(query) for label, query in found}


def summary(response) -> str:
    html = response.content.decode()
    return re.search(r'<span id="filter-count" class="count"[^>]*>([^<]*)</span>', html).group(1)


@pytest.fixture
def team(agent):
    group = Group.objects.create(name="Database team")
    agent.groups.add(group)
    return group


@pytest.fixture
def filed(incident_factory, service, agent, team):
    """An open incident of the team, one of no team, and a cancelled one of the team."""
    ours = file(incident_factory, service, agent, assignment_group=team, title="ours")
    loose = file(incident_factory, service, agent, title="loose")
    done = file(incident_factory, service, agent, assignment_group=team, title="done")
    services.incident_transition(incident=done, actor=agent, action="cancel", note="Filed twice.")
    return ours, loose, done


def test_a_fresh_queue_has_no_filter_set(agent_client, filed):
    response = agent_client.get(QUEUE)
    assert chips(response) == {}
    assert summary(response) == ""  # not "(1 set)": open only is the default
    assert len(rows(response)) == 2


def test_the_explicit_default_is_no_filter_set_either(agent_client, filed):
    response = agent_client.get(QUEUE, {"is_open": "true"})
    assert chips(response) == {} and summary(response) == ""


def test_a_dashboard_link_shows_its_filters_as_chips(agent_client, filed, team, agent):
    ours, _, done = filed
    start = timezone.now() - timedelta(days=1)
    response = agent_client.get(
        QUEUE,
        {
            "assignment_group": team.pk,
            "assignee": agent.pk,
            "created_after": start.isoformat(),
            "is_open": "",
        },
    )
    shown = chips(response)
    assert set(shown) == {
        "Group: Database team",
        f"Assignee: {agent.username}",
        f"Created from {timezone.localtime(start):%Y-%m-%d %H:%M %Z}",
        "Open and closed",
    }
    assert summary(response) == "(4 set)"
    assert "Remove the filter Group: Database team" in response.content.decode()


def test_removing_a_chip_keeps_the_other_filters(agent_client, filed, team):
    ours, loose, done = filed
    response = agent_client.get(QUEUE, {"assignment_group": team.pk, "is_open": "", "sort": "-age"})
    assert set(rows(response)) == {ours.number, done.number}

    without_group = agent_client.get(f"{QUEUE}?{chips(response)['Group: Database team']}")
    # Still open and closed (no filter at all would be open only), still in the chosen order.
    assert set(rows(without_group)) == {ours.number, loose.number, done.number}
    assert set(chips(without_group)) == {"Open and closed"}
    assert "sort=-age" in chips(response)["Group: Database team"]

    open_again = agent_client.get(f"{QUEUE}?{chips(response)['Open and closed']}")
    assert set(rows(open_again)) == {ours.number}
    assert set(chips(open_again)) == {"Group: Database team"}


def test_a_link_without_is_open_lists_closed_ones_too_and_says_so(agent_client, filed, team):
    ours, _, done = filed
    response = agent_client.get(QUEUE, {"assignment_group": team.pk})
    assert set(rows(response)) == {ours.number, done.number}
    assert set(chips(response)) == {"Group: Database team", "Open and closed"}


def test_the_last_chip_removed_is_the_plain_queue(agent_client, filed):
    response = agent_client.get(QUEUE, {"no_group": "true", "is_open": "true"})
    assert chips(response) == {"No assignment group": ""}
    assert summary(response) == "(1 set)"


def test_each_status_is_its_own_chip(agent_client, filed):
    response = agent_client.get(QUEUE, {"status": ["new", "on_hold"], "is_open": "true"})
    assert chips(response) == {
        "Status: New": "status=on_hold&is_open=true",
        "Status: On hold": "status=new&is_open=true",
    }


def test_flags_sla_and_resolved_read_as_users_say_them(agent_client, filed):
    response = agent_client.get(QUEUE, {"unassigned": "true", "sla": "breached", "is_open": "false"})
    assert set(chips(response)) == {"Unassigned", "SLA breached", "Resolved, closed or cancelled"}


def test_a_refused_value_is_no_chip(agent_client, filed):
    response = agent_client.get(QUEUE, {"assignment_group": "999999", "is_open": "true"})
    assert "These filters were ignored" in response.content.decode()
    assert chips(response) == {}


def test_a_search_is_shown_by_its_box_not_as_a_chip(agent_client, filed):
    response = agent_client.get(QUEUE, {"q": "ours", "is_open": "true"})
    assert chips(response) == {} and summary(response) == ""


def test_an_htmx_refresh_brings_the_chips_and_the_panels_count(agent_client, filed, team):
    response = agent_client.get(QUEUE, {"assignment_group": team.pk, "is_open": "true"}, **HTMX)
    assert set(chips(response)) == {"Group: Database team"}
    assert 'id="filter-count" class="count" hx-swap-oob="true">(1 set)' in response.content.decode()
