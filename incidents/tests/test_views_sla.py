"""SLA badges, the due-soonest order, the SLA filters and manual escalation in the browser UI,
walked through time with time-machine (the pages compute the state at the request's instant)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from core.timeline import timeline_for
from incidents import services
from incidents.escalation import escalation_level
from incidents.models import Level
from incidents.sla import sweep_sla_clocks
from incidents.tests.ui_helpers import HTMX, QUEUE, detail_url, escalate_url, reload, rows
from sla.models import SlaClock

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday; the default policies run 24×7
MIN = timedelta(minutes=1)
P1 = {"impact": Level.HIGH, "urgency": Level.HIGH}  # response 15m (at risk after 11m 15s), resolution 2h
P3 = {"impact": Level.MEDIUM, "urgency": Level.MEDIUM}  # response 2h, resolution 8h; no escalation policy


def at(offset: timedelta):
    return time_machine.travel(T0 + offset, tick=False)


@pytest.fixture
def new(incident_factory, service, agent):
    """File an incident `offset` after T0."""

    def make(offset=timedelta(0), *, levels=P3, **kwargs):
        with at(offset):
            return incident_factory(service=service, reporter=agent, **levels, **kwargs)

    return make


def queue_cell(response, incident) -> tuple[str, str, str]:
    """(state, target, text) of the incident's SLA cell in the queue."""
    html = response.content.decode()
    row = re.search(rf'data-incident="{incident.number}".*?</tr>', html, re.S).group(0)
    cell = re.search(r'class="sla-cell" data-sla="(\w+)" data-target="(\w+)"', row)
    time = re.search(r'class="sla-time"[^>]*>([^<]*)<', row)
    return cell.group(1), cell.group(2), time.group(1) if time else ""


def detail_rows(response) -> dict[str, tuple[str, str]]:
    """{target: (state, remaining text)} of the detail page's SLA table."""
    found = re.findall(
        r'<tr data-sla="(\w+)" data-target="(\w+)">.*?class="sla-time"[^>]*>([^<]*)<',
        response.content.decode(),
        re.S,
    )
    return {target: (state, text) for state, target, text in found}


def transition(incident, action, offset, **params):
    with at(offset):
        return services.incident_transition(
            incident=incident, actor=incident.reporter, action=action, **params
        )


# --- queue: the SLA column ----------------------------------------------------------------------


def test_queue_sla_column_goes_on_track_at_risk_breached(agent_client, new):
    incident = new(levels=P1)
    with at(MIN):
        response = agent_client.get(QUEUE)
    assert queue_cell(response, incident) == ("on_track", "response", "14m 00s")
    html = response.content.decode()
    assert 'data-due="2026-11-23T10:15:00.000+00:00"' in html  # the browser ticks from here
    assert 'data-at-risk="2026-11-23T10:11:15.000+00:00"' in html
    assert 'data-now="2026-11-23T10:01:00.000+00:00"' in html

    with at(12 * MIN):
        assert queue_cell(agent_client.get(QUEUE), incident) == ("at_risk", "response", "3m 00s")
    with at(18 * MIN):
        assert queue_cell(agent_client.get(QUEUE), incident) == ("breached", "response", "overdue 3m 00s")
        sweep_sla_clocks()  # the breach fires; the badge says the same
        assert queue_cell(agent_client.get(QUEUE), incident) == ("breached", "response", "overdue 3m 00s")


def test_queue_sla_column_after_acknowledge_on_hold_and_resolve(agent_client, agent, new):
    incident = new(levels=P1)
    transition(incident, "acknowledge", 5 * MIN)
    with at(10 * MIN):  # the response target is met: the running resolution clock is the urgent one
        assert queue_cell(agent_client.get(QUEUE), incident) == ("on_track", "resolution", "1h 50m")
    transition(incident, "start", 10 * MIN)
    transition(incident, "hold", 30 * MIN, hold_reason="awaiting_vendor")
    with at(3 * 60 * MIN):  # paused: the business time left, not counting down
        response = agent_client.get(QUEUE)
        assert queue_cell(response, incident) == ("paused", "resolution", "1h 30m left")
        assert "data-due=" not in response.content.decode()
    transition(incident, "resume", 3 * 60 * MIN)
    transition(
        incident, "resolve", 3 * 60 * MIN + 10 * MIN, resolution_code="fixed", resolution_notes="Restarted."
    )
    with at(4 * 60 * MIN):
        state, target, text = queue_cell(agent_client.get(QUEUE, {"is_open": ""}), incident)
        assert (state, text) == ("met", "")


def test_queue_names_a_breached_target_beside_the_running_one(agent_client, new):
    incident = new(levels=P1)
    transition(incident, "acknowledge", 20 * MIN)  # five minutes late
    with at(21 * MIN):
        response = agent_client.get(QUEUE)
    assert queue_cell(response, incident) == ("on_track", "resolution", "1h 39m")
    assert "response breached" in response.content.decode()


