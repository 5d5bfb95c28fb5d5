"""Policies for tests, built the way the services build them (targets completed from the
process's templates)."""

from sla.models import SlaPolicy, SlaTarget
from sla.services import sla_target_spec


def make_sla_policy(*, priority: int, targets: dict, process: str = "incident", **fields) -> SlaPolicy:
    """`targets`: name → duration, or name → spec dict (duration and any action lists)."""
    fields.setdefault("name", f"{process} P{priority}")
    policy = SlaPolicy.objects.create(process=process, priority=priority, **fields)
    for position, (name, value) in enumerate(targets.items()):
        spec = value if isinstance(value, dict) else {"duration": value}
        spec = sla_target_spec(process=process, spec={"name": name, **spec})
        SlaTarget.objects.create(policy=policy, position=position, **spec)
    return policy
