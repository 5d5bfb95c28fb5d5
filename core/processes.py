"""The registry of processes (e.g. INC, CHG, PRB records): each process app registers itself in
its AppConfig.ready(), and process-neutral code (SLA policies, escalation policies) validates a
process key against it instead of hard-coding a list."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

CREATE = "create"  # the pseudo-transition of filing a record, before any lifecycle transition


@dataclass(frozen=True)
class Process:
    key: str  # the name stored in policies and used in event names
    label: str
    transitions: tuple[str, ...] = ()  # the lifecycle's actions, e.g. ("acknowledge", "resolve")
    default: bool = False  # the process an API assumes when a request names none

    @property
    def actions(self) -> tuple[str, ...]:
        """What a policy may react to: filing the record, then each transition."""
        return (CREATE, *self.transitions)


_registry: dict[str, Process] = {}


def register_process(process: Process) -> Process:
    """Register (or re-register, e.g. when ready() runs twice) a process under its key."""
    _registry[process.key] = process
    return process


def unregister_process(key: str) -> None:
    """For tests that register a throw-away process."""
    _registry.pop(key, None)


def get_process(key: str) -> Process:
    try:
        return _registry[key]
    except KeyError:
        raise ValidationError(
            f"'{key}' is not a known process. Known processes: {', '.join(sorted(_registry)) or 'none'}."
        ) from None


def processes() -> list[Process]:
    return sorted(_registry.values(), key=lambda p: p.key)


def default_process() -> Process | None:
    marked = [p for p in _registry.values() if p.default]
    if marked:
        return marked[0]
    return next(iter(_registry.values())) if len(_registry) == 1 else None


def validate_process(value: str) -> None:
    """A model-field validator: the value must name a registered process."""
    get_process(value)
