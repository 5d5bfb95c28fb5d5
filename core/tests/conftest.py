"""Fixtures for the event bus tests (a test event type and recording handlers, forgotten afterwards) and
for the API rate limit (`limited`)."""

import pytest

from core.api.throttling import UserRateThrottle
from core.events import EventType, Field, registry

PINGED = EventType("test.pinged", 1, "A test event.", (Field("n", "integer", "A number."),))


class Recorder:
    """A handler that records the event keys it was called with; `fail` decides what it raises."""

    def __init__(self, name: str):
        self.name = name
        self.calls: list[list[str]] = []
        self.fail = None  # callable(event) -> exception or None

    def __call__(self, events) -> None:
        self.calls.append([event.key for event in events])
        for event in events:
            if self.fail and (error := self.fail(event)):
                raise error

    @property
    def keys(self) -> list[str]:
        return [key for call in self.calls for key in call]


@pytest.fixture
def bus(settings):
    """The real path (dispatch after commit, or by the sweep), a test event type and two recorders."""
    settings.EVENTS_DISPATCH_INLINE = False
    with registry.scoped():
        registry.register(PINGED)
        first, second = Recorder("test.first"), Recorder("test.second")
        registry.subscribe(first, to=["test.pinged"], name=first.name)
        registry.subscribe(second, to="*", name=second.name)
        yield first, second


class ThreePerMinute(UserRateThrottle):
    rate = "3/min"


@pytest.fixture
def limited(monkeypatch):
    """The incident API counts a rate limit of 3 a minute (tests run without throttles otherwise)."""
    from incidents.api.views import IncidentViewSet

    monkeypatch.setattr(IncidentViewSet, "throttle_classes", [ThreePerMinute])
