"""The one registry of domain event types and of the handlers subscribed to them.

Each app declares its event types in its `events.py` and registers them from `AppConfig.ready()`;
apps that react to events subscribe their handlers there too. Webhooks, the API
(`/api/v1/event-types/`) and the README read the types from here."""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

FIELD_TYPES = ("string", "integer", "boolean", "object", "array")
_PYTHON_TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list | tuple}
ALL = "*"


@dataclass(frozen=True)
class Field:
    """One payload field: its JSON type, what it means, whether it may be null, and (objects) its own fields."""

    name: str
    type: str
    description: str
    nullable: bool = False
    fields: tuple["Field", ...] = ()

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ImproperlyConfigured(f"Field {self.name!r}: type must be one of {FIELD_TYPES}.")

    def problem(self, value) -> str | None:
        """Why `value` does not fit this field, or None."""
        if value is None:
            return None if self.nullable else f"{self.name!r} may not be null"
        expected = _PYTHON_TYPES[self.type]
        if not isinstance(value, expected) or (self.type == "integer" and isinstance(value, bool)):
            return f"{self.name!r} must be a JSON {self.type}, not {type(value).__name__}"
        return None


@dataclass(frozen=True)
class EventType:
    """A named, versioned kind of event and the fields of its payload."""

    name: str
    version: int
    description: str
    fields: tuple[Field, ...] = ()

    def problems(self, payload: dict) -> list[str]:
        """What is missing or mistyped in `payload` (undeclared extra keys are the caller's affair)."""
        if not isinstance(payload, dict):
            return ["the payload must be a dict"]
        found = []
        for spec in self.fields:
            if spec.name not in payload:
                found.append(f"{spec.name!r} is missing")
            elif problem := spec.problem(payload[spec.name]):
                found.append(problem)
        return found


Handler = Callable[[list], None]


@dataclass(frozen=True)
class Subscription:
    name: str
    handler: Handler
    types: frozenset[str] = field(default_factory=frozenset)

    def wants(self, event_type: str) -> bool:
        return ALL in self.types or event_type in self.types


class Registry:
    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}
        self._subscriptions: dict[str, Subscription] = {}

    # --- event types ---

    def register(self, *event_types: EventType) -> None:
        """Declare event types; registering the same definition again is a no-op, a different one
        under a taken name is a configuration error."""
        for event_type in event_types:
            known = self._types.get(event_type.name)
            if known is not None and known != event_type:
                raise ImproperlyConfigured(
                    f"Event type {event_type.name!r} is registered twice, differently."
                )
            self._types[event_type.name] = event_type

    def get(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise LookupError(f"Unknown event type {name!r}: declare it in an app's events.py.") from None

    def types(self) -> list[EventType]:
        return sorted(self._types.values(), key=lambda event_type: event_type.name)

    def names(self) -> list[str]:
        return sorted(self._types)

    # --- handlers ---

    def subscribe(self, handler: Handler, *, to: Iterable[str] | str, name: str = "") -> Subscription:
        """Run `handler(events)` for events of the given types (or "*": all) after they commit.

        A handler takes a list of events (a sweep may dispatch hundreds at once): keep its query
        count constant per call. `name` identifies it in the handler-run log; keep it stable."""
        types = frozenset([to] if isinstance(to, str) else to)
        unknown = types - set(self._types) - {ALL}
        if unknown:
            raise ImproperlyConfigured(f"Cannot subscribe to unknown event types: {sorted(unknown)}.")
        name = name or f"{handler.__module__}.{handler.__qualname__}"
        known = self._subscriptions.get(name)
        if known is not None and known.handler is not handler:
            raise ImproperlyConfigured(f"Handler name {name!r} is taken.")
        subscription = Subscription(name, handler, types)
        self._subscriptions[name] = subscription
        return subscription

    def subscriptions(self) -> list[Subscription]:
        return list(self._subscriptions.values())

    @contextlib.contextmanager
    def scoped(self) -> Iterator["Registry"]:
        """For tests: whatever is registered or subscribed inside the block is forgotten after it."""
        types, subscriptions = dict(self._types), dict(self._subscriptions)
        try:
            yield self
        finally:
            self._types, self._subscriptions = types, subscriptions


registry = Registry()
