"""The alert burst's bodies are real Alertmanager webhook bodies: one group per body, every alert
its own fingerprint, and they read as the endpoint reads them."""

from datetime import UTC, datetime

from alerts import payloads
from bench.alerts import group_bodies, percentile


def test_groups_of_fifty_with_distinct_fingerprints_and_group_keys():
    bodies = group_bodies(alerts=120, group_size=50, started=datetime(2026, 1, 1, tzinfo=UTC))
    assert [len(body["alerts"]) for body in bodies] == [50, 50, 20]
    signals = [s for body in bodies for s in payloads.alertmanager_signals(body, by_group=True)]
    assert len({s.key for s in signals}) == 120
    assert len({s.group_key for s in signals}) == 3
    assert all(s.status == "firing" and s.severity == "warning" for s in signals)


def test_percentile():
    assert percentile([float(n) for n in range(1, 101)], 0.99) == 99.0
    assert percentile([5.0], 0.99) == 5.0
