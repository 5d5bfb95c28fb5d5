"""The breach list's two branches (reports.clock_rows) are exactly sla.states.breached_q, split in
two disjoint parts, at any instant; a page reads through them in one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.clock_rows import final_breach_q, unswept_breach_q
from reports.metrics import period_bounds, sla_metrics
from sla.models import SlaClock
from sla.states import breached_q

from .conftest import FIRST_DAY, LAST_DAY, NOW, at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("when", [at(5, 12), at(11, 12), at(16, 1), NOW, NOW + timedelta(days=3)])
def test_final_and_unswept_breaches_are_exactly_the_breached_clocks(scenario, when):
    def ids(condition) -> set[int]:
        return set(SlaClock.objects.filter(condition).values_list("pk", flat=True))

    final, unswept = ids(final_breach_q()), ids(unswept_breach_q(when))
    assert final | unswept == ids(breached_q(when))
    assert not final & unswept


def test_the_pages_of_breaches_add_up_to_the_streamed_list_in_the_same_queries(scenario, monkeypatch):
    from reports import metrics as metrics_module

    monkeypatch.setattr(metrics_module, "PAGE_SIZE", 3)
    start, end = period_bounds(FIRST_DAY, LAST_DAY)
    first = sla_metrics(start=start, end=end, now=NOW)
    seen, counts = [], set()
    for number in range(1, first.breaches.pages + 1):
        with CaptureQueriesContext(connection) as captured:
            metrics = sla_metrics(start=start, end=end, now=NOW, breaches_page=number)
        counts.add(len(captured))
        seen += [(item.number, item.target) for item in metrics.breaches]
    assert len(counts) == 1  # the last page costs what the first does
    streamed = list(first.breaches.tuples("incident__number", "target", "breach_instant", "object_id"))
    assert seen == [(number, target) for number, target, _, _ in streamed]
    assert len(seen) == first.breaches.total == 8
    instants = [instant for _, _, instant, _ in streamed]
    assert instants == sorted(instants, reverse=True)