def test_queue_sort_due_soonest(agent_client, new):
    p3 = new(levels=P3)  # response due T0+2h
    p4 = new(levels={"impact": Level.LOW, "urgency": Level.LOW})  # response due T0+4h
    p2 = new(levels={"impact": Level.HIGH, "urgency": Level.MEDIUM})  # response due T0+30m ...
    transition(p2, "acknowledge", MIN)  # ... met: resolution due T0+4h, ties with the P4: priority first
    no_sla = new(5 * MIN, levels=P3)
    SlaClock.objects.filter(incident=no_sla).delete()
    p1 = new(100 * MIN, levels=P1)  # response due T0+1h55m

    with at(101 * MIN):
        default = agent_client.get(QUEUE)
        by_due = agent_client.get(QUEUE, {"is_open": "true", "sort": "due"})
        only_sort = agent_client.get(QUEUE, {"sort": "due"})  # default filters still apply
    assert rows(default) == [p1.number, p2.number, p3.number, no_sla.number, p4.number]
    expected = [p1.number, p3.number, p2.number, p4.number, no_sla.number]
    assert rows(by_due) == rows(only_sort) == expected
    html = by_due.content.decode()
    assert '<option value="due" selected>SLA due soonest first</option>' in html
    assert (
        'aria-sort="ascending"><a class="sort-link" href="?is_open=true&amp;sort=-due" title="Sort by SLA">SLA<'
        in html
    )
    assert "SLA due soonest first" in html
    assert 'title="No SLA policy applies">—<' in html


def test_queue_sla_filters_and_quick_links(agent_client, new):
    late = new(levels=P1)  # breached at T0+15m
    risky = new(8 * MIN, levels=P1)  # at risk from T0+19m 15s
    new(levels=P3)  # on track
    with at(20 * MIN):
        assert rows(agent_client.get(QUEUE, {"sla": "breached", "is_open": "true"})) == [late.number]
        assert rows(agent_client.get(QUEUE, {"sla": "at_risk", "is_open": "true"})) == [risky.number]
        html = agent_client.get(QUEUE, {"sla": "breached", "is_open": "true", "sort": "due"}).content.decode()
    assert 'href="?sla=breached&amp;is_open=true&amp;sort=due" aria-current="page">SLA breached<' in html
    assert 'href="?sla=at_risk&amp;is_open=true&amp;sort=due">SLA at risk<' in html
    assert '<option value="breached" selected>Breached</option>' in html


def test_queue_query_count_is_constant_with_the_sla_column(agent_client, new, django_assert_num_queries):
    def add(count):
        for n in range(count):
            incident = new(n * MIN, levels=(P1, P3)[n % 2])
            if n % 3 == 0:
                transition(incident, "acknowledge", n * MIN + MIN)

    add(3)
    with at(60 * MIN), CaptureQueriesContext(connection) as few:
        response = agent_client.get(QUEUE, {"is_open": "true", "sort": "due"})
    assert response.content.decode().count('class="sla-cell"') == 3
    add(27)
    with at(60 * MIN), django_assert_num_queries(len(few.captured_queries)):
        response = agent_client.get(QUEUE, {"is_open": "true", "sort": "due"})
    assert response.content.decode().count('class="sla-cell"') == 30


# --- detail: one row per target ------------------------------------------------------------------


def test_detail_sla_rows_through_the_lifecycle(agent_client, new):
    incident = new(levels=P1)
    with at(5 * MIN):
        response = agent_client.get(detail_url(incident))
    assert detail_rows(response) == {
        "response": ("on_track", "10m 00s"),
        "resolution": ("on_track", "1h 55m"),
    }
    html = response.content.decode()
    assert "within 15m" in html and "within 2h" in html
    assert '<time datetime="2026-11-23T10:15:00.000+00:00">2026-11-23 10:15 UTC</time>' in html

    with at(12 * MIN):
        assert detail_rows(agent_client.get(detail_url(incident)))["response"] == ("at_risk", "3m 00s")
    transition(incident, "acknowledge", 13 * MIN)
    transition(incident, "start", 14 * MIN)
    with at(14 * MIN):
        assert detail_rows(agent_client.get(detail_url(incident))) == {
            "response": ("met", "took 13m 00s"),
            "resolution": ("on_track", "1h 46m"),
        }
    transition(incident, "hold", 20 * MIN, hold_reason="awaiting_vendor")
    with at(5 * 60 * MIN):
        response = agent_client.get(detail_url(incident))
        assert detail_rows(response)["resolution"] == ("paused", "1h 40m left")
        assert "Clock paused" in response.content.decode()
    transition(incident, "resume", 5 * 60 * MIN)
    with at(7 * 60 * MIN):  # 1h 40m after resuming the resolution target is due: 20m overdue
        assert detail_rows(agent_client.get(detail_url(incident)))["resolution"] == (
            "breached",
            "overdue 20m 00s",
        )


def test_detail_breached_stopped_clock_says_how_long_ago(agent_client, new):
    incident = new(levels=P1)
    with at(16 * MIN):
        sweep_sla_clocks()
    transition(incident, "acknowledge", 17 * MIN)
    with at(76 * MIN):
        response = agent_client.get(detail_url(incident))
    assert detail_rows(response)["response"] == ("breached", "breached 1h 00m ago")


