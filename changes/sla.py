"""The change process's SLA adapter: which policy applies to a change (process "change", by priority)
and who hears of a threshold. The approval clock (remind pending approvers, then escalate to the change
manager) is configured as an SLA target of process "change" that starts when approval is requested."""

from core.processes import Process, register_process
from sla import engine
from sla.engine import ClockAdapter, Firing

from .models import TRANSITIONS, Change

PROCESS = "change"


class ChangeClocks(ClockAdapter):
    process = PROCESS
    model = Change
    sweep_related = ("requester", "implementer")

    def policy_scope(self, change: Change) -> dict:
        return {"priority": change.priority, "service": None}

    def describe(self, change: Change) -> str:
        return change.number

    def publish(self, firings: list[Firing]) -> None:
        """Who hears of an approval reminder or escalation: see changes/approvals.py (to be completed)."""


ADAPTER = ChangeClocks()


def register() -> None:
    """Called from ChangesConfig.ready(): the process and its clocks."""
    register_process(Process(key=PROCESS, label="Change", transitions=TRANSITIONS))
    engine.register_adapter(ADAPTER)
