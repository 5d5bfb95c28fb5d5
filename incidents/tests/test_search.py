"""Search finds things (issue #10 item 3): the issue's examples, typos, numbers, comments, renames,
through the API, the queue and the header's search page; and it stays an index-backed query."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory
from changes.tests.factories import change_create
from core import roles
from core import search as text_search
from incidents import search, services
from incidents.models import Incident
from incidents.tests.ui_helpers import QUEUE, rows

pytestmark = pytest.mark.django_db

API = "/api/v1/incidents/"
SEARCH = reverse("search")
LAG = "pay-db-1 replication lag above 5 minutes"


@pytest.fixture
def desk(agent, incident_factory):
    """A few incidents on a database service, a payments service and a web service."""
    database = ServiceFactory(name="Database", slug="database")
    payments = ServiceFactory(name="Payments", slug="payments")
    web = ServiceFactory(name="Web shop", slug="web-shop")
    made = {
        "lag": incident_factory(title=LAG, service=database, reporter=agent),
        "card": incident_factory(title="Card authorisations time out", service=payments, reporter=agent),
        "login": incident_factory(title="Login page slow", service=web, reporter=agent),
        "disk": incident_factory(
            title="Disk almost full",
            service=database,
            reporter=agent,
            description="PostgreSQL volume /var/lib/postgresql at 91 %",
        ),
    }
    return made


def api_titles(client, query: str) -> list[str]:
    response = client.get(API, {"search": query})
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def page_titles(response) -> list[str]:
    return re.findall(r'<tr data-incident="INC-\d+">\s*<td class="nowrap"><a [^>]+>INC-\d+</a></td>\s*<td>([^<]*)</td>',
                      response.content.decode())  # fmt: skip


# --- the examples, through the API ------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("replication pay-db", [LAG]),  # words in any order; a host name's prefix
        ("payment", ["Card authorisations time out"]),  # the service's name, another word form
        ("replicaton", [LAG]),  # a typo: the trigram fallback
        ("Replication PAY-DB-1", [LAG]),  # case does not matter; the whole host name
        ("postgresql", ["Disk almost full"]),  # the description
        ("database disk", ["Disk almost full"]),  # service name and title together
        ("login slow", ["Login page slow"]),
        ("nothing-like-this", []),
    ],
)
def test_api_search_finds_the_examples(desk, agent, client_for, query, expected):
    assert api_titles(client_for(agent), query) == expected


def test_number_finds_that_incident_first(desk, agent, client_for, incident_factory):
    lag = desk["lag"]
    digits = str(int(lag.number.split("-")[1]))
    incident_factory(title=f"Port {digits} refused", service=lag.service, reporter=agent)
    incident_factory(title=f"Rack {digits}0 power", service=lag.service, reporter=agent)
    client = client_for(agent)
    for query in (lag.number, digits, f"inc-{digits}", lag.number.lower()):
        titles = api_titles(client, query)
        assert titles[0] == LAG, query
    assert api_titles(client, digits) == [LAG, f"Port {digits} refused"]  # digits match whole numbers


def test_comment_text_is_found_and_internal_notes_only_by_who_may_read_them(desk, agent, viewer, client_for):
    services.incident_comment_add(incident=desk["login"], actor=agent, body="Customer on the Frankfurt VPN")
    services.incident_comment_add(
        incident=desk["card"],
        actor=agent,
        body="Acquirer hotline says rollback tonight",
        visibility="internal",
    )
    assert api_titles(client_for(agent), "frankfurt") == ["Login page slow"]
    assert api_titles(client_for(viewer), "frankfurt") == ["Login page slow"]
    assert api_titles(client_for(agent), "acquirer hotline") == ["Card authorisations time out"]
    assert api_titles(client_for(viewer), "acquirer hotline") == []  # a viewer cannot read work notes


def test_renaming_a_service_or_ci_rewrites_the_documents(desk, agent, client_for, incident_factory):
    client = client_for(agent)
    ci = ConfigurationItemFactory(name="lb-edge-7", service=desk["login"].service)
    on_ci = incident_factory(title="TLS handshake errors", service=ci.service, ci=ci, reporter=agent)
    assert api_titles(client, "lb-edge-7") == [on_ci.title]

    web = desk["login"].service
    web.name = "Storefront"
    web.save()
    ci.name = "lb-core-2"
    ci.save()
    assert set(api_titles(client, "storefront")) == {"Login page slow", "TLS handshake errors"}
    assert api_titles(client, "web shop") == []
    assert api_titles(client, "lb-core-2") == ["TLS handshake errors"]
    assert api_titles(client, "lb-edge-7") == []


def test_editing_an_incident_rewrites_its_document(desk, agent, client_for):
    services.incident_update(incident=desk["login"], actor=agent, title="Login page returns 503")
    client = client_for(agent)
    assert api_titles(client, "503") == ["Login page returns 503"]
    assert api_titles(client, "slow") == []


def test_resolution_notes_are_searched(desk, agent, client_for):
    incident = services.incident_transition(incident=desk["card"], actor=agent, action="acknowledge")
    services.incident_transition(
        incident=incident,
        actor=agent,
        action="resolve",
        resolution_code="fixed",
        resolution_notes="Rotated the acquirer's certificate",
    )
    assert api_titles(client_for(agent), "certificate") == ["Card authorisations time out"]


def test_incidents_inserted_by_bulk_sql_get_their_document(desk, agent, client_for):
    """The benchmark seeds with INSERT … SELECT: the statement trigger writes their documents too."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO incidents_incident (
                version, created_at, updated_at, number, title, description, impact, urgency, priority,
                source, status, resolution_code, resolution_notes, reporter_id, service_id)
            SELECT 1, now(), now(), 'INC-9' || g, 'Bulk loaded kafka-broker-' || g, '', 3, 3, 4,
                   'web', 'new', '', '', %s, %s
            FROM generate_series(1, 3) AS g
            """,
            [agent.pk, desk["lag"].service_id],
        )
    assert sorted(api_titles(client_for(agent), "kafka-broker")) == [
        f"Bulk loaded kafka-broker-{n}" for n in (1, 2, 3)
    ]


# --- the API: relevance order, explicit ordering, cursor, bad input -----------------------------


def test_api_ranks_by_relevance_unless_an_ordering_is_given(agent, client_for, incident_factory):
    service = ServiceFactory(name="Messaging", slug="messaging")
    in_title = incident_factory(title="Kafka consumer lag", service=service, reporter=agent)
    in_description = incident_factory(
        title="Queue backlog", description="kafka partitions rebalancing", service=service, reporter=agent
    )
    client = client_for(agent)
    assert api_titles(client, "kafka") == [in_title.title, in_description.title]  # title weighs more
    response = client.get(API, {"search": "kafka", "ordering": "-id"})
    assert [row["title"] for row in response.json()["results"]] == [in_description.title, in_title.title]


def test_api_cursor_pages_through_ranked_results_once(agent, client_for, incident_factory):
    service = ServiceFactory(name="Network", slug="network")
    titles = {
        incident_factory(title=f"BGP session flap {n}", service=service, reporter=agent).title
        for n in range(5)
    }
    incident_factory(title="Unrelated", service=service, reporter=agent)
    client, seen, url = client_for(agent), [], f"{API}?search=bgp&page_size=2"
    for _page in range(5):
        body = client.get(url).json()
        seen += [row["title"] for row in body["results"]]
        url = body["next"]
        if not url:
            break
    assert sorted(seen) == sorted(titles)
    assert url is None


@pytest.mark.parametrize("query", ["a & b | !c", "' OR 1=1 --", "x" * 500, "pay-db-1:* & !foo"])
def test_odd_input_is_a_search_not_an_error(desk, agent, client_for, query):
    response = client_for(agent).get(API, {"search": query})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("query", ["':*&|!()<->", "\\", "'", "%_"])
def test_input_without_words_searches_for_nothing(desk, agent, client_for, query):
    response = client_for(agent).get(API, {"search": query})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 4  # no term left: the list as without a search


def test_blank_search_lists_everything(desk, agent, client_for):
    response = client_for(agent).get(API, {"search": "  "})
    assert len(response.json()["results"]) == 4


def test_q_is_the_same_search(desk, agent, client_for):
    response = client_for(agent).get(API, {"q": "replication pay-db"})
    assert [row["title"] for row in response.json()["results"]] == [LAG]


# --- the queue's search box ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [("replication pay-db", "lag"), ("payment", "card"), ("replicaton", "lag"), ("postgresql", "disk")],
)
def test_queue_search_box(desk, agent_client, query, expected):
    response = agent_client.get(QUEUE, {"q": query, "is_open": ""})
    assert rows(response) == [desk[expected].number]


def test_queue_search_by_number(desk, agent_client):
    response = agent_client.get(QUEUE, {"q": desk["disk"].number, "is_open": ""})
    assert rows(response)[0] == desk["disk"].number


def test_queue_search_lists_the_most_relevant_first_unless_another_sort_is_chosen(
    desk, agent, agent_client, incident_factory
):
    lag = desk["lag"]
    digits = str(int(lag.number.split("-")[1]))
    port = incident_factory(
        title=f"Port {digits} refused", service=lag.service, reporter=agent, impact=1, urgency=1
    )

    searched = agent_client.get(QUEUE, {"q": digits, "is_open": ""})
    assert rows(searched) == [lag.number, port.number]  # the number asked for first, whatever its priority
    assert "most relevant first" in searched.content.decode()
    by_priority = agent_client.get(QUEUE, {"q": digits, "is_open": "", "sort": "priority"})
    assert rows(by_priority) == [port.number, lag.number]
    unsearched = agent_client.get(QUEUE, {"is_open": "", "sort": "relevance"})  # no rank to sort by
    assert unsearched.status_code == 200 and "most relevant first" not in unsearched.content.decode()


# --- the header's search page ---------------------------------------------------------------------


def test_header_has_the_search_box(agent_client):
    page = agent_client.get(QUEUE).content.decode()
    assert f'action="{SEARCH}"' in page and 'name="q"' in page


@pytest.mark.parametrize(
    "query, first",
    [("replication pay-db", LAG), ("payment", "Card authorisations time out"), ("replicaton", LAG)],
)
def test_search_page_lists_incidents_most_relevant_first(desk, agent_client, query, first):
    response = agent_client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert page_titles(response)[0] == first


def test_search_page_puts_the_numbered_incident_first(desk, agent_client, agent, incident_factory):
    digits = str(int(desk["login"].number.split("-")[1]))
    incident_factory(title=f"Error {digits} on checkout", service=desk["card"].service, reporter=agent)
    response = agent_client.get(SEARCH, {"q": digits})
    assert page_titles(response) == ["Login page slow", f"Error {digits} on checkout"]


def test_search_page_finds_changes_by_number_and_title(desk, agent_client, make_user):
    manager = make_user(roles.CHANGE_MANAGER)
    upgrade = change_create(actor=manager, title="Upgrade pay-db-1 to PostgreSQL 16")
    other = change_create(actor=manager, title="Rotate TLS certificates")
    page = agent_client.get(SEARCH, {"q": "pay-db"}).content.decode()
    assert f'data-change="{upgrade.number}"' in page and other.number not in page
    page = agent_client.get(SEARCH, {"q": other.number}).content.decode()
    assert f'data-change="{other.number}"' in page and f'data-change="{upgrade.number}"' not in page


def test_search_page_without_a_query_explains_itself(agent_client):
    response = agent_client.get(SEARCH)
    assert response.status_code == 200
    assert b"Search incidents by number" in response.content


def test_search_page_needs_a_sign_in(client):
    response = client.get(SEARCH, {"q": "x"})
    assert response.status_code == 302


def test_search_page_query_count_does_not_grow_with_matches(agent, agent_client, incident_factory):
    service = ServiceFactory(name="Storage", slug="storage")

    def count(query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert agent_client.get(SEARCH, {"q": query}).status_code == 200
        return len(captured)

    incident_factory(title="NFS mount stale", service=service, reporter=agent)
    one = count("nfs")
    for n in range(25):
        incident_factory(title=f"NFS mount stale on node {n}", service=service, reporter=agent)
    many = count("nfs")
    assert many == one
    response = agent_client.get(SEARCH, {"q": "nfs"})
    assert len(page_titles(response)) == 20 and b"all matches in the queue" in response.content


# --- how a query is read, and how it is run --------------------------------------------------------


def test_parse_keeps_host_names_and_drops_query_syntax():
    terms = search.parse("  pay-db-1 & 'replication' | !lag:* pay-db-1 ")
    assert terms.words == ("pay-db-1", "replication", "lag")
    assert search.parse("INC-000042").number == 42 and search.parse("42").number == 42
    assert search.parse("42 lag").number is None
    assert not search.parse(" &|! ")
    assert len(search.parse(" ".join(f"w{n}" for n in range(20))).words) == text_search.MAX_TERMS


def test_the_number_prefix_is_the_services_own():
    assert search.NUMBER_PREFIX == services.NUMBER_PREFIX


@pytest.mark.parametrize("query", ["replication pay-db", "replicaton", "42", "payment"])
def test_search_is_an_index_scan_not_a_sequential_scan(desk, query):
    """At any size the search reads the GIN index of the documents: with sequential scans (and plain
    index walks) priced out, the plan still has none: the documents come from their GIN index."""
    queryset = search.search(Incident.objects.all(), query).order_by(*search.RANK_ORDERING)[:51]
    plan = explain(*queryset.query.sql_with_params())
    assert "Seq Scan" not in plan, plan
    assert "incident_search_document_idx" in plan, plan


def test_documents_waiting_for_the_index_stay_few(db):
    """Every search reads the GIN index's whole pending list (new and changed documents not yet merged):
    it is kept to 128 kB rather than PostgreSQL's 4 MB, so a busy desk's searches stay index-fast."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'incident_search_document_idx'")
        assert cursor.fetchone()[0] == ["gin_pending_list_limit=128"]


def test_typo_corrections_read_the_vocabulary_by_its_trigram_index(desk):
    with connection.cursor() as cursor:  # a vocabulary of some size
        cursor.execute(
            "INSERT INTO incidents_searchword (word) SELECT md5(g::text) FROM generate_series(1, 3000) AS g"
        )
    assert search.corrections(["replicaton", "pay-bd-1", "42"]) == {
        "replicaton": ["replication"],
        "pay-bd-1": ["pay-db-1"],
    }
    plan = explain(*search.correction_query(["replicaton", "pay-bd-1"]))
    assert "Seq Scan" not in plan, plan


def explain(sql, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_searchdocument, incidents_searchword")  # not the shared tables
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
