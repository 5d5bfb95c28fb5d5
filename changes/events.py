"""The events the change process publishes (registered in core's registry from apps.py).

Every payload carries the change as `change` (see CHANGE); transitions add `from`, `to` and `note`.
Webhook bodies are `{"id": <event key>, "type": <name>, "created_at": <when>, "data": <payload>}`."""

from core.events import EventType, Field

CHANGE = Field(
    "change",
    "object",
    "The change as it is after the event.",
    fields=(
        Field("id", "integer", "Database id (/api/v1/changes/<id>/)."),
        Field("number", "string", "CHG-000123."),
        Field("title", "string", "Title."),
        Field("type", "string", "standard, normal or emergency."),
        Field("status", "string", "Status after the event (draft, submitted, ..., closed, cancelled)."),
        Field("risk_level", "string", "low, medium, high, very_high, or empty before assessment."),
        Field("planned_start", "string", "ISO 8601 instant, or null.", nullable=True),
        Field("planned_end", "string", "ISO 8601 instant, or null.", nullable=True),
        Field("requester", "string", "Username of the requester."),
        Field("implementer", "string", "Username of the implementer.", nullable=True),
    ),
)
TRANSITION_FIELDS = (
    CHANGE,
    Field("from", "string", "Status before the transition."),
    Field("to", "string", "Status after the transition."),
    Field("note", "string", "The note given with the transition (may be empty)."),
)

CREATED = EventType("change.created", 1, "A change request was filed (as a draft).", (CHANGE,))

# The event of each lifecycle transition (changes.lifecycle publishes them).
TRANSITIONS = {
    "submit": EventType("change.submitted", 1, "Submitted for assessment and approval.", TRANSITION_FIELDS),
    "begin_assessment": EventType(
        "change.assessment_started", 1, "Waiting in assessment (high or very high risk).", TRANSITION_FIELDS
    ),
    "assess": EventType(
        "change.assessed", 1, "Risk assessed: the change now awaits CAB approval.", TRANSITION_FIELDS
    ),
    "pre_approve": EventType(
        "change.pre_approved", 1, "A standard change was approved on submit.", TRANSITION_FIELDS
    ),
    "approve": EventType("change.approved", 1, "The CAB approved the change.", TRANSITION_FIELDS),
    "reject": EventType("change.rejected", 1, "The CAB rejected the change.", TRANSITION_FIELDS),
    "revise": EventType("change.revised", 1, "A rejected change went back to draft.", TRANSITION_FIELDS),
    "schedule": EventType(
        "change.scheduled",
        1,
        "Scheduled (or rescheduled) for its window.",
        (
            *TRANSITION_FIELDS,
            Field("planned_start", "string", "Start of the window (ISO 8601)."),
            Field("planned_end", "string", "End of the window, exclusive (ISO 8601)."),
            Field("freeze_windows", "array", "Freeze windows an emergency change overrode: {id, name}."),
            Field("override_reason", "string", "Why the freeze windows were overridden (empty if none)."),
            Field("conflicts", "array", "Collisions in the window: {change, kind}, all acknowledged."),
            Field("acknowledged", "array", "Conflicts acknowledged with this request: {change, kind, note}."),
        ),
    ),
    "start": EventType("change.started", 1, "Implementation started.", TRANSITION_FIELDS),
    "complete": EventType(
        "change.implemented",
        1,
        "Implementation finished, with its outcome (successful, failed, rolled_back).",
        (*TRANSITION_FIELDS, Field("outcome", "string", "successful, failed or rolled_back.")),
    ),
    "review": EventType(
        "change.reviewed", 1, "The post-implementation review was recorded.", TRANSITION_FIELDS
    ),
    "close": EventType("change.closed", 1, "Closed.", TRANSITION_FIELDS),
    "cancel": EventType("change.cancelled", 1, "Cancelled before implementation.", TRANSITION_FIELDS),
}

SUSPECTED_INCIDENT = EventType(
    "change.suspected_incident",
    1,
    "An incident was opened on what the change touched soon after it was implemented: a suspected cause.",
    (
        CHANGE,
        Field(
            "suspected_incident",
            "object",
            "The incident the change may have caused.",
            fields=(
                Field("id", "integer", "Database id (/api/v1/incidents/<id>/)."),
                Field("number", "string", "INC-000123."),
                Field("title", "string", "Title."),
                Field("service", "string", "Slug of the incident's service."),
                Field("created_at", "string", "ISO 8601 instant the incident was opened."),
            ),
        ),
        Field("suspected_cause", "integer", "Id of the link (/api/v1/suspected-causes/<id>/)."),
        Field("reason", "string", "same_ci, dependent_ci or same_service."),
        Field("ci", "string", "Name of the changed CI the match went through, or null.", nullable=True),
    ),
)

EVENT_TYPES = (CREATED, *TRANSITIONS.values(), SUSPECTED_INCIDENT)

TASK_FAILED = EventType(
    "change.task_failed",
    1,
    "A task of a change in implementation failed: the rollback plan may be needed.",
    (
        CHANGE,
        Field(
            "task",
            "object",
            "The failed task.",
            fields=(
                Field("id", "integer", "Database id (/api/v1/changes/<change id>/tasks/<id>/)."),
                Field("position", "integer", "Its place in the change's task list (1, 2, ...)."),
                Field("title", "string", "Title."),
                Field("note", "string", "What went wrong."),
            ),
        ),
    ),
)
EVENT_TYPES = (*EVENT_TYPES, TASK_FAILED)
# CAB approval (changes/approvals.py) and its clock (changes/sla.py).
POLICY = Field(
    "policy",
    "object",
    "The approval policy the change is voted under.",
    fields=(
        Field("name", "string", "Name of the policy."),
        Field("mode", "string", "all, n_of_m or any."),
        Field("required", "integer", "Approvals needed (for n_of_m; all: every role; any: one)."),
        Field("roles", "array", "The CAB roles whose votes count."),
    ),
)
ROUND = Field("round", "integer", "Approval round: how many times the change was sent for approval.")
PENDING_ROLES = Field("pending_roles", "array", "The policy's CAB roles that have not voted yet this round.")
APPROVAL_REQUESTED = EventType(
    "change.approval_requested",
    1,
    "The change awaits the CAB's votes; sent to the members holding the policy's roles.",
    (CHANGE, POLICY, ROUND),
)
VOTED = EventType(
    "change.voted",
    1,
    "A CAB member approved or rejected the change (the last vote needed also moves it).",
    (
        CHANGE,
        ROUND,
        Field("voter", "string", "Username of the voter."),
        Field("role", "string", "The CAB role the vote was cast in."),
        Field("decision", "string", "approve or reject."),
        Field("comment", "string", "The voter's comment (the reason of a rejection)."),
        Field("outcome", "string", "What the votes decide now: pending, approved or rejected."),
        PENDING_ROLES,
    ),
)
APPROVAL_REMINDER = EventType(
    "change.approval_reminder",
    1,
    "Half the approval time has passed: a reminder to the approvers whose vote is pending.",
    (CHANGE, ROUND, PENDING_ROLES, Field("due_at", "string", "When the approval is due (ISO 8601).")),
)
APPROVAL_OVERDUE = EventType(
    "change.approval_overdue",
    1,
    "The approval time has run out: escalated to the change managers.",
    (CHANGE, ROUND, PENDING_ROLES, Field("due_at", "string", "When the approval was due (ISO 8601).")),
)

EVENT_TYPES = (*EVENT_TYPES, APPROVAL_REQUESTED, VOTED, APPROVAL_REMINDER, APPROVAL_OVERDUE)