def test_sla_and_escalation_entries_stand_out_in_the_timeline(agent_client, agent, new):
    incident = new(levels=P1)
    with at(8 * MIN):
        sweep_sla_clocks()  # 50 %
    with at(16 * MIN):
        sweep_sla_clocks()  # 75 % and the breach
        services.incident_escalate(incident=incident, actor=agent, note="Customer is losing orders.")
        html = agent_client.get(detail_url(incident)).content.decode()
    assert html.count("entry-tone entry-tone-warning") == 2
    assert html.count("entry-tone entry-tone-breach") == 1
    assert '<span class="entry-kind">SLA breached</span>' in html
    assert "Response SLA breached (due 2026-11-23 10:15 UTC; target 0:15:00)." in html
    assert "entry-tone entry-tone-escalation" in html
    assert '<span class="entry-kind">Escalated to level 1</span>' in html
    assert "Customer is losing orders." in html


# --- manual escalation ----------------------------------------------------------------------------


def test_escalate_fires_the_next_level_and_records_it(agent_client, new):
    incident = new(levels=P1)
    with at(2 * MIN):
        page = agent_client.get(detail_url(incident)).content.decode()
        assert 'data-escalate="1"' in page and "Escalate to level 1" in page
        assert "None yet" in page and "2026-11-23 10:05 UTC" in page  # the sweep's next level
        response = agent_client.post(escalate_url(incident), {"level": 0, "note": "CEO on the phone."})
    assert response.status_code == 302
    after = reload(incident)
    assert escalation_level(after) == 1
    entry = timeline_for(incident).get(kind="escalation")
    assert entry.data["manual"] is True and "CEO on the phone." in entry.note
    with at(3 * MIN):
        page = agent_client.get(detail_url(incident)).content.decode()
    assert "escalated to level 1." in page
    assert 'data-escalation-level="1"><strong>Level 1</strong> of 3' in page
    assert "Escalate to level 2" in page


def test_escalate_through_htmx_redraws_the_detail(agent_client, new):
    incident = new(levels=P1)
    response = agent_client.post(escalate_url(incident), {"level": 0}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="incident-detail"')
    assert "escalated to level 1." in html and 'data-escalation-level="1"' in html


def test_escalate_with_no_level_left_is_409_with_the_message(agent_client, new):
    incident = new(levels=P3)  # no escalation policy for P3
    page = agent_client.get(detail_url(incident)).content.decode()
    assert "data-escalate=" not in page
    assert "No escalation policy applies to this incident." in page
    response = agent_client.post(escalate_url(incident), {"level": 0}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "There is no further escalation level for this incident." in html
    assert "Allowed transitions" not in html
    assert escalation_level(incident) == 0


def test_escalate_button_goes_when_every_level_has_fired(agent_client, agent, new):
    incident = new(levels=P1)
    for _ in range(3):
        services.incident_escalate(incident=incident, actor=agent)
    page = agent_client.get(detail_url(incident)).content.decode()
    assert "data-escalate=" not in page and "<strong>Level 3</strong> of 3" in page
    response = agent_client.post(escalate_url(incident), {"level": 3})
    assert response.status_code == 409
    assert "There is no further escalation level for this incident." in response.content.decode()


def test_escalate_from_a_stale_page_is_409_and_fires_nothing(agent_client, agent, new):
    incident = new(levels=P1)
    services.incident_escalate(incident=incident, actor=agent)  # someone else, meanwhile
    response = agent_client.post(escalate_url(incident), {"level": 0, "note": "Still down"}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "was escalated meanwhile (now level 1)" in html
    assert 'name="level" value="1"' in html and "Still down</textarea>" in html
    assert escalation_level(incident) == 1
    missing = agent_client.post(escalate_url(incident), {"note": "x"})
    assert missing.status_code == 400


def test_viewer_sees_no_escalate_button_and_cannot_escalate(client, viewer, new):
    incident = new(levels=P1)
    client.force_login(viewer)
    page = client.get(detail_url(incident)).content.decode()
    assert "data-escalate=" not in page and "Escalate" not in page
    assert "Service level" in page and 'data-target="response"' in page  # the SLA is visible to all
    assert client.post(escalate_url(incident), {"level": 0}).status_code == 403
    assert escalation_level(incident) == 0


# --- header: bell and SLA dashboard link ----------------------------------------------------------


def test_header_has_the_bell_and_the_sla_dashboard_link_when_it_exists(agent_client, new):
    html = agent_client.get(QUEUE).content.decode()
    assert 'id="notification-bell"' in html and 'hx-get="/notifications/bell/"' in html
    assert agent_client.get("/notifications/bell/", **HTMX).status_code == 200
    try:
        sla_url = reverse("reports:sla")
    except NoReverseMatch:
        assert "SLA dashboard" not in html
    else:
        assert f'<a href="{sla_url}">SLA dashboard</a>' in html
