"""The incident page's timeline is bounded (issue #7): the newest entries, then "Show older entries",
which appends the next page in place (htmx) or opens it as a page of its own, until the first entry;
the same number of queries however long the timeline."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import selectors, services
from incidents.tests.ui_helpers import HTMX, detail_url

pytestmark = pytest.mark.django_db

PAGE = 4


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(selectors, "TIMELINE_PAGE", PAGE)


def comment(incident, actor, body, *, visibility="public", minutes=0):
    with time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False):
        services.incident_comment_add(incident=incident, actor=actor, body=body, visibility=visibility)


def notes(html: str) -> list[str]:
    return re.findall(r"(Note \d+)<", html)


def older_url(html: str) -> str | None:
    found = re.search(r'id="timeline-older".*?href="([^"]+)"', html, re.S)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_page_shows_the_newest_entries_and_the_rest_comes_page_by_page(agent_client, agent, incident):
    for n in range(9):  # with "Filed as ...": 10 entries, so pages of 4, 4 and 2
        comment(incident, agent, f"Note {n}", minutes=n + 1)
    html = agent_client.get(detail_url(incident)).content.decode()
    assert notes(html) == ["Note 8", "Note 7", "Note 6", "Note 5"]
    url = older_url(html)
    assert ">Show older entries</a>" in html and url

    seen = []
    while url:
        fragment = agent_client.get(url, **HTMX).content.decode()
        assert fragment.lstrip().startswith("<li")  # appended to the list in place
        assert 'id="timeline-older" class="timeline-older" hx-swap-oob="true"' in fragment
        seen += notes(fragment)
        url = older_url(fragment)
    assert seen == [f"Note {n}" for n in range(4, -1, -1)]
    assert "Filed as" in fragment  # the last page reaches the first entry, and offers no more


def test_entries_filed_in_the_same_instant_are_neither_repeated_nor_skipped(agent_client, agent, incident):
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        for n in range(7):
            services.incident_comment_add(incident=incident, actor=agent, body=f"Note {n}")
    html = agent_client.get(detail_url(incident)).content.decode()
    shown = notes(html) + notes(agent_client.get(older_url(html), **HTMX).content.decode())
    assert shown == [f"Note {n}" for n in range(6, -1, -1)]


def test_without_javascript_the_older_entries_open_as_a_page(agent_client, agent, incident):
    for n in range(6):
        comment(incident, agent, f"Note {n}", minutes=n + 1)
    url = older_url(agent_client.get(detail_url(incident)).content.decode())
    html = agent_client.get(url).content.decode()
    assert "<!DOCTYPE html>" in html or "<html" in html
    assert f"{incident.number} timeline" in html and notes(html) == ["Note 1", "Note 0"]
    assert f'href="{detail_url(incident)}"' in html


def test_older_pages_keep_internal_notes_from_viewers(viewer_client, agent, incident):
    for n in range(8):
        comment(incident, agent, f"Note {n}", visibility="internal" if n % 2 else "public", minutes=n + 1)
    html = viewer_client.get(detail_url(incident)).content.decode()
    older = viewer_client.get(older_url(html), **HTMX).content.decode()
    assert notes(html) + notes(older) == ["Note 6", "Note 4", "Note 2", "Note 0"]
    assert "Internal note" not in html + older


def test_a_malformed_cursor_is_a_400_not_a_500(agent_client, incident):
    url = f"/incidents/{incident.pk}/timeline/"
    for query in (
        {},
        {"before": "yesterday", "before_id": "3"},
        {"before": "2026-13-01T00:00", "before_id": "3"},
        {"before": "2026-01-01T00:00", "before_id": "x"},
        {"before": "2026-01-01T00:00", "before_id": "9" * 30},
    ):
        response = agent_client.get(url, query)
        assert response.status_code == 400
    assert (
        agent_client.get(
            "/incidents/999999/timeline/", {"before": "2026-01-01T00:00", "before_id": 1}
        ).status_code
        == 404
    )


def test_detail_and_older_pages_ask_the_same_number_of_queries_however_long_the_timeline(
    agent_client, agent, incident
):
    def count(url, **headers) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get(url, **headers)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    for n in range(PAGE + 1):
        comment(incident, agent, f"Note {n}", minutes=n + 1)
    few, html = count(detail_url(incident))
    few_older, _ = count(older_url(html), **HTMX)
    for n in range(PAGE + 1, 4 * PAGE):
        comment(incident, agent, f"Note {n}", minutes=n + 1)
    many, html = count(detail_url(incident))
    many_older, older = count(older_url(html), **HTMX)
    assert (many, many_older) == (few, few_older)
    assert len(notes(html)) == len(notes(older)) == PAGE
