import pytest

from demo import history


@pytest.fixture(autouse=True)
def short_history(settings, monkeypatch):
    """Demo loads in these tests play a few days of history (test_demo_history.py plays all 90), and
    dispatch events after commit as under `make run`."""
    settings.EVENTS_DISPATCH_INLINE = False
    monkeypatch.setattr(history, "DAYS", 4)
    return history.DAYS
