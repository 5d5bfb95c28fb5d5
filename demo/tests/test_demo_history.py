"""The demo's 90 days of incidents: a shape a manager recognises, figures on the SLA dashboard, and
still idempotent. The whole history is loaded once here (a minute under the test settings on a busy
machine); test_demo_data.py loads a short one."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import Event, TimelineEntry
from core.timeline import timeline_for
from demo import builder as demo
from demo import history
from incidents.models import Incident, Status
from reports.metrics import sla_metrics
from reports.models import SlaDailyOutcome
from sla.models import SlaClock
from sla.states import breached_q

pytestmark = pytest.mark.django_db

AGENTS = {"Service Desk": ["agent", "alice", "bob"], "Platform team": ["carol", "dave"]}


def test_the_story_has_office_hours_peaks_weekends_and_storms(monkeypatch):
    monkeypatch.setattr(history, "DAYS", 90)
    now = timezone.now()
    plans = history.build_story(now, agents=AGENTS)
    assert 200 <= len(plans) <= 400
    assert min(p.at for p in plans) >= now - timedelta(days=90)
    assert max(p.at for p in plans) > now - timedelta(days=2)
    zone = timezone.get_default_timezone()
    hours = Counter(timezone.localtime(p.at, zone).hour for p in plans)
    office = sum(hours[h] for h in range(8, 18))
    assert office > 2 * (len(plans) - office)  # business hours dominate
    weekdays = Counter(timezone.localtime(p.at, zone).weekday() < 5 for p in plans)
    assert weekdays[True] / 5 > 2 * weekdays[False] / 2  # a weekday is busier than a weekend day
    leads = [p for p in plans if p.priority == 1 and p.description.startswith("Major incident")]
    assert len(leads) == 3  # the P1 storms: each followed by a burst of calls about the same service
    for lead in leads:
        burst = [
            p for p in plans if p.service == lead.service and lead.at <= p.at < lead.at + timedelta(hours=1)
        ]
        assert len(burst) >= 5 and sum(p.priority <= 2 for p in burst) == len(burst)
    actions = Counter(step[1] for p in plans for step in p.steps)
    assert actions["hold"] and actions["reopen"] and actions["cancel"] and actions["close"]
    assert history.build_story(now, agents=AGENTS)[5].title == plans[5].title  # seeded: the same story


def test_ninety_days_through_the_services_with_breaches_holds_reopenings_and_dashboard_figures(monkeypatch):
    monkeypatch.setattr(history, "DAYS", 90)  # the whole story (conftest.py shortens it elsewhere)
    started = time.monotonic()
    call_command("load_demo")
    took = time.monotonic() - started
    now = timezone.now()
    incidents = Incident.objects.all()
    counts = {"incidents": incidents.count(), "timeline": TimelineEntry.objects.count()}
    assert counts["incidents"] > 200, took

    # spread over 90 days, filed when the story says (the clock moved, not a created_at rewrite)
    oldest = incidents.order_by("created_at").first()
    assert now - timedelta(days=91) < oldest.created_at < now - timedelta(days=85)
    created = timeline_for(oldest).get(kind=TimelineEntry.Kind.CREATED)
    assert created.created_at == oldest.created_at
    weeks = set(incidents.values_list("created_at__week", flat=True))
    assert len(weeks) >= 12

    # the lifecycle's variety
    statuses = Counter(incidents.values_list("status", flat=True))
    assert statuses[Status.CLOSED] > 100 and statuses[Status.CANCELLED] >= 3
    assert statuses[Status.ON_HOLD] >= 1 and (statuses[Status.NEW] + statuses[Status.IN_PROGRESS]) >= 1
    assert incidents.filter(reopened_at__isnull=False).count() >= 5
    held = TimelineEntry.objects.filter(to_state=Status.ON_HOLD).values("object_id").distinct().count()
    assert held >= 10
    breached = SlaClock.objects.filter(breached_q(now)).count()
    clocks = SlaClock.objects.count()
    assert 0.05 < breached / clocks < 0.4  # some breaches, not a disaster
    assert TimelineEntry.objects.filter(kind=TimelineEntry.Kind.SLA, data__threshold="breach").exists()
    acked = incidents.filter(acknowledged_at__isnull=False)
    delays = {round((i.acknowledged_at - i.created_at).total_seconds() / 60) for i in acked}
    assert len(delays) > 50  # varied response times

    # history is not announced again; the last day is
    assert not Event.objects.filter(occurred_at__lt=now - timedelta(days=1), dispatch_due_at__isnull=False)

    # the dashboard: 90 days of non-zero figures, the roll-up refreshed
    assert SlaDailyOutcome.objects.exists()
    metrics = sla_metrics(start=now - timedelta(days=90), end=now)
    overall = metrics.overall
    assert overall.incidents > 200
    assert overall.response.met and overall.response.breached
    assert overall.resolution.met and overall.resolution.breached
    assert overall.mtta.count and overall.mttr.count and overall.mttr.p90 > overall.mttr.p50
    assert sum(1 for week in metrics.weekly if week.incidents) >= 12
    assert metrics.backlog_total.total > 0

    # a second run adds nothing
    call_command("load_demo")
    assert (Incident.objects.count(), TimelineEntry.objects.count()) == (
        counts["incidents"],
        counts["timeline"],
    )
    assert str(demo.load_demo()) == "Demo data already present; nothing created."
    print(f"load_demo took {took:.1f} s for {counts['incidents']} incidents")
