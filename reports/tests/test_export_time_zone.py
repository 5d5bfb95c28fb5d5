"""The dashboard's CSV says its instants in the reader's zone, with the offset in each value."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core import roles
from core.profiles import profile_update
from incidents.sla import sweep_sla_clocks
from incidents.tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

FILED = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)


def sections(text: str) -> dict[str, list[dict]]:
    found, rows = {}, list(csv.reader(io.StringIO(text)))
    i = 0
    while i < len(rows):
        title, header = rows[i][0], rows[i + 1]
        i += 2
        found[title] = []
        while i < len(rows) and rows[i]:
            found[title].append(dict(zip(header, rows[i], strict=True)))
            i += 1
        i += 1
    return found


def test_the_csv_is_in_the_readers_zone(client, make_user, service):
    tokyo = make_user(roles.MANAGER, username="tokyo")
    profile_update(user=tokyo, time_zone="Asia/Tokyo")
    with time_machine.travel(FILED, tick=False):
        IncidentFactory(reporter=tokyo, service=service, impact=1, urgency=1)
    with time_machine.travel(FILED + timedelta(minutes=100), tick=False):
        sweep_sla_clocks()
        client.force_login(tokyo)
        response = client.get("/dashboards/sla/export.csv", {"from": "2026-12-01", "to": "2026-12-06"})
        assert response.status_code == 200
        found = sections(b"".join(response.streaming_content).decode())
    assert found["SLA dashboard"][0]["generated_at"] == "2026-12-06T15:40:00+09:00"
    [breach] = found["Breaches"]  # swept at 06:40 UTC
    assert breach["target"] == "response" and breach["breached_at"] == "2026-12-06T15:40:00+09:00"
    [at_risk] = found["At risk now"]  # the resolution clock (2 h): due 07:00 UTC
    assert at_risk["due_at"] == "2026-12-06T16:00:00+09:00"
