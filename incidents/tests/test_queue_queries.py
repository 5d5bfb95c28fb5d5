"""Query counts of the queue's new parts (issue #7 item 5): every column sort, the saved-view list and
the bulk bar ask the database a fixed number of times, whatever the page size, the table size and the
number of saved views."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.saved_views import SavedView
from incidents.tests.test_views_queries import clone_incidents, count_queries
from incidents.tests.ui_helpers import HTMX, QUEUE
from incidents.views import queue as views

pytestmark = pytest.mark.django_db

SORTS = list(views.SORTS) + [f"-{key}" for key in views.SORTS]


@pytest.fixture
def some_incidents(incident_factory, service, agent, manager):
    for n in range(4):
        incident_factory(service=service, reporter=agent, assignee=(agent, manager, None, None)[n])


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_asks_the_same_number_of_queries_for_any_page_or_table_size(
    agent_client, agent, some_incidents, monkeypatch, sort
):
    url = f"{QUEUE}?is_open=&sort={sort}"
    few, few_rows = count_queries(agent_client, url)
    clone_incidents(15)  # 64 incidents: more than a page
    SavedView.objects.bulk_create(
        SavedView(owner=agent, name=f"view {n}", query="mine=true") for n in range(8)
    )
    many, many_rows = count_queries(agent_client, url)
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    small, small_rows = count_queries(agent_client, url)
    assert (few_rows, many_rows, small_rows) == (4, 50, 10)
    assert few == many == small


def test_the_refreshed_table_asks_no_more_than_the_page(agent_client, some_incidents):
    """The 30-second refresh (htmx) draws only the table: no filter options, saved views or bulk bar."""
    page, _ = count_queries(agent_client, QUEUE)
    with CaptureQueriesContext(connection) as table:
        assert agent_client.get(QUEUE, **HTMX).status_code == 200
    assert len(table.captured_queries) <= page - 3
