"""Changes for tests, moved through the lifecycle with the shared transition step (changes.lifecycle),
so they carry the timeline, clocks, events and approval state a real one has."""

import importlib
from datetime import datetime

import factory
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from changes.approvals import approval_requested
from changes.lifecycle import change_lock
from changes.models import ApprovalPolicy, Change, ChangeType
from changes.tests.factories import PATH_TO, change_walk
from core import roles
from core.numbering import next_number
from core.tests.factories import UserFactory
from sla.models import SlaPolicy

LEAD, OWNER, OPS = roles.CAB_TECH_LEAD, roles.CAB_PRODUCT_OWNER, roles.CAB_OPS_MANAGER

# The data migrations whose rows the change process needs (a transactional test flushes them).
_REFERENCE = (
    ("changes.migrations.0002_default_approval_policies", "forwards", ApprovalPolicy, {}),
    (
        "changes.migrations.0006_chgcab_approval_clock",
        "load_approval_clock",
        SlaPolicy,
        {"process": "change"},
    ),
)


def ensure_change_reference_data() -> None:
    """Put back the default approval policies and the approval clock's SLA policies if missing."""
    for module, function, model, lookup in _REFERENCE:
        if not model.objects.filter(**lookup).exists():
            getattr(importlib.import_module(module), function)(apps, None)


class ChangeFactory(factory.django.DjangoModelFactory):
    """A draft change with every plan filled in (ready to submit)."""

    class Meta:
        model = Change

    number = factory.LazyFunction(lambda: next_number("CHG", model=Change))
    type = ChangeType.NORMAL
    title = factory.Sequence(lambda n: f"Upgrade the payment gateway #{n}")
    description = "Move the gateway to the next minor version."
    justification = "Security fixes."
    implementation_plan = "Roll the new version out node by node."
    rollback_plan = "Redeploy the previous image."
    test_plan = "Run the checkout smoke tests."
    requester = factory.SubFactory(UserFactory, roles=[roles.AGENT])


def change_in_state(state: str, *, at: datetime | None = None, actor=None, **fields) -> Change:
    """A change moved to `state` (draft … awaiting_approval; the steps of factories.PATH_TO, in one
    transaction); reaching awaiting_approval opens its approval round under the active policy, as the
    assess service does."""
    ensure_change_reference_data()
    change = ChangeFactory(**fields)
    at = at or timezone.now()
    with transaction.atomic():
        locked = change_lock(change)
        locked = change_walk(locked, PATH_TO[state], actor=actor or locked.requester, at=at)
        if state == "awaiting_approval":
            approval_requested(change=locked, at=at)
    return locked


def change_awaiting_approval(**fields) -> Change:
    return change_in_state("awaiting_approval", **fields)


def cab_member(role: str, username: str | None = None):
    """A user holding one CAB role (or several: pass a list)."""
    names = [role] if isinstance(role, str) else list(role)
    return UserFactory(roles=names, **({"username": username} if username else {}))
