"""What the incident pages share: labels as users see them and the htmx partial test."""

from .. import services
from ..models import TRANSITION_LABELS, HoldReason, Priority, ResolutionCode, Status, priority_for

ACTION_LABELS = TRANSITION_LABELS
ACTIONS_WITH_FORM = frozenset({"resolve", "hold", *services.NOTE_REQUIRED})
STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)
RESOLUTION_LABELS = dict(ResolutionCode.choices)
FIELD_LABELS = {"ci": "Configuration item", "assignment_group": "Assignment group", "caller": "Affected user"}
HOLD_LABELS = dict(HoldReason.choices)
TIMESTAMPS = (
    ("created_at", "Created"),
    ("acknowledged_at", "Acknowledged"),
    ("started_at", "Work started"),
    ("on_hold_at", "On hold since"),
    ("resume_at", "Resumes by itself"),
    ("reopened_at", "Reopened"),
    ("resolved_at", "Resolved"),
    ("closed_at", "Closed"),
    ("cancelled_at", "Cancelled"),
    ("updated_at", "Last updated"),
)


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- queue ------------------------------------------------------------------------------------


def form_priority(form):
    impact, urgency = (form[name].value() for name in ("impact", "urgency"))
    try:
        return priority_for(impact, urgency)
    except (KeyError, TypeError, ValueError):
        return None
