"""The events the incident process publishes (registered in core's registry from apps.py).

Every payload carries the incident as `incident` (see INCIDENT); transitions add `from`, `to` and
`note`, escalations `level`, SLA thresholds `target` and `threshold`. Webhook bodies are
`{"id": <event key>, "type": <name>, "created_at": <when>, "data": <payload>}`."""

from core.events import EventType, Field

INCIDENT = Field(
    "incident",
    "object",
    "The incident as it is after the change.",
    fields=(
        Field("id", "integer", "Database id (/api/v1/incidents/<id>/)."),
        Field("number", "string", "INC-000123."),
        Field("title", "string", "Title."),
        Field("status", "string", "Status after the change (new, acknowledged, ..., closed, cancelled)."),
        Field("priority", "integer", "1 (critical) to 4 (low)."),
        Field("service", "string", "Slug of the affected service."),
        Field("assignee", "string", "Username of the assignee.", nullable=True),
        Field("assignment_group", "string", "Name of the assigned group.", nullable=True),
    ),
)
TRANSITION_FIELDS = (
    INCIDENT,
    Field("from", "string", "Status before the transition."),
    Field("to", "string", "Status after the transition."),
    Field("note", "string", "The note given with the transition (may be empty)."),
)
SLA_FIELDS = (
    INCIDENT,
    Field("target", "string", "Which clock: response (time to acknowledge) or resolution."),
    Field("threshold", "string", "warning_50, warning_75 or breach."),
)

CREATED = EventType("incident.created", 1, "An incident was filed.", (INCIDENT,))
ASSIGNED = EventType(
    "incident.assigned", 1, "An incident was filed for, or assigned to, someone.", (INCIDENT,)
)
ESCALATED = EventType(
    "incident.escalated",
    1,
    "An escalation level fired (automatically or by hand).",
    (INCIDENT, Field("level", "integer", "The escalation level that fired (1, 2, ...).")),
)
COMMENTED = EventType(
    "incident.commented",
    1,
    "A public update was added (internal work notes publish nothing); its watchers and caller hear of it.",
    (
        INCIDENT,
        Field("comment", "string", "The update's text."),
        Field("author", "string", "Username of who wrote it."),
    ),
)
SLA_WARNING = EventType(
    "incident.sla_warning", 1, "An SLA clock passed 50 % or 75 % of its target.", SLA_FIELDS
)
SLA_BREACHED = EventType("incident.sla_breached", 1, "An SLA clock passed its target.", SLA_FIELDS)

# The event of each transition (services.py announces them).
TRANSITIONS = {
    "acknowledge": EventType(
        "incident.acknowledged", 1, "Acknowledged: the response clock stops.", TRANSITION_FIELDS
    ),
    "start": EventType("incident.started", 1, "Work started.", TRANSITION_FIELDS),
    "hold": EventType("incident.held", 1, "Put on hold: the resolution clock pauses.", TRANSITION_FIELDS),
    "resume": EventType("incident.resumed", 1, "Resumed from hold.", TRANSITION_FIELDS),
    "resolve": EventType("incident.resolved", 1, "Resolved: the resolution clock stops.", TRANSITION_FIELDS),
    "close": EventType("incident.closed", 1, "Closed after resolution.", TRANSITION_FIELDS),
    "reopen": EventType("incident.reopened", 1, "Reopened after resolution.", TRANSITION_FIELDS),
    "cancel": EventType(
        "incident.cancelled", 1, "Cancelled (filed by mistake or a duplicate).", TRANSITION_FIELDS
    ),
}

EVENT_TYPES = (CREATED, ASSIGNED, COMMENTED, *TRANSITIONS.values(), ESCALATED, SLA_WARNING, SLA_BREACHED)
