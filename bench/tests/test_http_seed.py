"""The HTTP benchmark's seed and URL hook (run with `pytest bench/tests`; not part of `make test`)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Min, Q
from django.urls import Resolver404, resolve

from bench.http_seed import seed_http_incidents
from bench.seed import seed_people
from core.models import TimelineEntry
from incidents.models import OPEN_STATUSES, Incident
from sla.models import SlaClock

pytestmark = pytest.mark.django_db

COUNT = 3000


@pytest.fixture
def seeded():
    seed_http_incidents(seed_people(teams=3, email=False), count=COUNT)
    return Incident.objects.all()


def test_shape(seeded):
    assert seeded.count() == COUNT
    open_share = seeded.filter(status__in=OPEN_STATUSES).count() / COUNT
    assert 0.04 < open_share < 0.07
    assert set(seeded.values_list("status", flat=True)) == {
        "new", "acknowledged", "in_progress", "on_hold", "closed", "resolved", "cancelled"
    }  # fmt: skip
    assert set(seeded.values_list("priority", flat=True)) == {1, 2, 3, 4}
    span = seeded.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert 700 < (span["last"] - span["first"]).days <= 730


def test_clocks_stop_with_the_incident(seeded):
    content_type = ContentType.objects.get_for_model(Incident)
    clocks = SlaClock.objects.filter(content_type=content_type)
    assert clocks.count() == 2 * COUNT
    closed = list(seeded.exclude(status__in=OPEN_STATUSES).values_list("id", flat=True))
    resolution = clocks.filter(target="resolution")
    assert not resolution.filter(object_id__in=closed, stopped_at__isnull=True).exists()
    assert not resolution.filter(object_id__in=closed).exclude(next_fire_at=None).exists()
    open_ids = seeded.filter(status__in=OPEN_STATUSES).values_list("id", flat=True)
    assert not resolution.filter(object_id__in=list(open_ids), running_since__isnull=True).exists()
    breached = resolution.filter(object_id__in=closed, breached_at__isnull=False).count() / len(closed)
    assert 0.05 < breached < 0.3


def test_sla_columns_are_what_the_engine_keeps(seeded):
    """`sla_due_at` (the soonest running deadline) and `sla_breached_from`, as the SLA engine keeps them
    (sla.engine.derived_values)."""
    from incidents.sla import ADAPTER
    from sla.engine import derived_values

    clocks = {}
    for clock in SlaClock.objects.all():
        clocks.setdefault(clock.object_id, []).append(clock)
    stored = {row["id"]: row for row in seeded.values("id", "sla_due_at", "sla_breached_from")}
    assert stored == {pk: {"id": pk, **derived_values(ADAPTER, clocks[pk])} for pk in stored}
    assert 0 < sum(row["sla_due_at"] is not None for row in stored.values()) < COUNT / 10
    breached = sum(row["sla_breached_from"] is not None for row in stored.values())
    assert COUNT / 20 < breached < COUNT / 2


def test_only_drives_the_named_endpoints_and_their_references():
    from bench.http_bench import endpoints, selected

    points = endpoints(token="t", cookie="c", service_id=1, reporter_id=1)
    assert selected(points, ()) == points
    names = [point.name for point in selected(points, ("priority", "API CREATE"))]
    assert names == ["bare list (cursor)", "API list ?priority=1", "bare create", "API create"]
    assert [point.name for point in selected(points, ("dashboard",))] == ["SLA dashboard, 90 days"]


def test_timeline_has_one_entry_per_transition(seeded):
    counts = dict(
        TimelineEntry.objects.values_list("object_id").annotate(n=Count("id")).values_list("object_id", "n")
    )
    for incident in seeded.only("id", "version"):
        assert counts[incident.id] == incident.version  # created + one per transition
    assert not seeded.filter(Q(status="closed") & Q(closed_at=None)).exists()


def test_reference_endpoints_are_not_mounted_by_default():
    with pytest.raises(Resolver404):
        resolve("/bench-ref/incidents/")


def test_sweep_seed_shares_the_policy_rows():
    """bench/seed.py (the SLA benchmark) runs on the same policy CTE and parameters."""
    from bench.seed import seed_incidents

    seed_incidents(seed_people(teams=2, email=False), count=90, due_from=60, due_to=120)
    assert Incident.objects.filter(status="acknowledged").count() == 90
    assert SlaClock.objects.filter(target="resolution", next_fire_at__isnull=False).count() == 90
    assert TimelineEntry.objects.count() == 4 * 90
