"""Changes filed and walked through the services, exactly as users do (numbers, timeline, risk)."""

from datetime import datetime

from django.db import transaction

from changes import services
from changes.lifecycle import change_apply, change_lock
from changes.models import Change, ChangeTemplate, ChangeTemplateTask, ChangeType, Status

PLANS = {
    "implementation_plan": "Run the playbook on each node in turn.",
    "rollback_plan": "Restore the previous release from the artefact store.",
    "test_plan": "Smoke-test checkout and payments.",
}


def standard_template(name: str = "Rotate TLS certificate") -> ChangeTemplate:
    template, created = ChangeTemplate.objects.get_or_create(
        name=name,
        defaults={
            "title": "Rotate the TLS certificate of a web front",
            "implementation_plan": "Install the new certificate and reload nginx.",
            "rollback_plan": "Reinstall the previous certificate.",
            "test_plan": "Check the handshake with openssl s_client.",
        },
    )
    if created:
        ChangeTemplateTask.objects.create(template=template, position=1, title="Install the certificate")
        ChangeTemplateTask.objects.create(template=template, position=2, title="Reload nginx")
    return template


def change_create(*, actor, **fields) -> Change:
    values = {"title": "Upgrade PostgreSQL to 16.4", **PLANS, **fields}
    return services.change_create(actor=actor, **values)


# The lifecycle steps that take a new normal change to each state (approve and schedule are the CAB's
# and the scheduler's: applied through the shared transition step here).
PATH_TO = {
    Status.DRAFT: (),
    Status.SUBMITTED: ("submit",),
    Status.ASSESSMENT: ("submit", "begin_assessment"),
    Status.AWAITING_APPROVAL: ("submit", "begin_assessment", "assess"),
    Status.APPROVED: ("submit", "begin_assessment", "assess", "approve"),
    Status.REJECTED: ("submit", "begin_assessment", "assess", "reject"),
    Status.SCHEDULED: ("submit", "begin_assessment", "assess", "approve", "schedule"),
    Status.IMPLEMENTING: ("submit", "begin_assessment", "assess", "approve", "schedule", "start"),
    Status.IMPLEMENTED: ("submit", "begin_assessment", "assess", "approve", "schedule", "start", "complete"),
    Status.IN_REVIEW: ("submit", "begin_assessment", "assess", "approve", "schedule", "start", "complete", "review"),
    Status.CLOSED: (
        "submit", "begin_assessment", "assess", "approve", "schedule", "start", "complete", "review", "close",
    ),
    Status.CANCELLED: ("cancel",),
}  # fmt: skip
PARAMS = {
    "reject": {"reason": "Not now."},
    "complete": {"outcome": "successful", "data": {"outcome": "successful"}},
    "review": {"by": None, "notes": "Went fine.", "lessons": ""},
    # What changes.scheduling.change_schedule publishes with the step (here: no freeze, no conflicts).
    "schedule": {
        "data": {
            "planned_start": "2030-01-07T09:00:00+00:00",
            "planned_end": "2030-01-07T11:00:00+00:00",
            "freeze_windows": [],
            "override_reason": "",
            "conflicts": [],
            "acknowledged": [],
        }
    },
}


def change_walk(locked: Change, actions, *, actor, at: datetime | None = None) -> Change:
    """Apply `actions` in order to a change locked by `change_lock`, in the caller's transaction,
    through the shared lifecycle step (with the PARAMS each one needs)."""
    for action in actions:
        locked = change_apply(locked, action=action, actor=actor, at=at, **PARAMS.get(action, {}))
    return locked


def change_in_state(status: str, *, actor, type: str = ChangeType.NORMAL, **fields) -> Change:
    """A change of `type` taken to `status` through the shared lifecycle step, one transaction a step
    (any type: a standard one is pre-approved instead of assessed and approved)."""
    if type == ChangeType.STANDARD:
        fields.setdefault("template", standard_template())
    change = change_create(actor=actor, type=type, **fields)
    for action in PATH_TO[status]:
        if type == ChangeType.STANDARD:
            action = {"begin_assessment": None, "assess": None, "approve": "pre_approve"}.get(action, action)
            if action is None:
                continue
        if type == ChangeType.EMERGENCY and action == "schedule" and status != Status.SCHEDULED:
            continue  # an approved emergency change starts at once
        with transaction.atomic():
            change = change_walk(change_lock(change), [action], actor=actor)
    return Change.objects.get(pk=change.pk)
