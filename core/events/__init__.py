"""Domain events: the bus every automation uses (ARCHITECTURE.md §5).

    # an app's events.py                          # its AppConfig.ready()
    SOMETHING_HAPPENED = EventType(               registry.register(*events.EVENT_TYPES)
        "thing.happened", 1, "…", fields=(…))     registry.subscribe(handlers.on_thing, to=["thing.happened"])

    # a service, inside its transaction
    publish(type="thing.happened", payload={…}, key=f"thing:{pk}:happened", subject=thing, actor=actor)

Events are rows (core.models.Event) written with the change; after commit a task dispatches them
to the subscribed handlers (dispatch.py), a beat sweep catches whatever a lost nudge left behind."""

from .dispatch import TRANSIENT_ERRORS, RetryLater, dispatch, dispatch_due
from .publish import NewEvent, publish, publish_many
from .registry import ALL, EventType, Field, Registry, registry

__all__ = [
    "ALL",
    "TRANSIENT_ERRORS",
    "EventType",
    "Field",
    "NewEvent",
    "Registry",
    "RetryLater",
    "dispatch",
    "dispatch_due",
    "publish",
    "publish_many",
    "registry",
]
