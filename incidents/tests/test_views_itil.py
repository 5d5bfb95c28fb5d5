"""The incident page as ITIL practice expects it (issue #10 item 5): the hold form, related incidents
on the same configuration item, the newest-first timeline under its comment box, the actions first in
tab order, and a query count that does not grow with the timeline, the watchers or the related rows."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Status
from incidents.tests.factories import incident_in_state
from incidents.tests.ui_helpers import HTMX, detail_url, reload, transition_url

pytestmark = pytest.mark.django_db


def test_hold_form_requires_a_reason_and_shows_the_error_in_place(agent_client, agent):
    incident = incident_in_state("in_progress", reporter=agent)
    response = agent_client.post(transition_url(incident, "hold"), {"version": incident.version}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert html.startswith('<div id="incident-detail"')  # swapped in place, not a whole document
    assert "Choose why it waits: awaiting caller, awaiting vendor, awaiting change, other." in html
    assert reload(incident).status == Status.IN_PROGRESS


def test_hold_with_reason_and_resume_time_shows_on_the_page(agent_client, agent):
    incident = incident_in_state("in_progress", reporter=agent)
    resume = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    response = agent_client.post(
        transition_url(incident, "hold"),
        {"version": incident.version, "hold_reason": "awaiting_vendor", "note": "Case 4711",
         "resume_at": resume.strftime("%Y-%m-%d %H:%M")},
        follow=True,
    )  # fmt: skip
    html = response.content.decode()
    assert "is now on hold." in html  # the status as people see it
    assert "on_hold" not in re.sub(r'(class|data-[a-z-]+)="[^"]*"', "", html).replace("on_hold_at", "")
    assert "Awaiting vendor: Case 4711" in html
    assert f'Resumes by itself at <time datetime="{resume.isoformat()}">' in html
    assert reload(incident).resume_at == resume


def test_whitespace_comment_keeps_the_page_with_the_error_in_place(agent_client, incident):
    response = agent_client.post(
        f"/incidents/{incident.pk}/comments/", {"body": "   ", "visibility": "public"}, **HTMX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#incident-detail"
    assert (
        "A comment cannot be empty." in response.content.decode() or "required" in response.content.decode()
    )


def test_related_incidents_on_the_same_ci_in_the_last_seven_days(
    agent_client, agent, service, ci, incident_factory
):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=8)):
        incident_factory(reporter=agent, service=service, ci=ci, title="Old pay-db-1 failover")
    with time_machine.travel(now - timedelta(days=2)):
        recent = incident_factory(reporter=agent, service=service, ci=ci, title="pay-db-1 replication lag")
    incident_factory(reporter=agent, service=service, title="Not on the CI")
    current = incident_factory(reporter=agent, service=service, ci=ci, title="pay-db-1 disk full")
    html = agent_client.get(detail_url(current)).content.decode()
    related = html[html.index('id="related-heading"') :]
    related = related[: related.index("</section>")]
    assert recent.number in related and "pay-db-1 replication lag" in related
    assert "Old pay-db-1 failover" not in related and "Not on the CI" not in related
    assert current.number not in related


def test_timeline_is_newest_first_under_the_comment_box(agent_client, agent, incident):
    services.incident_transition(incident=incident, actor=agent, action="acknowledge")
    services.incident_comment_add(incident=incident, actor=agent, body="Newest words.")
    html = agent_client.get(detail_url(incident)).content.decode()
    assert html.index('id="comment-form"') < html.index('id="timeline"')
    timeline = html[html.index('id="timeline"') :]
    assert timeline.index("Newest words.") < timeline.index("Acknowledged") < timeline.index("Filed as")
    assert 'hx-swap="afterbegin"' in html  # a new comment joins at the top


def test_the_actions_come_first_in_tab_order(agent_client, incident):
    html = agent_client.get(detail_url(incident)).content.decode()
    main = html[html.index('<div id="incident-detail"') :]
    after_heading = main[main.index("</h1>") :]
    first_control = re.search(
        r"<(a|button|summary|select|textarea|input(?![^>]*type=\"hidden\"))\b", after_heading
    )
    assert first_control.group(1) == "button"
    assert after_heading[first_control.start() :].startswith(
        '<button type="submit" class="button">Acknowledge'
    )


def test_detail_page_query_count_stays_constant(
    agent_client, agent, manager, service, ci, incident_factory, make_user
):
    incident = incident_factory(reporter=agent, service=service, ci=ci, caller=agent)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(detail_url(incident)).status_code == 200
        return len(queries)

    before = count()
    for n in range(5):
        incident_factory(reporter=agent, service=service, ci=ci)
        person = make_user("agent", username=f"watcher{n}")
        services.incident_watch(incident=incident, actor=manager, user=person)
        services.incident_comment_add(incident=incident, actor=agent, body=f"Update {n}")
    assert count() == before
