"""connection.prepared_cursor() (core/postgresql/base.py): PostgreSQL prepares its statements once per
connection, while they are still logged and counted like every other query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_an_api_list_prepares_its_fixed_statements_once(client_for, agent, incident):
    api = client_for(agent)
    with CaptureQueriesContext(connection) as first:
        assert api.get("/api/v1/incidents/").status_code == 200
    prepared = prepared_statements()
    assert any('"authtoken_token"' in sql for sql in prepared)  # the signed-in user, by token
    assert any('FROM "sla_slaclock"' in sql for sql in prepared)  # the rows' SLA clocks
    with CaptureQueriesContext(connection) as second:
        assert api.get("/api/v1/incidents/").status_code == 200
    assert len(prepared_statements()) == len(prepared)  # the second request prepared nothing more
    assert len(second) == len(first)  # and each statement is still counted
    token_reads = [query["sql"] for query in second if '"authtoken_token"' in query["sql"]]
    assert len(token_reads) == 1 and "%s" not in token_reads[0]  # logged with its values written in


def test_the_orm_s_statements_are_not_prepared(agent):
    from incidents.models import Incident

    list(Incident.objects.filter(title="x"))
    assert not any('"incidents_incident"."title"' in sql for sql in prepared_statements())
