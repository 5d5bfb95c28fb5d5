"""The change collision benchmark's seed (run with `pytest bench/tests`; not part of `make test`)."""

from datetime import timedelta

import pytest
from django.db.models import Count, Max, Min
from django.utils import timezone

from bench.changes import HORIZON_DAYS, seed_changes, seed_cmdb
from catalog.models import ConfigurationItem
from changes.models import Change, Status

pytestmark = pytest.mark.django_db


def test_seeded_changes_are_scheduled_over_the_horizon_on_1_to_5_cis():
    now = timezone.now()
    ci_ids, _source = seed_cmdb(600)
    assert len(ci_ids) >= 590
    assert ConfigurationItem.depends_on.through.objects.count() > 2 * len(ci_ids)
    links = seed_changes(ci_ids, count=300, now=now)
    changes = Change.objects.all()
    assert changes.count() == 300 and set(changes.values_list("status", flat=True)) == {Status.SCHEDULED}
    per_change = changes.annotate(n=Count("cis")).aggregate(low=Min("n"), high=Max("n"))
    assert (per_change["low"], per_change["high"]) == (1, 5)
    assert links == Change.cis.through.objects.count()
    window = changes.aggregate(first=Min("planned_start"), last=Max("planned_start"))
    assert now < window["first"] and window["last"] < now + timedelta(days=HORIZON_DAYS)
